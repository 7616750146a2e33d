/**
 * The verify-worker pool (src/compute/verify-pool.ts) with real worker threads and real
 * signatures (RSA-4096 devnet keys, ed25519), behind the LogChecker: the same verdicts and
 * error texts as verifyDataItem on the calling thread; the first failing nonce is reported even
 * when a later item's verdict arrives first; a worker that dies mid-batch loses no item; idle
 * workers stop and start again on demand.
 */
import { Worker } from 'node:worker_threads'
import { wrap } from 'comlink'
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { VerifyPool, type VerifyWorkerHandle } from '../../src/compute/verify-pool'
import type { VerifyWorkerApi } from '../../src/compute/verify-worker-api'
import { signDataItem, verifyDataItem, type SignedFields } from '../../src/protocol/ans104'
import { ArweaveJwkSigner, Ed25519Signer } from '../../src/protocol/signing'
import { LogChecker, type ItemFields } from '../../src/protocol/log-check'
import { hashChainSeed, nextHashChain } from '../../src/protocol/hash-chain'
import { fromB64Url, toB64Url } from '../../src/protocol/base64url'
import type { SuEdge, SuMessage } from '../../src/protocol/su-types'
import { loadKey } from '../devnet/keys'

const entry = new URL('./verify-pool.worker-entry.ts', import.meta.url).href
const threads: Worker[] = []

