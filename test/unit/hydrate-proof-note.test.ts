/**
 * The hydration proof as a log entry's verification note: a real ANS-104 item (arbundles, a devnet
 * key) served by a local HTTP gateway is hydrated by hydrateAssignmentChecked, and the note names
 * the proof it got; a tampered body is refused instead of getting a note.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { createData, ArweaveSigner } from 'arbundles'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { HttpClient } from '../../src/protocol/http'
import { hydrateAssignmentChecked, hydrationNote } from '../../src/compute/hydrate'
import type { ScheduledMessage } from '../../src/protocol/message-mapping'
import { serve, closeTestServers, sendJson } from './http-test-server'
import { jwk } from './su-signed-log'

afterEach(closeTestServers)
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 5000 })

async function signedItem() {
  const signer = new ArweaveSigner(jwk('wallet-a') as ConstructorParameters<typeof ArweaveSigner>[0])
  const item = createData('bundled note', signer, { tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Action', value: 'Note' }] })
  await item.sign(signer)
  return item
}

function gatewayFor(item: Awaited<ReturnType<typeof signedItem>>, raw: Uint8Array) {
  const node = {
    id: item.id, signature: item.signature, anchor: item.anchor, recipient: item.target,
    owner: { address: 'unused', key: item.owner }, tags: item.tags,
    block: { height: 1_500_000, timestamp: 1_732_000_000 }, data: { size: String(raw.length) }, bundledIn: { id: 'B'.repeat(43) },
  }
  return serve((r, res) => {
    if (r.method === 'POST' && r.path === '/graphql') return sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: false }, edges: [{ cursor: 'c', node }] } } })
    if (r.path === `/raw/${item.id}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      return res.end(Buffer.from(raw))
    }
    return sendJson(res, { error: 'not found' }, 404)
  })
}

function assignmentOf(id: string): ScheduledMessage {
  return {
    ordinate: 3, assignmentId: 'A'.repeat(43), isAssignment: true, exclude: [],
    message: { Id: id, Tags: [], Epoch: 0, Nonce: 3, Timestamp: 1_732_000_000_500, 'Block-Height': 1_500_000, 'Hash-Chain': 'H'.repeat(43), Cron: false, 'Read-Only': false },
  }
}

describe('hydration proof note', () => {
  it('a bundled item is proven as ANS-104 and its note says so', async () => {
    const item = await signedItem()
    const g = await gatewayFor(item, new Uint8Array(item.rawData))
    const h = await hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(item.id))
    expect(h.proof).toEqual({ kind: 'ans104' })
    expect(h.message.Data).toBe('bundled note')
    expect(hydrationNote(h.proof)).toBe('assigned transaction hydrated from the gateway and verified as a signed ANS-104 item')
  })

  it('changed bytes get no note: hydration is refused at the nonce', async () => {
    const item = await signedItem()
    const g = await gatewayFor(item, new TextEncoder().encode('bundled nope'))
    await expect(hydrateAssignmentChecked(new GatewayClient(g.url, http), assignmentOf(item.id))).rejects.toMatchObject({ code: 'log/message-signature' })
  })

  it('L1 proofs name the format and where the signed fields came from', () => {
    expect(hydrationNote({ kind: 'l1', format: 2, source: 'graphql' })).toBe(
      "assigned transaction hydrated from the gateway and verified as an Arweave L1 transaction (format 2, signed fields from the gateway's GraphQL fields)")
    expect(hydrationNote({ kind: 'l1', format: 1, source: 'node-api' })).toContain('format 1, signed fields from the node API (/tx)')
  })
})
