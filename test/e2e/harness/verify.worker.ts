/**
 * Verify-throughput harness worker (bench/verify.bench.ts, test/e2e/verify.spec.ts): the real
 * LogChecker and the real offline re-verification (src/compute/log-sync.ts over an IndexedDB
 * store) on a log handed in as JSON, inside a dedicated Worker like the compute worker's.
 * `parts` times the pieces separately (decode, deep hash, key import, RSA verify in series and
 * concurrently) to show where the time goes.
 */
import { expose } from 'comlink'
import { sha256, sha384 } from '@noble/hashes/sha2.js'
import { LogChecker } from '../../../src/protocol/log-check'
import { encodeTags, getSignatureData, verifyDataItem, type SignedFields } from '../../../src/protocol/ans104'
import { sharedVerifyPool } from '../../../src/compute/verify-pool'
import { fromB64Url } from '../../../src/protocol/base64url'
import { utf8Encode } from '../../../src/protocol/bytes'
import type { SuAssignment, SuEdge, SuMessage } from '../../../src/protocol/su-types'
import { logEntryOf, reverifyStoredLog } from '../../../src/compute/log-sync'
import { openAolightStore } from '../../../src/store/index'

export interface HarnessLog {
  processId: string
  suAddress: string
  edges: SuEdge[]
}

export interface RunResult {
  edges: number
  ms: number
  /** verified head at the end (edges - 1 when all verified) */
  head: number
  failure?: { code: string; message: string; nonce?: number }
}

let log: HarnessLog | undefined
const now = () => performance.now()
// WebCrypto's lib types want ArrayBuffer-backed views; ours are.
const ab = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>
const need = (): HarnessLog => {
  if (!log) throw new Error('verify harness: call load(json) first')
  return log
}

/** RSA-4096 items only (the devnet's; a synthetic log may also hold ed25519 ones): assignments and messages. */
function rsaItems(l: HarnessLog): (SuAssignment | SuMessage)[] {
  return l.edges
    .flatMap((e) => (e.node.message ? [e.node.assignment, e.node.message] : [e.node.assignment]))
    .filter((it) => it.owner.key.length === 683)
}

/** What an item's signature covers, decoded from the SU's JSON (the piece timed as "decode"). */
function signedFields(it: SuAssignment | SuMessage): SignedFields {
  return {
    signatureType: 1,
    owner: fromB64Url(it.owner.key),
    signature: fromB64Url(it.signature),
    tags: it.tags,
    data: utf8Encode((it as SuMessage).data ?? ''),
    ...(it.target && { target: fromB64Url(it.target) }),
    ...(it.anchor && { anchor: utf8Encode(it.anchor) }),
  }
}

function failureOf(e: { code: string; message: string; details?: Record<string, unknown> } | undefined): RunResult['failure'] {
  if (!e) return undefined
  const nonce = e.details?.nonce
  return { code: e.code, message: e.message, ...(typeof nonce === 'number' && { nonce }) }
}

