/**
 * The log checker against real signed SU-style logs: items and assignments are signed by
 * arbundles (an independent ANS-104 implementation) with the devnet's committed RSA keys, plus
 * ed25519 (type 2) and Solana (type 4) message signers, and rendered as the SU's JSON
 * (json.rs: lossy UTF-8 data, anchor as text). Each test breaks one thing.
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createData, ArweaveSigner, SolanaSigner, HexSolanaSigner, type DataItem } from 'arbundles'
import { ed25519 } from '@noble/curves/ed25519.js'
import { LogChecker, type LogCheckState, type PageCheck } from '../../src/protocol/log-check'
import { hashChainSeed, nextHashChain } from '../../src/protocol/hash-chain'
import { toB64Url } from '../../src/protocol/base64url'
import type { SuEdge, SuMessage, SuAssignment } from '../../src/protocol/su-types'
import { ProtocolError } from '../../src/protocol/errors'

type Signer = Parameters<typeof createData>[1]
interface Tag {
  name: string
  value: string
}

const jwk = (name: string) => JSON.parse(readFileSync(new URL(`../devnet/keys/${name}.json`, import.meta.url), 'utf8')) as never
const su = new ArweaveSigner(jwk('su'))
const otherSu = new ArweaveSigner(jwk('wallet-b'))
const wallet = new ArweaveSigner(jwk('wallet-a'))
/** arbundles' Solana signers take a base58 secret key (seed ‖ public key). */
function base58(bytes: Uint8Array): string {
  const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = BigInt('0x' + Buffer.from(bytes).toString('hex'))
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)]! + out
    n /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    out = '1' + out
  }
  return out
}
const edSecret = (seed: number) => {
  const sk = new Uint8Array(32).fill(seed)
  return base58(Buffer.concat([sk, ed25519.getPublicKey(sk)]))
}
// arbundles: SolanaSigner signs as type 2 (ed25519), HexSolanaSigner as type 4.
const edSigner = new SolanaSigner(edSecret(7))
const solSigner = new HexSolanaSigner(edSecret(9))

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest())
const addressOf = (owner: Uint8Array) => toB64Url(sha256(owner))
const SU_ADDRESS = addressOf(su.publicKey)

async function sign(signer: Signer, data: string | Uint8Array, tags: Tag[], opts: { target?: string; anchor?: string } = {}): Promise<DataItem> {
  const item = createData(data, signer, { tags, ...(opts.target && { target: opts.target }), ...(opts.anchor && { anchor: opts.anchor }) })
  await item.sign(signer)
  return item
}

/** The SU's JSON for a signed item (json.rs): anchor as UTF-8 text, data through lossy UTF-8. */
function suJson(item: DataItem): SuMessage {
  const owner = new Uint8Array(item.rawOwner)
  const j: SuMessage = { id: item.id, owner: { address: addressOf(owner), key: toB64Url(owner) }, tags: item.tags, signature: toB64Url(new Uint8Array(item.rawSignature)), data: new TextDecoder().decode(item.rawData) }
  const anchor = new TextDecoder().decode(item.rawAnchor)
  if (anchor) j.anchor = anchor
  if (item.target) j.target = item.target
  return j
}
function assignmentJson(item: DataItem): SuAssignment {
  const { data: _data, ...rest } = suJson(item)
  return { ...rest, target: '' }
}

interface Built {
  pid: string
  edges: SuEdge[]
  /** Re-sign assignment `nonce` with altered tags / signer (for faults the SU itself would sign). */
  assign(nonce: number, change: { chain?: string; signer?: Signer; process?: string; message?: string }): Promise<SuEdge>
}

