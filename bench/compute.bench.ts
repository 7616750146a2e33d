/**
 * Compute-unit figures (Node side), one run, with ratios:
 * 1. Verify throughput: the LogChecker over an SU-shaped log of N edges (10,000; 1,000 with
 *    --quick) with the legacynet mix: every assignment RSA-4096 signed by the SU key, messages
 *    half RSA (wallet) half ed25519, real hash chain. Signing 10k RSA items takes a minute, so the
 *    log is cached in the OS temp dir (not committed: it is tens of MB).
 * 2. Evaluation on a real devnet log (aos, token transfers, errors, Evals, pushes; built by
 *    fast-fill.ts on a lazy devnet): our runtime vs the reference ao-loader run the CU's way
 *    (UNSAFE memory, fresh instance after errors), same mapped messages; and vs the devnet CU's
 *    own lazy fold of the log (`/result` of the head).
 * 3. Snapshots of the final memory: full (non-zero pages, gzip) bytes as a share of the raw memory,
 *    and the time to write an incremental snapshot after 500 more messages (Node; goal ≤ 60 ms in a Worker).
 * The browser side (cold/warm open in Chromium, main-thread long tasks) is compute-browser.bench.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { row, now, type Bench, type BenchRow } from './lib'
import { ArweaveJwkSigner, Ed25519Signer } from '../src/protocol/signing'
import { signDataItem } from '../src/protocol/ans104'
import { toB64Url } from '../src/protocol/base64url'
import { hashChainSeed, nextHashChain } from '../src/protocol/hash-chain'
import { LogChecker } from '../src/protocol/log-check'
import { mapEdge } from '../src/protocol/message-mapping'
import type { SuEdge, SuMessage } from '../src/protocol/su-types'
import { encodeSnapshot } from '../src/store/snapshot-codec'
import { loadKey } from '../test/devnet/keys'
import { startDevnet } from '../test/devnet/devnet'
import { addressOf, loadReplaySource, readLog } from '../test/e2e/support/proof-log'
import { fastFill, settle } from '../test/e2e/support/fast-fill'
import { ReferenceRunner } from '../test/fixtures/runtime-logs/reference-runner'
import { loadAoModule, type AoMessage } from '../src/wasm/index'

const GROUP = 'compute'
const DEVNET_PORT = 13160

function suJson(item: { id: string; item: { owner: Uint8Array; tags: { name: string; value: string }[]; signature: Uint8Array; anchor?: Uint8Array; target?: Uint8Array; data: Uint8Array } }, address: string): SuMessage {
  const m: SuMessage = { id: item.id, owner: { address, key: toB64Url(item.item.owner) }, tags: item.item.tags, signature: toB64Url(item.item.signature) }
  if (item.item.anchor) m.anchor = new TextDecoder().decode(item.item.anchor)
  if (item.item.target) m.target = toB64Url(item.item.target)
  m.data = new TextDecoder().decode(item.item.data)
  return m
}

/** An SU-shaped log of n edges: process at nonce 0, then messages; cached across runs. */
async function syntheticLog(n: number): Promise<{ processId: string; suAddress: string; edges: SuEdge[]; mix: string }> {
  const dir = join(tmpdir(), 'aolight-bench')
  const file = join(dir, `su-log-${n}.json`)
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'))
  const su = loadKey('su')
  const wallet = loadKey('wallet-a')
  const suSigner = new ArweaveJwkSigner(su.jwk as never)
  const rsa = new ArweaveJwkSigner(wallet.jwk as never)
  const eds = Array.from({ length: 8 }, (_, i) => new Ed25519Signer(new Uint8Array(32).fill(i + 1)))
  const proc = await signDataItem({ data: 'return 1', tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Process' }, { name: 'Module', value: 'M'.repeat(43) }, { name: 'Scheduler', value: su.address }] }, rsa)
  const processId = proc.id
  const edges: SuEdge[] = []
  let prevAssignment = ''
  let prevChain = ''
  // Sign in batches so the thread pool works on several RSA signatures at once.
  const BATCH = 64
  for (let start = 0; start < n; start += BATCH) {
    const msgs = await Promise.all(
      Array.from({ length: Math.min(BATCH, n - start) }, async (_, j) => {
        const nonce = start + j
        if (nonce === 0) return { item: proc, address: wallet.address }
        const useRsa = nonce % 2 === 0
        const signer = useRsa ? rsa : eds[nonce % eds.length]!
        const item = await signDataItem({ target: processId, anchor: String(nonce).padStart(32, '0'), data: `Send({Target=ao.id, Data="${nonce}"})`, tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Message' }, { name: 'Action', value: 'Eval' }, { name: 'Seq', value: String(nonce) }] }, signer)
        return { item, address: useRsa ? wallet.address : toB64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', signer.publicKey as Uint8Array<ArrayBuffer>))) }
      }),
    )
    // Assignments are chained (each Hash-Chain needs the previous assignment id): signed in order.
    for (const [j, m] of msgs.entries()) {
      const t = { nonce: start + j, m, chain: start + j === 0 ? hashChainSeed(processId) : nextHashChain(prevAssignment, prevChain) }
      const tags = [
        { name: 'Process', value: processId }, { name: 'Epoch', value: '0' }, { name: 'Nonce', value: String(t.nonce) },
        { name: 'Hash-Chain', value: t.chain }, { name: 'Block-Height', value: '000001500000' }, { name: 'Timestamp', value: String(1_700_000_000_000 + t.nonce * 10) },
        { name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Assignment' }, { name: 'Variant', value: 'ao.TN.1' },
        ...(t.nonce === 0 ? [] : [{ name: 'Message', value: t.m.item.id }]),
      ]
      const a = await signDataItem({ tags }, suSigner)
      prevAssignment = a.id
      prevChain = t.chain
      edges.push({ cursor: String(t.nonce), node: { message: suJson(t.m.item, t.m.address), assignment: { id: a.id, owner: { address: su.address, key: toB64Url(a.item.owner) }, tags: a.item.tags, signature: toB64Url(a.item.signature) } } })
    }
  }
  const out = { processId, suAddress: su.address, edges, mix: 'assignments RSA-4096 (SU); messages 50% RSA-4096, 50% ed25519' }
  mkdirSync(dir, { recursive: true })
  writeFileSync(file, JSON.stringify(out))
  return out
}

async function verifyRows(n: number): Promise<BenchRow[]> {
  const t0 = now()
  const log = await syntheticLog(n)
  const buildMs = now() - t0
  const times: number[] = []
  for (let run = 0; run < 3; run++) {
    const checker = new LogChecker({ processId: log.processId, scheduler: { address: log.suAddress } })
    const s = now()
    for (let i = 0; i < log.edges.length; i += 500) {
      const r = await checker.checkPage(log.edges.slice(i, i + 500))
      if (r.failure) throw new Error(`synthetic log failed verification: ${r.failure.message}`)
    }
    times.push(now() - s)
  }
  const best = Math.min(...times)
  return [
    row({ group: GROUP, name: `verify ${n} SU edges (LogChecker, Node)`, value: (n * 1000) / best, unit: 'msg/s', note: `goal ≥ 2000; ${log.mix}; best of 3 (${times.map((t) => t.toFixed(0)).join('/')} ms); log build/cache ${buildMs.toFixed(0)} ms` }),
  ]
}

async function evaluationRows(messages: number): Promise<BenchRow[]> {
  const devnet = await startDevnet({ basePort: DEVNET_PORT, lazyCompute: true })
  try {
    const { processId } = await fastFill(devnet, { messages })
    const settled = await settle(devnet, processId)
    const cuFold = settled.first
    const edges = await readLog(devnet.urls.su, processId)
    const { bytes, options: opts, env } = await loadReplaySource(devnet.urls.gateway, devnet.urls.su, processId)
    const mapped = edges.map((e) => mapEdge(e, addressOf).message as unknown as AoMessage)

    const l0 = now()
    const ours = await loadAoModule(bytes, opts)
    const loadOurs = now() - l0
    const e0 = now()
    for (const m of mapped) await ours.handle(structuredClone(m), env)
    const oursMs = now() - e0

    const r0 = now()
    const ref = await ReferenceRunner.create(bytes, opts.format as never)
    const loadRef = now() - r0
    const f0 = now()
    for (const m of mapped) await ref.handle(structuredClone(m), env)
    const refMs = now() - f0

    const memory = ours.snapshot()
    const s0 = now()
    const full = await encodeSnapshot(memory)
    const fullMs = now() - s0
    // Incremental after 500 more messages (Evals that each change the heap).
    const base = { contentSha256: full.contentSha256, image: full.image }
    for (let i = 0; i < 500; i++) await ours.handle({ ...structuredClone(mapped[mapped.length - 1]!), Id: `bench-${i}`.padEnd(43, 'x'), Nonce: edges.length + i, Tags: [{ name: 'Action', value: 'Eval' }], Data: `X${i % 7} = ${i}` }, env)
    const after = ours.snapshot()
    const i0 = now()
    const inc = await encodeSnapshot(after, base)
    const incMs = now() - i0

    const n = mapped.length
    return [
      row({ group: GROUP, name: `evaluate ${n} devnet messages (ours, Node)`, value: (n * 1000) / oursMs, unit: 'msg/s', reference: { name: 'reference ao-loader, CU-style', value: (n * 1000) / refMs }, note: `load ${loadOurs.toFixed(0)} ms vs ${loadRef.toFixed(0)} ms; includes spawn and the token Eval` }),
      row({ group: GROUP, name: 'our evaluation per message vs the devnet CU folding the same log', value: oursMs / n, unit: 'ms/msg', higherIsBetter: false, reference: { name: `devnet CU lazy fold of ${cuFold.head + 1} entries (/result of the head)`, value: cuFold.ms / (cuFold.head + 1) }, note: 'the devnet figure includes HTTP and the MU crank of the pushes it produces' }),
      row({ group: GROUP, name: 'full snapshot (non-zero pages, gzip) share of raw memory', value: (100 * full.compressedSize) / memory.byteLength, unit: '%', higherIsBetter: false, note: `goal ≤ 1%; ${full.compressedSize} of ${memory.byteLength} bytes; ${fullMs.toFixed(0)} ms` }),
      row({ group: GROUP, name: 'incremental snapshot after 500 messages: write time (Node)', value: incMs, unit: 'ms', higherIsBetter: false, note: `goal ≤ 60 ms in a Worker; ${inc.pages.length} pages, ${inc.compressedSize} bytes` }),
    ]
  } finally {
    await devnet.stop()
  }
}

const bench: Bench = async (ctx) => {
  const rows: BenchRow[] = []
  rows.push(...(await verifyRows(ctx.quick ? 1000 : 10_000)))
  rows.push(...(await evaluationRows(ctx.quick ? 20 : 120)))
  return rows
}
export default bench
