/**
 * Worker side of bench/snapshot-10k.bench.ts: the compute worker's snapshot paths, on a real aos
 * state of ~10,000 messages (bench/snapshot-10k-state.ts), with the real runtime worker
 * (RuntimeHost, nested Worker) and the real SnapshotStore on IndexedDB:
 * 1. incremental snapshot after 500 messages, as ComputeService.snapshot() takes it: the runtime
 *    starts from the memory 500 messages before the head, a full snapshot is written, the last
 *    500 messages are evaluated, then `host.snapshot()` + `store.snapshots.write()` (timed, with
 *    parts); the memory handed over must equal the state's memory at the head, byte for byte;
 * 2. the full snapshot a close writes, then warm opens as ComputeService.startRuntime does them:
 *    a fresh store connection, the module record, `restoreNewestSparse` while the runtime worker
 *    compiles, `RuntimeHost.start({ startFrom })` (timed, with parts); the loaded memory must
 *    equal the state's memory at the head;
 * 3. the reference's counterpart, measured here: ao-loader has no snapshots, its state is the
 *    whole `Memory` (110 MB), so a snapshot or a load is a copy of it.
 */
import type { Meta } from '../../../bench/snapshot-10k-state'
import { openAolightStore } from '../../../src/store/index'
import { RuntimeHost, spawnBrowserRuntimeWorker, type RuntimeHostEvent } from '../../../src/compute/runtime-host'
import { isSparseMemory, toDense, forEachPage, type SparseMemory } from '../../../src/wasm/sparse-memory'
import { releaseProxy, wrap } from 'comlink'
import { prewarmedSpawner } from '../../../src/compute/prewarmed-spawner'
import type { RuntimeWorkerApi } from '../../../src/compute/runtime-worker-api'
import type { AoEnv, AoMessage, RuntimeOptions } from '../../../src/wasm/types'

export interface Snap10kRequest {
  /** URL prefix of the state files (meta.json, module.wasm, before.pages, after.pages) */
  stateUrl: string
  dbName: string
  /** incremental snapshot runs (each evaluates the last 500 messages again) */
  runs: number
  /** incremental snapshots timed per run, each on a fresh full base (the state's memory 500 messages back) */
  rounds: number
  /** warm opens (each from the one-link snapshot a close writes, and from a chain) */
  opens: number
  /** incrementals on the full snapshot of the chain warm opens restore (odd: it ends at the head's memory) */
  chainDepth: number
}

export interface IncrementalRun {
  totalMs: number
  /** host.snapshot(): the runtime worker's scan+copy (workerMs) and the round trip */
  hostMs: number
  workerMs: number
  /** store.snapshots.write(): encode (scan: diff/copy/XOR; compressHash: pack + digests) and the IndexedDB put */
  writeTotalMs: number
  encodeMs: number
  scanMs: number
  compressHashMs: number
  idbMs: number
  kind: string
  pages: number
  rawSize: number
  storedSize: number
  /** the memory handed over equals the state's memory at the head */
  exact: boolean
  evalMs: number
}

export interface WarmOpen {
  readyMs: number
  storeMs: number
  moduleMs: number
  /** restoreNewestSparse from its start to its memory */
  restoreMs: number
  restoreParts: Record<string, number>
  /** from the restored memory to the runtime ready (posting it to the runtime worker, loading it) */
  afterRestoreMs: number
  loadMs: number
  compileMs: number
  exact: boolean
}

export interface Snap10kResult {
  entries: number
  byteLength: number
  nonZeroPages: number
  nonZeroBytes: number
  incremental: IncrementalRun[]
  close: { totalMs: number; storedSize: number; rawSize: number; kind: string }
  warm: WarmOpen[]
  /** warm opens from a chain: a full snapshot and `chainDepth` incrementals (the policy's snapshots between closes) */
  warmChain: WarmOpen[]
  /** ms to copy the whole 110 MB memory (ao-loader's snapshot / load), medians of 3 */
  reference: { copyMs: number }
  /** ms from spawning a runtime worker to its first reply (its script loaded), each time */
  workerStartMs: number[]
}

const MAX = Number.MAX_SAFE_INTEGER
// As the shipped compute worker does (verifying-worker-api.ts): a runtime worker is always started
// ahead, so an open does not wait for the worker's scripts.
const spawnRuntime = prewarmedSpawner(spawnBrowserRuntimeWorker)
const now = () => performance.now()