async function buildLog(count: number): Promise<Built> {
  const processItem = await sign(wallet, 'print("boot")', [
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Variant', value: 'ao.TN.1' },
    { name: 'Type', value: 'Process' },
    { name: 'Module', value: 'M'.repeat(43) },
    { name: 'Scheduler', value: SU_ADDRESS },
  ])
  const pid = processItem.id
  const messages: (DataItem | null)[] = [processItem]
  for (let n = 1; n < count; n++) {
    const signer = n === 3 ? edSigner : n === 4 ? solSigner : wallet
    const tags = [
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Type', value: 'Message' },
      { name: 'Action', value: `Step-${n}` },
    ]
    // Every few messages: an aoconnect-style 32-character anchor, or none.
    messages.push(await sign(signer, `message ${n} ✓`, tags, { target: pid, ...(n % 3 === 0 && { anchor: String(n).padStart(32, '0') }) }))
  }
  const assignmentTags = (n: number, chain: string, message: string | undefined, process = pid): Tag[] => [
    { name: 'Process', value: process },
    { name: 'Epoch', value: '0' },
    { name: 'Nonce', value: String(n) },
    { name: 'Hash-Chain', value: chain },
    { name: 'Block-Height', value: '000001500000' },
    { name: 'Timestamp', value: String(1_732_000_000_000 + n) },
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Type', value: 'Assignment' },
    { name: 'Variant', value: 'ao.TN.1' },
    ...(message ? [{ name: 'Message', value: message }] : []),
  ]
  const chains: string[] = []
  const assignments: DataItem[] = []
  for (let n = 0; n < count; n++) {
    const chain = n === 0 ? hashChainSeed(pid) : nextHashChain(assignments[n - 1]!.id, chains[n - 1]!)
    chains.push(chain)
    assignments.push(await sign(su, '', assignmentTags(n, chain, n === 0 ? undefined : messages[n]!.id)))
  }
  const edgeOf = (n: number, a: DataItem): SuEdge => ({ cursor: String(n), node: { message: messages[n] ? suJson(messages[n]!) : null, assignment: assignmentJson(a) } })
  return {
    pid,
    edges: assignments.map((a, n) => edgeOf(n, a)),
    async assign(n, change) {
      const tags = assignmentTags(n, change.chain ?? chains[n]!, change.message ?? (n === 0 ? undefined : messages[n]!.id), change.process)
      return edgeOf(n, await sign(change.signer ?? su, '', tags))
    },
  }
}

let log: Built
beforeAll(async () => {
  log = await buildLog(20)
}, 60_000)

const checker = (resume?: LogCheckState) => new LogChecker({ processId: log.pid, scheduler: { address: SU_ADDRESS }, ...(resume && { resume }) })
const clone = (edges: SuEdge[]): SuEdge[] => structuredClone(edges)
/** Asserts the failure code and nonce, and that exactly the edges before `firstUnverified` were verified. */
function failed(r: PageCheck, code: string, nonce: number, firstUnverified = nonce): ProtocolError {
  expect(r.failure, `expected ${code} at nonce ${nonce}`).toBeInstanceOf(ProtocolError)
  expect(r.failure!.code).toBe(code)
  expect(r.failure!.details.nonce).toBe(nonce)
  expect(r.failure!.message).toContain(`nonce ${nonce}`)
  expect(r.verified.map((v) => v.nonce)).toEqual(Array.from({ length: firstUnverified }, (_, i) => i))
  return r.failure!
}