const api = {
  load(json: string): number {
    log = JSON.parse(json) as HarnessLog
    return log.edges.length
  },

  /** Verify workers the thread's shared pool runs now. */
  poolWorkers(): number {
    return sharedVerifyPool()?.workers ?? 0
  },

  /** Replaces one edge (a tamper test); `patch` is merged into the assignment or the message. */
  tamper(nonce: number, where: 'assignment' | 'message', patch: Record<string, unknown>): void {
    const e = need().edges[nonce]!
    if (where === 'assignment') e.node.assignment = { ...e.node.assignment, ...patch } as SuAssignment
    else e.node.message = { ...e.node.message!, ...patch } as SuMessage
  },

  /** A fresh LogChecker over the in-memory log in pages of `page` edges. */
  /** `how`: 'local' verifies on this thread, 'pool' through the verify-worker pool (log-sync's default here). */
  async checker(page = 500, how: 'local' | 'pool' = 'pool'): Promise<RunResult> {
    const l = need()
    const verify = how === 'pool' ? sharedVerifyPool()!.verify : (f: SignedFields) => verifyDataItem(f)
    const checker = new LogChecker({ processId: l.processId, scheduler: { address: l.suAddress }, verify })
    const t0 = now()
    for (let i = 0; i < l.edges.length; i += page) {
      const r = await checker.checkPage(l.edges.slice(i, i + page))
      if (r.failure) return { edges: l.edges.length, ms: now() - t0, head: checker.state.nonce, failure: failureOf(r.failure) }
    }
    return { edges: l.edges.length, ms: now() - t0, head: checker.state.nonce }
  },

  /**
   * The compute worker's offline path: the log stored in a fresh IndexedDB database (verified once
   * on the way in, not timed), then `reverifyStoredLog` timed.
   */
  async stored(how: 'local' | 'pool' = 'pool'): Promise<RunResult & { storeMs: number }> {
    const l = need()
    const store = await openAolightStore({ name: `aolight-verify-${Date.now()}-${Math.random().toString(36).slice(2)}` })
    try {
      const s0 = now()
      await store.processes.put({ id: l.processId, record: {}, tags: [], moduleId: 'M'.repeat(43), scheduler: l.suAddress })
      const checker = new LogChecker({ processId: l.processId, scheduler: { address: l.suAddress } })
      for (let i = 0; i < l.edges.length; i += 500) {
        const page = l.edges.slice(i, i + 500)
        const r = await checker.checkPage(page)
        if (r.verified.length) await store.log.appendVerified(l.processId, r.verified.map((v, j) => logEntryOf(page[j]!, v)))
        if (r.failure) break
      }
      const storeMs = now() - s0
      const t0 = now()
      const out = await reverifyStoredLog(store, { processId: l.processId, scheduler: l.suAddress, hashChain: true, ...(how === 'local' && { verify: (f: SignedFields) => verifyDataItem(f) }) })
      return { edges: l.edges.length, ms: now() - t0, head: out.head, storeMs, failure: failureOf(out.failure) }
    } finally {
      const name = store.db.name
      store.close()
      indexedDB.deleteDatabase(name)
    }
  },

  /** One piece over every RSA item of the log, `rounds` times (the driver reads thread CPU around it). */
  async piece(name: 'decode' | 'deepHash' | 'verifySerial' | 'verifyConcurrent' | 'idHash' | 'encodeTags', rounds = 1): Promise<{ items: number; ms: number }> {
    const l = need()
    const items = rsaItems(l)
    const fields = items.map(signedFields)
    const hashes = fields.map((f) => getSignatureData(f))
    const key = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: items[0]!.owner.key, e: 'AQAB' }, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify'])
    const t0 = now()
    for (let r = 0; r < rounds; r++) {
      if (name === 'decode') for (const it of items) fromB64Url(it.signature)
      else if (name === 'idHash') for (const f of fields) sha256(f.signature)
      else if (name === 'encodeTags') for (const f of fields) encodeTags(f.tags)
      else if (name === 'deepHash') for (const f of fields) getSignatureData(f)
      else if (name === 'verifySerial') for (let i = 0; i < fields.length; i++) await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 478 }, key, ab(fields[i]!.signature), ab(hashes[i]!))
      else await Promise.all(fields.map((f, i) => crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 478 }, key, ab(f.signature), ab(hashes[i]!))))
    }
    return { items: items.length * rounds, ms: now() - t0 }
  },

  /** Where the time goes: each piece over every RSA item of the log, separately. */
  async parts(): Promise<Record<string, number>> {
    const l = need()
    const items = rsaItems(l)
    const out: Record<string, number> = { items: items.length }
    let t = now()
    const fields = items.map(signedFields)
    out.decodeMs = now() - t
    t = now()
    const hashes = fields.map((f) => getSignatureData(f))
    out.deepHashMs = now() - t
    const subtle = crypto.subtle
    const keys = new Map<string, CryptoKey>()
    t = now()
    for (const it of items) {
      if (!keys.has(it.owner.key)) keys.set(it.owner.key, await subtle.importKey('jwk', { kty: 'RSA', n: it.owner.key, e: 'AQAB' }, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']))
    }
    out.owners = keys.size
    out.importKeysMs = now() - t
    // salt length per item, found once (not timed): devnet wallets sign with the maximum salt
    const salts = await Promise.all(fields.map(async (f, i) => {
      const key = keys.get(items[i]!.owner.key)!
      for (const s of [32, 478, 0]) if (await subtle.verify({ name: 'RSA-PSS', saltLength: s }, key, ab(f.signature), ab(hashes[i]!))) return s
      return -1
    }))
    out.unverified = salts.filter((s) => s < 0).length
    const verifyOne = (i: number) => subtle.verify({ name: 'RSA-PSS', saltLength: salts[i]! }, keys.get(items[i]!.owner.key)!, ab(fields[i]!.signature), ab(hashes[i]!))
    t = now()
    for (let i = 0; i < items.length; i++) await verifyOne(i)
    out.verifySerialMs = now() - t
    t = now()
    await Promise.all(items.map((_, i) => verifyOne(i)))
    out.verifyConcurrentMs = now() - t
    t = now()
    for (let i = 0; i < 200; i++) await subtle.digest('SHA-384', ab(fields[0]!.owner))
    out.digest200SerialMs = now() - t
    t = now()
    await Promise.all(Array.from({ length: 200 }, () => subtle.digest('SHA-384', ab(fields[0]!.owner))))
    out.digest200ConcurrentMs = now() - t
    // raw SHA-384 cost: 1,000 single-block inputs, @noble vs WebCrypto
    const block = new Uint8Array(96)
    t = now()
    for (let i = 0; i < 1000; i++) sha384(block)
    out.noble1000BlocksMs = now() - t
    t = now()
    await Promise.all(Array.from({ length: 1000 }, () => subtle.digest('SHA-384', block)))
    out.webcrypto1000BlocksConcurrentMs = now() - t
    return out
  },
}

export type VerifyHarnessApi = typeof api
expose(api)