function spawnNodeWorker(): VerifyWorkerHandle {
  const w = new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`, { eval: true })
  threads.push(w)
  return {
    api: wrap<VerifyWorkerApi>(nodeEndpoint(w)),
    terminate: () => void w.terminate(),
    onDeath: (listener) => {
      w.on('error', (e) => listener(`worker thread error: ${e.message}`))
      w.on('exit', (code) => listener(`worker thread exited with code ${code}`))
    },
  }
}

const pools: VerifyPool[] = []
const pool = (opts: ConstructorParameters<typeof VerifyPool>[1] = {}, spawn = spawnNodeWorker) => {
  const p = new VerifyPool(spawn, { size: 2, batch: 4, ...opts })
  pools.push(p)
  return p
}
afterEach(() => {
  for (const p of pools.splice(0)) p.close()
})

interface Log {
  pid: string
  suAddress: string
  edges: SuEdge[]
}

/** An SU-shaped log of `count` edges signed with our own signers: assignments by the devnet SU key, messages RSA / ed25519. */
async function buildLog(count: number): Promise<Log> {
  const su = loadKey('su')
  const suSigner = new ArweaveJwkSigner(su.jwk)
  const rsa = new ArweaveJwkSigner(loadKey('wallet-a').jwk)
  const ed = new Ed25519Signer(new Uint8Array(32).fill(5))
  const json = (s: Awaited<ReturnType<typeof signDataItem>>): SuMessage => {
    const m: SuMessage = { id: s.id, owner: { address: '', key: toB64Url(s.item.owner) }, tags: s.item.tags, signature: toB64Url(s.item.signature), data: new TextDecoder().decode(s.item.data) }
    if (s.item.target) m.target = toB64Url(s.item.target)
    if (s.item.anchor) m.anchor = new TextDecoder().decode(s.item.anchor)
    return m
  }
  const proc = await signDataItem({ data: 'boot', tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Process' }, { name: 'Module', value: 'M'.repeat(43) }, { name: 'Scheduler', value: su.address }] }, rsa)
  const pid = proc.id
  const edges: SuEdge[] = []
  let prev = { id: '', chain: '' }
  for (let n = 0; n < count; n++) {
    const msg = n === 0 ? proc : await signDataItem({ target: pid, anchor: String(n).padStart(32, '0'), data: `message ${n} ✓`, tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Message' }, { name: 'Action', value: `Step-${n}` }] }, n % 2 ? ed : rsa)
    const chain = n === 0 ? hashChainSeed(pid) : nextHashChain(prev.id, prev.chain)
    const a = await signDataItem({ tags: [
      { name: 'Process', value: pid }, { name: 'Epoch', value: '0' }, { name: 'Nonce', value: String(n) }, { name: 'Hash-Chain', value: chain },
      { name: 'Block-Height', value: '000001500000' }, { name: 'Timestamp', value: String(1_732_000_000_000 + n) },
      { name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Assignment' }, { name: 'Variant', value: 'ao.TN.1' },
      ...(n === 0 ? [] : [{ name: 'Message', value: msg.id }]),
    ] }, suSigner)
    prev = { id: a.id, chain }
    const { data: _data, ...assignment } = json(a)
    edges.push({ cursor: String(n), node: { message: json(msg), assignment } })
  }
  return { pid, suAddress: su.address, edges }
}

let log: Log
beforeAll(async () => {
  log = await buildLog(12)
}, 120_000)

/** The fields the LogChecker verifies for an SU JSON item (UTF-8 anchor and data). */
function fieldsOf(it: SuMessage, signatureType: number): SignedFields {
  const f: SignedFields = { signatureType, signature: fromB64Url(it.signature), owner: fromB64Url(it.owner.key), tags: it.tags, data: new TextEncoder().encode(it.data ?? '') }
  if (it.target) f.target = fromB64Url(it.target)
  if (it.anchor) f.anchor = new TextEncoder().encode(it.anchor)
  return f
}

const breakSignature = (m: SuMessage): SuMessage => ({ ...m, tags: [...m.tags, { name: 'Extra', value: 'x' }] })

describe('VerifyPool', () => {
  it('gives the same verdicts and error texts as verifyDataItem on this thread', async () => {
    const p = pool()
    const good = [fieldsOf(log.edges[2]!.node.message!, 1), fieldsOf(log.edges[3]!.node.message!, 2), fieldsOf(log.edges[3]!.node.assignment as SuMessage, 1)]
    const bad = fieldsOf(breakSignature(log.edges[2]!.node.message!), 1)
    const badLength = { ...good[0]!, signature: good[0]!.signature.subarray(0, 100) }
    expect(await Promise.all([...good, bad].map((f) => p.verify(f)))).toEqual([true, true, true, false])
    expect(await Promise.all([...good, bad].map((f) => verifyDataItem(f)))).toEqual([true, true, true, false])
    const local = await verifyDataItem(badLength).then(() => 'no error', (e: Error) => e.message)
    expect(local).toContain('signature must be 512 bytes')
    await expect(p.verify(badLength)).rejects.toThrow(local)
    expect(p.workers).toBe(2)
  })

  it('behind the LogChecker: a whole log verifies; a bad signature fails at its nonce with its code', async () => {
    const p = pool()
    const ok = await new LogChecker({ processId: log.pid, scheduler: { address: log.suAddress }, verify: p.verify }).checkPage(log.edges)
    expect(ok.failure).toBeUndefined()
    expect(ok.verified.map((v) => v.level)).toEqual(Array(12).fill('chained'))

    const edges = structuredClone(log.edges)
    edges[4]!.node.message = breakSignature(edges[4]!.node.message!)
    edges[9]!.node.message = breakSignature(edges[9]!.node.message!)
    const r = await new LogChecker({ processId: log.pid, scheduler: { address: log.suAddress }, verify: p.verify }).checkPage(edges)
    expect(r.failure?.code).toBe('log/message-signature')
    expect(r.failure?.details.nonce).toBe(4)
    expect(r.verified.map((v) => v.nonce)).toEqual([0, 1, 2, 3])
  })

  it('reports the first failing nonce even when a later failure is known first', async () => {
    const p = pool()
    const edges = structuredClone(log.edges)
    edges[3]!.node.message = breakSignature(edges[3]!.node.message!)
    edges[8]!.node.message = breakSignature(edges[8]!.node.message!)
    const slowId = edges[3]!.node.message.signature
    const settled: string[] = []
    // The pool's verdict for nonce 3's message is held back 300 ms: nonce 8's failure lands first.
    const verify = async (f: ItemFields) => {
      const ok = await p.verify(f)
      if (toB64Url(f.signature) === slowId) await new Promise((r) => setTimeout(r, 300))
      settled.push(`${toB64Url(f.signature) === slowId ? 'slow' : 'other'}:${ok}`)
      return ok
    }
    const r = await new LogChecker({ processId: log.pid, scheduler: { address: log.suAddress }, verify }).checkPage(edges)
    expect(settled.indexOf('other:false')).toBeLessThan(settled.indexOf('slow:false'))
    expect(r.failure?.code).toBe('log/message-signature')
    expect(r.failure?.details.nonce).toBe(3)
    expect(r.verified.map((v) => v.nonce)).toEqual([0, 1, 2])
  })

  it('a worker that dies with items in flight loses none: they are verified on this thread', async () => {
    let spawned = 0
    const dying = (): VerifyWorkerHandle => {
      const h = spawnNodeWorker()
      // the first worker dies right after it is handed its first batch
      if (spawned++ === 0) {
        const verifyBatch = h.api.verifyBatch
        return { ...h, api: new Proxy(h.api, { get: (t, k) => (k === 'verifyBatch' ? (b: never) => { const out = verifyBatch(b); threads.at(-1)!.terminate(); return out } : Reflect.get(t, k)) }) }
      }
      return h
    }
    const p = pool({ size: 1 }, dying)
    const fields = log.edges.flatMap((e) => [fieldsOf(e.node.assignment as SuMessage, 1), fieldsOf(e.node.message!, e.node.message!.owner.key.length === 43 ? 2 : 1)])
    fields[5] = fieldsOf(breakSignature(log.edges[2]!.node.message!), 1)
    const verdicts = await Promise.all(fields.map((f) => p.verify(f)))
    expect(verdicts).toEqual(fields.map((_, i) => i !== 5))
    // the dead worker is replaced on the next batch
    expect(await p.verify(fields[0]!)).toBe(true)
    expect(spawned).toBe(2)
    expect(p.workers).toBe(1)
  })

  it('stops idle workers and starts them again on demand', async () => {
    const p = pool({ idleMs: 50 })
    const f = fieldsOf(log.edges[1]!.node.message!, 2)
    expect(await p.verify(f)).toBe(true)
    expect(p.workers).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, 300))
    expect(p.workers).toBe(0)
    expect(await p.verify(f)).toBe(true)
    expect(p.workers).toBeGreaterThan(0)
  })
})