describe('LogChecker: a valid log', () => {
  it('verifies 20 edges: signatures (RSA, ed25519, Solana), nonces, hash chain', async () => {
    const c = checker()
    const r = await c.checkPage(log.edges)
    expect(r.failure).toBeUndefined()
    expect(r.verified).toHaveLength(20)
    expect(r.verified.every((v) => v.level === 'chained' && v.assignmentSigned && v.messageSigned && v.chained)).toBe(true)
    expect(r.verified[0]!.messageId).toBe(log.pid)
    expect(c.state).toEqual({ nonce: 19, lastAssignmentId: log.edges[19]!.node.assignment.id, lastHashChain: expect.any(String) })
  })

  it('runs page by page and resumes from a saved state', async () => {
    const first = checker()
    expect((await first.checkPage(log.edges.slice(0, 7))).verified).toHaveLength(7)
    const saved = first.state
    const second = checker(saved)
    const r = await second.checkPage(log.edges.slice(7))
    expect(r.failure).toBeUndefined()
    expect(r.verified.map((v) => v.nonce)).toEqual(Array.from({ length: 13 }, (_, i) => 7 + i))
    expect(r.verified.every((v) => v.chained)).toBe(true)
  })

  it('resuming without the previous link accepts the chain tag but does not call the edge chained', async () => {
    const r = await checker({ nonce: 9 }).checkPage(log.edges.slice(10, 12))
    expect(r.failure).toBeUndefined()
    expect(r.verified.map((v) => [v.chained, v.level])).toEqual([
      [false, 'signed'],
      [true, 'chained'],
    ])
  })

  it('accepts the SU key instead of the address', async () => {
    const c = new LogChecker({ processId: log.pid, scheduler: { key: log.edges[0]!.node.assignment.owner.key } })
    expect((await c.checkPage(log.edges.slice(0, 3))).failure).toBeUndefined()
  })

  it('marks an assignment of an existing transaction (message null) as not message-signed', async () => {
    const edges = clone(log.edges.slice(0, 3))
    edges[2]!.node.message = null
    const r = await checker().checkPage(edges)
    expect(r.failure).toBeUndefined()
    expect(r.verified[2]).toMatchObject({ messageSigned: false, level: 'fetched', chained: true })
    expect(r.verified[2]!.notes.join()).toContain('existing transaction')
  })
})

