/**
 * Hydrating assignments of existing transactions (src/compute/hydrate.ts) against a real HTTP
 * gateway stand-in: an Arweave L1 transaction signed by arweave-js (the `arweave` package, a
 * devnet key) is verified as L1 (its signature covers fee, quantity and the data's Merkle root,
 * not an ANS-104 deep hash), from GraphQL fields or from the node API `/tx/{id}`; a bundled item
 * (arbundles) is verified as ANS-104; and the hydrated message has the reference CU's shape
 * (hydrateMessages.js: `Anchor` always set, no `Forwarded-By`).
 */
import { describe, it, expect, afterEach, beforeAll } from 'vitest'
import Arweave from 'arweave'
import type Transaction from 'arweave/node/lib/transaction.js'
import { computeRootHash } from 'arweave/node/lib/merkle.js'
import { createData, ArweaveSigner } from 'arbundles'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { HttpClient } from '../../src/protocol/http'
import { toB64Url } from '../../src/protocol/base64url'
import { arweaveDataRoot } from '../../src/protocol/arweave-tx-data-root'
import { hydrateAssignmentChecked } from '../../src/compute/hydrate'
import type { ScheduledMessage } from '../../src/protocol/message-mapping'
import { serve, closeTestServers, sendJson, protocolFailure } from './http-test-server'
import { jwk } from './su-signed-log'

afterEach(closeTestServers)
const arweave = Arweave.init({})
const key = jwk('wallet-a') as Parameters<typeof arweave.transactions.sign>[1]
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 5000 })
const PID = 'P'.repeat(43)
const dec = new TextDecoder()

interface Served {
  id: string
  graphql: Record<string, unknown>
  raw: Uint8Array
  nodeJson?: unknown
}

/** GraphQL node as arweave.net describes an L1 transaction: decoded tags, anchor = last_tx, fee = reward. */
function l1Served(tx: Transaction, data: Uint8Array, opts: { nodeApi?: boolean } = {}): Served {
  const tags = tx.tags.map((t) => ({ name: t.get('name', { decode: true, string: true }), value: t.get('value', { decode: true, string: true }) }))
  return {
    id: tx.id,
    raw: data,
    graphql: {
      id: tx.id,
      signature: tx.signature,
      anchor: tx.last_tx,
      recipient: tx.target,
      owner: { address: 'unused', key: tx.owner },
      tags,
      block: { height: 1_500_000, timestamp: 1_732_000_000 },
      quantity: { winston: tx.quantity },
      fee: { winston: tx.reward },
      data: { size: tx.data_size },
      bundledIn: null,
    },
    ...(opts.nodeApi && { nodeJson: { ...tx.toJSON(), data: tx.format === 1 ? tx.data && toB64Url(tx.data) : '' } }),
  }
}

