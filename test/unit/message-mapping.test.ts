/**
 * Message mapping (SU edge -> msg) against the devnet CU, which evaluates with the reference
 * mapping: for every edge of a real log (spawn, two signers, a push) our mapping must equal the
 * exact `msg` the devnet handed to `handle`. The dedupe deep hash is checked against arbundles
 * computed the way the reference CU does it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createSigner } from '@permaweb/aoconnect'
import { createData } from 'arbundles'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { SuClient } from '../../src/protocol/su-client'
import { mapEdge, forwardedDeepHash, removeInvalidTags } from '../../src/protocol/message-mapping'
import { ownerToAddress } from '../../src/protocol/address'
import { signatureTypeForOwnerLength } from '../../src/protocol/signature-types'
import { fromB64Url } from '../../src/protocol/base64url'
import type { SuEdge, SuMessage } from '../../src/protocol/su-types'

const BASE_PORT = 15400

interface AoClient {
  spawn(args: Record<string, unknown>): Promise<string>
  message(args: Record<string, unknown>): Promise<string>
}

const addressOf = (m: SuMessage) => {
  const key = fromB64Url(m.owner.key)
  return ownerToAddress(signatureTypeForOwnerLength(key.length), key)
}

describe('message mapping', () => {
  let devnet: Devnet
  let pid = ''
  let edges: SuEdge[] = []

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    const ao = connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as AoClient
    const a = createSigner(loadKey('wallet-a').jwk)
    const b = createSigner(loadKey('wallet-b').jwk)
    pid = await ao.spawn({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, signer: a, tags: [{ name: 'Authority', value: devnet.authority }] })
    // Tags named From/Owner must be stripped before evaluation; unicode must pass unchanged.
    await ao.message({ process: pid, signer: a, tags: [{ name: 'Action', value: 'Eval' }, { name: 'From', value: 'spoofed' }, { name: 'Owner', value: 'spoofed' }, { name: 'Note', value: 'héllo ✓' }], data: 'return "ok"' })
    await ao.message({ process: pid, signer: b, tags: [{ name: 'Action', value: 'Info' }], data: 'from b' })
    await ao.message({ process: pid, signer: a, tags: [{ name: 'Action', value: 'Eval' }], data: 'Send({ Target = ao.id, Action = "Ping", Data = "pushed" })' })
    const su = new SuClient(devnet.urls.su)
    for await (const page of su.streamSchedule(pid, { pageSize: 100 })) edges.push(...page.edges)
  })
  afterAll(async () => {
    await devnet?.stop()
  })

  it('maps every edge exactly as the reference-mapping CU evaluated it', async () => {
    expect(edges.length).toBe(5) // process, Eval, Info from b, Eval Send, pushed Ping
    for (const edge of edges) {
      const ours = mapEdge(edge, addressOf)
      const res = await fetch(`${devnet.urls.cu}/devnet/evaluated/${ours.message.Id}`)
      expect(res.status).toBe(200)
      const { msg } = (await res.json()) as { msg: Record<string, unknown> }
      for (const field of ['Id', 'Signature', 'Data', 'Anchor', 'Owner', 'From', 'Forwarded-By', 'Target', 'Tags', 'Epoch', 'Nonce', 'Timestamp', 'Block-Height', 'Hash-Chain', 'Cron', 'Read-Only'] as const) {
        expect({ field, value: ours.message[field] }).toEqual({ field, value: msg[field] })
      }
      expect(ours.ordinate).toBe(msg.Nonce)
    }
  })

  it('strips From/Owner tags, keeps unicode, and marks the push as forwarded with a dedupe hash', () => {
    const evalMsg = mapEdge(edges[1]!, addressOf).message
    expect(evalMsg.Tags.map((t) => t.name)).not.toContain('From')
    expect(evalMsg.Tags.map((t) => t.name)).not.toContain('Owner')
    expect(evalMsg.Tags.find((t) => t.name === 'Note')?.value).toBe('héllo ✓')
    expect(removeInvalidTags([{ name: 'From', value: 'x' }, { name: 'A', value: 'b' }])).toEqual([{ name: 'A', value: 'b' }])
    const push = mapEdge(edges[4]!, addressOf)
    expect(push.message.From).toBe(pid)
    expect(push.message['Forwarded-By']).toBe(devnet.authority)
    expect(push.deepHash).toMatch(/^[A-Za-z0-9+/]+=*$/)
    expect(mapEdge(edges[2]!, addressOf).deepHash).toBeUndefined()
  })

  it('computes the dedupe deep hash like the reference CU (arbundles, empty owner, type 1)', async () => {
    const push = edges[4]!.node.message!
    const signer = { publicKey: Buffer.alloc(0), ownerLength: 0, signatureLength: 512, signatureType: 1 }
    const item = createData(push.data ?? '', signer as never, { tags: push.tags, target: pid, ...(push.anchor ? { anchor: push.anchor } : {}) })
    const reference = Buffer.from(await item.getSignatureData()).toString('base64')
    expect(forwardedDeepHash({ data: push.data ?? '', tags: push.tags, target: pid, anchor: push.anchor })).toBe(reference)
    // A different payload gives a different key.
    expect(forwardedDeepHash({ data: 'other', tags: push.tags, target: pid, anchor: push.anchor })).not.toBe(reference)
  })

  it('gives a typed error for an assignment without its tags', () => {
    const broken = structuredClone(edges[1]!)
    broken.node.assignment.tags = broken.node.assignment.tags.filter((t) => t.name !== 'Nonce')
    expect(() => mapEdge(broken, addressOf)).toThrow(/Nonce is missing/)
  })
})

describe('forwardedDeepHash', () => {
  it('equals the reference (warp-arbundles createData with an empty owner) on random pushes', async () => {
    const { createData: warpCreateData } = (await import('warp-arbundles')) as unknown as { createData: typeof createData }
    const signer = { publicKey: Buffer.alloc(0), ownerLength: 0, signatureLength: 512, signatureType: 1 }
    const rnd = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7919 + n) % 90))).join('')
    const target = 'A'.repeat(42) + 'E'
    for (const [nTags, dataLen, withAnchor] of [[0, 0, false], [1, 5, true], [3, 600, false], [10, 2000, true], [40, 100, true]] as const) {
      const tags = Array.from({ length: nTags }, (_, i) => ({ name: `T${i}`, value: rnd((i * 13) % 60 + 1) }))
      const anchor = withAnchor ? rnd(32) : undefined
      const data = rnd(dataLen)
      const item = warpCreateData(data, signer as never, { tags, target, ...(anchor ? { anchor } : {}) })
      const reference = Buffer.from(await item.getSignatureData()).toString('base64')
      expect(forwardedDeepHash({ data, tags, target, anchor })).toBe(reference)
    }
  })
})