describe('LogChecker: each single fault fails at the right nonce with the right code', () => {
  it('nonce gap', async () => {
    const edges = clone(log.edges)
    edges.splice(6, 1)
    failed(await checker().checkPage(edges), 'log/nonce-gap', 6)
  })

  it('duplicate edge', async () => {
    const edges = clone(log.edges)
    edges.splice(6, 0, clone([log.edges[5]!])[0]!)
    const e = failed(await checker().checkPage(edges), 'log/duplicate', 5, 6)
    expect(e.message).toContain('appears again')
  })

  it('swapped order', async () => {
    const edges = clone(log.edges)
    ;[edges[8], edges[9]] = [edges[9]!, edges[8]!]
    const e = failed(await checker().checkPage(edges), 'log/out-of-order', 8)
    expect(e.message).toContain('comes later')
  })

  it('broken hash chain (validly signed by the SU)', async () => {
    const edges = clone(log.edges)
    edges[11] = await log.assign(11, { chain: hashChainSeed(log.pid) })
    const e = failed(await checker().checkPage(edges), 'log/hash-chain', 11)
    expect(e.details.expected).toBe(log.edges[11]!.node.assignment.tags.find((t) => t.name === 'Hash-Chain')!.value)
  })

  it('assignment signed by another key than the expected SU', async () => {
    const edges = clone(log.edges)
    edges[4] = await log.assign(4, { signer: otherSu })
    const e = failed(await checker().checkPage(edges), 'log/wrong-scheduler', 4)
    expect(e.message).toContain(SU_ADDRESS)
  })

  it('assignment for another process', async () => {
    const edges = clone(log.edges)
    edges[3] = await log.assign(3, { process: 'X'.repeat(43) })
    failed(await checker().checkPage(edges), 'log/assignment-mismatch', 3)
  })

  it('assignment naming another message', async () => {
    const edges = clone(log.edges)
    edges[5] = await log.assign(5, { message: log.edges[6]!.node.message!.id })
    failed(await checker().checkPage(edges), 'log/assignment-mismatch', 5)
  })

  it('message tag changed', async () => {
    const edges = clone(log.edges)
    edges[7]!.node.message!.tags[2]!.value = 'Transfer'
    const e = failed(await checker().checkPage(edges), 'log/message-signature', 7)
    expect(e.message).toContain('does not verify')
  })

  it('assignment tag changed (timestamp)', async () => {
    const edges = clone(log.edges)
    edges[12]!.node.assignment.tags.find((t) => t.name === 'Timestamp')!.value = '1'
    failed(await checker().checkPage(edges), 'log/assignment-signature', 12)
  })

  it('data bit flip', async () => {
    const edges = clone(log.edges)
    const m = edges[13]!.node.message!
    m.data = String.fromCharCode(m.data!.charCodeAt(0) ^ 1) + m.data!.slice(1)
    failed(await checker().checkPage(edges), 'log/message-signature', 13)
  })

  it('data bit flip on an ed25519 (type 2) and a Solana (type 4) message', async () => {
    for (const n of [3, 4]) {
      const edges = clone(log.edges)
      edges[n]!.node.message!.data += '!'
      failed(await checker().checkPage(edges), 'log/message-signature', n)
    }
  })

  it('forged message signature (id recomputed to match, assignment bound to it)', async () => {
    const edges = clone(log.edges)
    const other = await sign(wallet, 'something else', [{ name: 'Type', value: 'Message' }])
    const m = edges[9]!.node.message!
    m.signature = toB64Url(new Uint8Array(other.rawSignature))
    m.id = other.id
    // An SU that signs an assignment for the forged id: only the message signature is wrong.
    edges[9] = { cursor: '9', node: { message: m, assignment: (await log.assign(9, { message: other.id })).node.assignment } }
    failed(await checker().checkPage(edges), 'log/message-signature', 9)
  })

  it('forged assignment signature', async () => {
    const edges = clone(log.edges)
    const a = edges[15]!.node.assignment
    const sig = Buffer.from(a.signature, 'base64url')
    sig[100] = sig[100]! ^ 0xff
    a.signature = toB64Url(sig)
    a.id = toB64Url(sha256(sig))
    failed(await checker().checkPage(edges), 'log/assignment-signature', 15)
  })

  it('an id that is not SHA-256 of the signature', async () => {
    const edges = clone(log.edges)
    edges[2]!.node.message!.id = edges[2]!.node.assignment.tags.find((t) => t.name === 'Message')!.value.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))
    edges[2]!.node.assignment = (await log.assign(2, { message: edges[2]!.node.message!.id })).node.assignment
    failed(await checker().checkPage(edges), 'log/item-id', 2)
  })

  it('binary data the SU made lossy is reported as unverifiable, or verified from raw bytes', async () => {
    const bin = new Uint8Array([0x00, 0xff, 0xfe, 0x80, 0x41])
    const item = await sign(wallet, bin, [{ name: 'Type', value: 'Message' }], { target: log.pid })
    const edges = clone(log.edges.slice(0, 2))
    const e1 = await log.assign(1, { message: item.id })
    edges[1] = { cursor: '1', node: { message: suJson(item), assignment: e1.node.assignment } }
    expect(edges[1].node.message!.data).toContain('\uFFFD')
    const e = failed(await checker().checkPage(edges), 'log/unverifiable-data', 1)
    expect(e.message).toContain('not UTF-8')
    const withRaw = new LogChecker({ processId: log.pid, scheduler: { address: SU_ADDRESS }, rawData: async (id) => (id === item.id ? bin : undefined) })
    const r = await withRaw.checkPage(edges)
    expect(r.failure).toBeUndefined()
    expect(r.verified[1]!.level).toBe('chained')
  })

  it('what was verified before a failure stays, and the state does not pass the failure', async () => {
    const edges = clone(log.edges)
    edges[10]!.node.message!.tags[0]!.value = 'not-ao'
    const c = checker()
    const r = await c.checkPage(edges)
    failed(r, 'log/message-signature', 10)
    expect(c.state.nonce).toBe(9)
    // Fixing the page and continuing from the same checker works.
    const rest = await c.checkPage(log.edges.slice(10))
    expect(rest.failure).toBeUndefined()
    expect(c.state.nonce).toBe(19)
  })
})
