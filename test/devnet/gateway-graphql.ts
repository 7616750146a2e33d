/**
 * The subset of the Arweave gateway GraphQL API that ao clients use (aoconnect's module check,
 * scheduler-utils' Scheduler-Location lookup, the CU's module and checkpoint queries, block
 * crons), answered from the GatewayStore with the real `graphql` executor.
 */
import { buildSchema, graphql } from 'graphql'
import { toB64Url } from '../../src/protocol/base64url'
import type { Block, GatewayStore, StoredItem } from './gateway-store'

const SCHEMA = buildSchema(`
  enum SortOrder { HEIGHT_ASC HEIGHT_DESC INGESTED_AT_ASC INGESTED_AT_DESC }
  enum TagOperator { EQ NEQ }
  enum TagMatch { EXACT WILDCARD FUZZY_AND FUZZY_OR }
  input TagFilter { name: String!, values: [String!]!, op: TagOperator = EQ, match: TagMatch = EXACT }
  input BlockFilter { min: Int, max: Int }
  type PageInfo { hasNextPage: Boolean! }
  type Owner { address: String!, key: String! }
  type Amount { winston: String!, ar: String! }
  type MetaData { size: String!, type: String }
  type Tag { name: String!, value: String! }
  type Block { id: ID!, timestamp: Int!, height: Int!, previous: ID! }
  type Parent { id: ID! }
  type Bundle { id: ID! }
  type Transaction {
    id: ID!, anchor: String!, signature: String!, recipient: String!, owner: Owner!,
    fee: Amount!, quantity: Amount!, data: MetaData!, tags: [Tag!]!, block: Block,
    parent: Parent, bundledIn: Bundle, ingested_at: Int
  }
  type TransactionEdge { cursor: String!, node: Transaction! }
  type TransactionConnection { pageInfo: PageInfo!, edges: [TransactionEdge!]!, count: String }
  type BlockEdge { cursor: String!, node: Block! }
  type BlockConnection { pageInfo: PageInfo!, edges: [BlockEdge!]! }
  type Query {
    transaction(id: ID!): Transaction
    transactions(
      ids: [ID!], owners: [String!], recipients: [String!], tags: [TagFilter!], bundledIn: [ID],
      block: BlockFilter, first: Int = 10, after: String, sort: SortOrder = HEIGHT_DESC,
      ingested_at: BlockFilter
    ): TransactionConnection!
    block(id: String): Block
    blocks(ids: [ID!], height: BlockFilter, first: Int = 10, after: String, sort: SortOrder = HEIGHT_DESC): BlockConnection!
  }
`)

interface TagFilter {
  name: string
  values: string[]
  op?: 'EQ' | 'NEQ'
  match?: string
}
interface Range {
  min?: number | null
  max?: number | null
}
interface TxArgs {
  ids?: string[] | null
  owners?: string[] | null
  recipients?: string[] | null
  tags?: TagFilter[] | null
  block?: Range | null
  first?: number | null
  after?: string | null
  sort?: string | null
}

/** Gateways cap page sizes; 100 is what arweave.net accepts. */
const MAX_PAGE = 100

function txNode(s: StoredItem) {
  const rawAnchor = s.item.rawAnchor
  return {
    id: s.id,
    // Bundled items' anchors come back base64url-encoded (raw 32 bytes), as arbundles renders them.
    anchor: rawAnchor.length ? toB64Url(rawAnchor) : '',
    signature: s.item.signature,
    recipient: s.item.rawTarget.length ? s.item.target : '',
    owner: { address: s.ownerAddress, key: s.item.owner },
    fee: { winston: '0', ar: '0.000000000000' },
    quantity: { winston: '0', ar: '0.000000000000' },
    data: { size: String(s.item.rawData.length), type: s.tags.find((t) => t.name === 'Content-Type')?.value ?? null },
    tags: s.tags,
    block: s.block,
    parent: null,
    bundledIn: null,
    ingested_at: s.block.timestamp,
  }
}

function inRange(v: number, r: Range | null | undefined): boolean {
  if (!r) return true
  if (r.min != null && v < r.min) return false
  if (r.max != null && v > r.max) return false
  return true
}

function matchesTags(s: StoredItem, filters: TagFilter[] | null | undefined): boolean {
  for (const f of filters ?? []) {
    if (f.match && f.match !== 'EXACT') throw new Error(`tag match ${f.match} is not supported by the devnet gateway`)
    const hit = s.tags.some((t) => t.name === f.name && f.values.includes(t.value))
    if ((f.op ?? 'EQ') === 'EQ' ? !hit : hit) return false
  }
  return true
}

function page<T>(rows: T[], cursorOf: (t: T) => string, first: number | null | undefined, after: string | null | undefined) {
  let start = 0
  if (after) {
    const i = rows.findIndex((r) => cursorOf(r) === after)
    if (i < 0) throw new Error(`unknown cursor ${after}`)
    start = i + 1
  }
  const n = Math.max(0, Math.min(first ?? 10, MAX_PAGE))
  const slice = rows.slice(start, start + n)
  return { slice, hasNextPage: start + n < rows.length }
}

export function createGraphql(store: GatewayStore) {
  const root = {
    transaction: ({ id }: { id: string }) => {
      const s = store.get(id)
      return s ? txNode(s) : null
    },
    transactions: (args: TxArgs) => {
      let rows = store.all().filter(
        (s) =>
          (!args.ids?.length || args.ids.includes(s.id)) &&
          (!args.owners?.length || args.owners.includes(s.ownerAddress)) &&
          (!args.recipients?.length || args.recipients.includes(s.item.rawTarget.length ? s.item.target : '')) &&
          inRange(s.block.height, args.block) &&
          matchesTags(s, args.tags),
      )
      if (!args.sort || args.sort.endsWith('DESC')) rows = [...rows].reverse()
      const { slice, hasNextPage } = page(rows, (s) => String(s.seq), args.first, args.after)
      return { pageInfo: { hasNextPage }, edges: slice.map((s) => ({ cursor: String(s.seq), node: txNode(s) })), count: String(rows.length) }
    },
    block: ({ id }: { id?: string }) => store.blocks.find((b) => b.id === id) ?? null,
    blocks: (args: { ids?: string[] | null; height?: Range | null; first?: number | null; after?: string | null; sort?: string | null }) => {
      let rows: Block[] = store.blocks.filter((b) => (!args.ids?.length || args.ids.includes(b.id)) && inRange(b.height, args.height))
      if (!args.sort || args.sort.endsWith('DESC')) rows = [...rows].reverse()
      const { slice, hasNextPage } = page(rows, (b) => b.id, args.first, args.after)
      return { pageInfo: { hasNextPage }, edges: slice.map((b) => ({ cursor: b.id, node: b })) }
    },
  }
  return async (query: string, variables: Record<string, unknown> | undefined) =>
    graphql({ schema: SCHEMA, source: query, rootValue: root, variableValues: variables ?? {} })
}