/** The gateway: GraphQL by ids (the L1 field query can be refused), /raw, and optionally /tx. */
function gateway(s: Served, opts: { l1Query?: 'ok' | 'refused' } = {}) {
  return serve((r, res) => {
    if (r.method === 'POST' && r.path === '/graphql') {
      const body = JSON.parse(r.body.toString()) as { query: string }
      if (body.query.includes('L1Fields') && opts.l1Query === 'refused') return sendJson(res, { errors: [{ message: 'Cannot query field "fee" on type "Transaction".' }] })
      return sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: false }, edges: [{ cursor: 'c', node: s.graphql }] } } })
    }
    if (r.path === `/raw/${s.id}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      return res.end(Buffer.from(s.raw))
    }
    if (r.path === `/tx/${s.id}` && s.nodeJson) return sendJson(res, s.nodeJson)
    return sendJson(res, { error: 'not found' }, 404)
  })
}

function assignmentOf(id: string, exclude: string[] = []): ScheduledMessage {
  return {
    ordinate: 5,
    assignmentId: 'A'.repeat(43),
    isAssignment: true,
    exclude,
    message: { Id: id, Tags: [], Epoch: 0, Nonce: 5, Timestamp: 1_732_000_000_500, 'Block-Height': 1_500_000, 'Hash-Chain': 'H'.repeat(43), Cron: false, 'Read-Only': false },
  }
}

async function signedL1(data: Uint8Array, format: 1 | 2 = 2): Promise<Transaction> {
  const tx = await arweave.createTransaction(
    { format, data, target: toB64Url(new Uint8Array(32).fill(7)), quantity: '1000', reward: '123456789', last_tx: toB64Url(new Uint8Array(48).fill(3)) },
    key,
  )
  tx.addTag('Data-Protocol', 'ao')
  tx.addTag('Action', 'Base-Layer-Note')
  await arweave.transactions.sign(tx, key)
  expect(await arweave.transactions.verify(tx)).toBe(true)
  return tx
}

let text: Uint8Array
let big: Uint8Array
beforeAll(() => {
  text = new TextEncoder().encode('hello from the base layer ✓')
  // Three chunks, the last two split evenly (256 KiB + 40 KiB): exercises the Merkle rules.
  big = new Uint8Array(256 * 1024 + 40 * 1024).map((_, i) => (i * 31) % 251)
})

describe('arweaveDataRoot', () => {
  it('equals arweave-js computeRootHash on chunk-boundary sizes', async () => {
    for (const size of [1, 100, 32 * 1024, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 256 * 1024 + 32 * 1024 - 1, 512 * 1024, 700_001]) {
      const data = new Uint8Array(size).map((_, i) => (i * 7 + size) % 256)
      expect(toB64Url(arweaveDataRoot(data)), `size ${size}`).toBe(toB64Url(await computeRootHash(data)))
    }
  })
})

describe('hydrateAssignment of an Arweave L1 transaction', () => {
  it('verifies it from GraphQL fields and the downloaded bytes (format 2), shaped like the reference', async () => {
    const tx = await signedL1(text)
    const g = await gateway(l1Served(tx, text))
    const h = await hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(tx.id))
    expect(h.proof).toEqual({ kind: 'l1', format: 2, source: 'graphql' })
    expect(h.message).toMatchObject({ Id: tx.id, Data: dec.decode(text), Target: tx.target, Anchor: tx.last_tx, Signature: tx.signature, Nonce: 5 })
    expect(h.message.Owner).toBe(await arweave.wallets.ownerToAddress(tx.owner))
    expect(h.message.Tags).toEqual([{ name: 'Data-Protocol', value: 'ao' }, { name: 'Action', value: 'Base-Layer-Note' }])
  })

  it('verifies a multi-chunk transaction through the node API when GraphQL lacks fee/quantity', async () => {
    const tx = await signedL1(big)
    const g = await gateway(l1Served(tx, big, { nodeApi: true }), { l1Query: 'refused' })
    const h = await hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(tx.id))
    expect(h.proof).toEqual({ kind: 'l1', format: 2, source: 'node-api' })
    expect(h.message.Data?.length).toBe(dec.decode(big).length)
  })

  it('verifies a format 1 transaction (data inline) through the node API', async () => {
    const tx = await signedL1(text, 1)
    const g = await gateway(l1Served(tx, text, { nodeApi: true }), { l1Query: 'refused' })
    const h = await hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(tx.id))
    expect(h.proof).toEqual({ kind: 'l1', format: 1, source: 'node-api' })
    expect(h.message.Data).toBe(dec.decode(text))
  })

  it('refuses changed bytes with log/message-signature naming the nonce and id', async () => {
    const tx = await signedL1(big)
    const changed = big.slice()
    changed[300_000] = changed[300_000]! ^ 1
    const g = await gateway({ ...l1Served(tx, changed, { nodeApi: true }) })
    const e = await protocolFailure(hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(tx.id)))
    expect(e.code).toBe('log/message-signature')
    expect(e.details).toMatchObject({ nonce: 5, messageId: tx.id })
    expect(e.message).toContain("data's root")
  })

  it('refuses GraphQL tags that are not the signed ones', async () => {
    const tx = await signedL1(text)
    const s = l1Served(tx, text, { nodeApi: true })
    s.graphql.tags = [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Action', value: 'Transfer' }]
    const g = await gateway(s)
    const e = await protocolFailure(hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(tx.id)))
    expect(e.code).toBe('log/message-signature')
    expect(e.message).toContain("GraphQL's tags differs")
  })
})

describe('hydrateAssignment of a bundled item: the reference message shape', () => {
  it('sets Anchor "" when the item has none and no Forwarded-By even with From-Process', async () => {
    const signer = new ArweaveSigner(jwk('wallet-a'))
    const item = createData('pushed', signer, { target: PID, tags: [{ name: 'From-Process', value: 'Q'.repeat(43) }, { name: 'Type', value: 'Message' }] })
    await item.sign(signer)
    const s: Served = {
      id: item.id,
      raw: new Uint8Array(item.rawData),
      graphql: { id: item.id, signature: item.signature, anchor: '', recipient: PID, owner: { address: 'unused', key: item.owner }, tags: item.tags, block: null },
    }
    const g = await gateway(s)
    const h = await hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(item.id))
    expect(h.proof).toEqual({ kind: 'ans104' })
    expect(h.message.Anchor).toBe('')
    expect(h.message.From).toBe('Q'.repeat(43))
    expect('Forwarded-By' in h.message).toBe(false)
    // Exclude still wins over the always-set Anchor.
    const ex = await hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(item.id, ['Anchor', 'Data']))
    expect('Anchor' in ex.message).toBe(false)
    expect('Data' in ex.message).toBe(false)
  })
})