self.onmessage = async (e: MessageEvent<Snap10kRequest>) => {
  try {
    self.postMessage({ ok: true, result: await run(e.data) })
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) })
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`)
  return new Uint8Array(await res.arrayBuffer())
}

function sameMemory(a: Uint8Array | SparseMemory, b: SparseMemory): boolean {
  const pagesOf = (m: SparseMemory) => {
    const out = new Map<number, Uint8Array>()
    forEachPage(m, (p, bytes) => { if (bytes.some((x) => x !== 0)) out.set(p, bytes) })
    return out
  }
  if (!isSparseMemory(a)) return sameMemory(toSparseCopy(a), b)
  if (a.byteLength !== b.byteLength) return false
  const pa = pagesOf(a)
  const pb = pagesOf(b)
  if (pa.size !== pb.size) return false
  for (const [p, x] of pa) {
    const y = pb.get(p)
    if (!y || y.length !== x.length) return false
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  }
  return true
}

function copySparse(m: SparseMemory): SparseMemory {
  return { byteLength: m.byteLength, pages: m.pages.slice(), data: m.data.slice() }
}

function toSparseCopy(m: Uint8Array): SparseMemory {
  const pages: number[] = []
  const chunks: Uint8Array[] = []
  for (let p = 0; p * 65536 < m.byteLength; p++) {
    const page = m.subarray(p * 65536, (p + 1) * 65536)
    if (page.some((x) => x !== 0)) { pages.push(p); chunks.push(page) }
  }
  const data = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0))
  let at = 0
  for (const c of chunks) { data.set(c, at); at += c.length }
  return { byteLength: m.byteLength, pages: Uint32Array.from(pages), data }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function run(req: Snap10kRequest): Promise<Snap10kResult> {
  const meta = (await (await fetch(`${req.stateUrl}/meta.json`)).json()) as Meta
  const bytes = await fetchBytes(`${req.stateUrl}/module.wasm`)
  const before: SparseMemory = { byteLength: meta.before.byteLength, pages: Uint32Array.from(meta.before.pages), data: await fetchBytes(`${req.stateUrl}/before.pages`) }
  const after: SparseMemory = { byteLength: meta.after.byteLength, pages: Uint32Array.from(meta.after.pages), data: await fetchBytes(`${req.stateUrl}/after.pages`) }
  const head = meta.entries - 1
  const cut = meta.entries - meta.since

  const store = await openAolightStore({ name: req.dbName })
  await store.modules.put({ id: 'module', bytes: bytes.slice().buffer, tags: [], verified: true })

  const incremental: IncrementalRun[] = []
  let pid = ''
  let close: Snap10kResult['close'] | undefined
  for (let r = 0; r < req.runs; r++) {
    pid = `${meta.processId}-${r}`
    const events: RuntimeHostEvent[] = []
    const host = await RuntimeHost.start({ bytes, options: { ...meta.options, memory: before }, spawnWorker: spawnRuntime, onEvent: (e) => events.push(e) })
    try {
      await store.snapshots.write(pid, { nonce: cut - 1, cron: 0 }, await host.snapshot(), { mode: 'full' })
      const e0 = now()
      for (const msg of meta.last) {
        const out = await host.handle(structuredClone(msg), meta.env)
        if (out.kind !== 'result') throw new Error(`message ${msg.Id} (nonce ${msg.Nonce}): ${out.error.message}`)
      }
      const evalMs = now() - e0
      for (let k = 0; k < req.rounds; k++) {
        // round 0 on the base the runtime handed over; later ones on the same memory written afresh
        const key = k === 0 ? pid : `${pid}-${k}`
        if (k > 0) await store.snapshots.write(key, { nonce: cut - 1, cron: 0 }, copySparse(before), { mode: 'full' })
        const seen = events.length
        const t0 = now()
        const memory = await host.snapshot()
        const t1 = now()
        const w = await store.snapshots.write(key, { nonce: head, cron: 0 }, memory)
        const t2 = now()
        const cp = events.slice(seen).filter((e) => e.type === 'checkpoint').pop()
        incremental.push({
          totalMs: t2 - t0, hostMs: t1 - t0, workerMs: cp?.type === 'checkpoint' ? cp.workerMs : -1,
          writeTotalMs: t2 - t1, encodeMs: w.timings.encodeMs, scanMs: w.timings.scanMs, compressHashMs: w.timings.compressHashMs, idbMs: w.timings.writeMs,
          kind: w.snapshot.kind, pages: w.snapshot.pages.length, rawSize: w.snapshot.rawSize, storedSize: w.snapshot.compressedSize,
          exact: sameMemory(memory, after), evalMs,
        })
      }
      if (r === req.runs - 1) {
        // what ComputeService.close() writes: a full snapshot, so a warm open restores one link
        const c0 = now()
        const full = await store.snapshots.write(pid, { nonce: head, cron: 1 }, await host.snapshot(), { mode: 'full' })
        close = { totalMs: now() - c0, storedSize: full.snapshot.compressedSize, rawSize: full.snapshot.rawSize, kind: full.snapshot.kind }
      }
    } finally {
      host.close()
    }
  }
  // a chain like the snapshot policy leaves between closes: full, then incrementals of ~500 messages
  // each (alternating between the two memories, ending at the head's)
  const chainPid = `${meta.processId}-chain`
  await store.snapshots.write(chainPid, { nonce: cut - 1, cron: 0 }, copySparse(before), { mode: 'full' })
  for (let k = 1; k <= req.chainDepth; k++) {
    const w = await store.snapshots.write(chainPid, { nonce: head + k - 1, cron: 0 }, copySparse(k % 2 ? after : before))
    if (w.snapshot.kind !== 'incremental' || w.snapshot.depth !== k) throw new Error(`chain link ${k} is ${w.snapshot.kind} at depth ${w.snapshot.depth}`)
  }
  await store.pending()
  store.close()

  const warmOpens = async (openPid: string, upTo: number): Promise<WarmOpen[]> => {
  const warm: WarmOpen[] = []
  for (let i = 0; i < req.opens; i++) {
    // the prewarmed runtime worker has long loaded its scripts when the app opens a process
    await new Promise((r) => setTimeout(r, 1000))
    const t0 = now()
    const s = await openAolightStore({ name: req.dbName })
    const storeMs = now() - t0
    const mod = await s.modules.get('module')
    if (!mod) throw new Error('module record missing')
    const moduleMs = now() - t0
    let restoredAt = 0
    let restore: Awaited<ReturnType<typeof s.snapshots.restoreNewestSparse>>
    const r0 = now()
    const restoring = s.snapshots.restoreNewestSparse(openPid, { nonce: upTo, cron: MAX }).then((x) => {
      restoredAt = now()
      restore = x
      return x?.memory
    })
    const events: RuntimeHostEvent[] = []
    const host = await RuntimeHost.start({ bytes: new Uint8Array(mod.bytes), options: { ...meta.options }, startFrom: restoring, spawnWorker: spawnRuntime, onEvent: (e) => events.push(e) })
    const readyMs = now() - t0
    try {
      const ready = events.find((e) => e.type === 'ready')
      if (!restore!) throw new Error('warm open restored nothing')
      warm.push({
        readyMs, storeMs, moduleMs, restoreMs: restoredAt - r0, restoreParts: { ...restore.timings }, afterRestoreMs: t0 + readyMs - restoredAt,
        loadMs: ready?.type === 'ready' ? ready.loadMs : -1, compileMs: ready?.type === 'ready' ? ready.compileMs : -1,
        exact: sameMemory(await host.snapshot(), after),
      })
    } finally {
      host.close()
      s.close()
    }
  }
  return warm
  }
  const warm = await warmOpens(pid, head)
  const warmChain = await warmOpens(chainPid, head + req.chainDepth)

  const workerStartMs: number[] = []
  for (let i = 0; i < 3; i++) {
    const t0 = now()
    const w = spawnBrowserRuntimeWorker()
    const api = wrap<RuntimeWorkerApi>(w.endpoint)
    await api.sparseSnapshot()
    workerStartMs.push(now() - t0)
    api[releaseProxy]()
    w.terminate()
  }
  const dense = toDense(after)
  const copies: number[] = []
  for (let i = 0; i < 3; i++) {
    const c0 = now()
    const copy = dense.slice()
    copies.push(now() - c0)
    if (copy[0] !== dense[0]) throw new Error('copy differs')
  }
  return {
    entries: meta.entries, byteLength: after.byteLength, nonZeroPages: after.pages.length, nonZeroBytes: after.data.byteLength,
    incremental, close: close!, warm, warmChain, reference: { copyMs: median(copies) }, workerStartMs,
  }
}
