/**
 * Worker side of test/e2e/store-aos.spec.ts: a real aos memory made by our runtime in this
 * dedicated Worker (spawn + token Eval + Transfers), snapshotted into IndexedDB like the compute
 * worker does: a full snapshot, then after every `perRound` more Transfers an incremental, timed.
 * Then a warm open in a fresh store (no page image in RAM): restore, instantiate on the restored
 * memory, and check it is the same state (same SHA-256, same reply to the next Transfer), and
 * that the next snapshot after the restore is incremental again.
 */
import { openAolightStore } from '../../../src/store/index'
import { encodeSnapshot, sha256Hex } from '../../../src/store/snapshot-codec'
import { nonZeroPages } from '../../../src/store/memory-pages'
import { diffPages } from '../../../src/store/snapshot-image'
import { packZeroRuns } from '../../../src/store/snapshot-zero-runs'
import { compileAoModule, loadAoModule } from '../../../src/wasm/index'
import type { AoInstance } from '../../../src/wasm/types'
import { tokenWorkload } from '../../fixtures/runtime-logs/token-workload'

export interface AosRound {
  /** messages evaluated since the previous snapshot */
  messages: number
  kind: string
  totalMs: number
  encodeMs: number
  writeMs: number
  scanMs: number
  compressHashMs: number
  pages: number
  rawSize: number
  compressedSize: number
}

export interface AosTiming {
  byteLength: number
  /** ms for `instance.snapshot()`, the copy of the whole memory the runtime host transfers */
  copyMs: number[]
  full: AosRound
  rounds: AosRound[]
  /** medians of 5 runs of each part of an incremental, on the last two memories (ideas compared) */
  parts: Record<string, number>
  warm: { restoreMs: number; compileMs: number; instantiateMs: number; depth: number; sameSha: boolean; sameReply: boolean; nextKind: string; nextBase: number | null; restoredId: number }
}

type Request = { dbName: string; moduleUrl: string; rounds: number; perRound: number }

self.onmessage = async (e: MessageEvent<Request>) => {
  try {
    self.postMessage({ ok: true, timing: await run(e.data) })
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) })
  }
}

async function run({ dbName, moduleUrl, rounds, perRound }: Request): Promise<AosTiming> {
  const res = await fetch(moduleUrl)
  if (!res.ok) throw new Error(`GET ${moduleUrl}: ${res.status}`)
  const bytes = new Uint8Array(await res.arrayBuffer())
  const { log, setup } = tokenWorkload('aos2_0_6', perRound * (rounds + 1) + 1)
  const inst = await loadAoModule(bytes, { format: log.module.format })
  let next = 0
  const evaluate = async (instance: AoInstance, upTo: number) => {
    for (; next < upTo; next++) {
      const r = await instance.handle(log.entries[next]!.msg, log.env)
      if (r.Error) throw new Error(`message ${next} failed: ${JSON.stringify(r.Error).slice(0, 200)}`)
    }
  }
  const copyMs: number[] = []
  const copy = (instance: AoInstance) => {
    const t = performance.now()
    const m = instance.snapshot()
    copyMs.push(performance.now() - t)
    return m
  }

  const pid = 'aos-proc'
  const store = await openAolightStore({ name: dbName })
  await store.processes.put({ id: pid, record: {}, tags: [], moduleId: 'aos2_0_6', scheduler: 's' })
  const write = async (memory: Uint8Array, messages: number): Promise<AosRound> => {
    const t = performance.now()
    const w = await store.snapshots.write(pid, { nonce: next, cron: 0 }, memory)
    const totalMs = performance.now() - t
    const s = w.snapshot
    return { messages, kind: s.kind, totalMs, ...w.timings, pages: s.pages.length, rawSize: s.rawSize, compressedSize: s.compressedSize }
  }

  await evaluate(inst, setup + perRound)
  const first = copy(inst)
  const byteLength = first.byteLength
  const full = await write(first, setup + perRound)
  const out: AosRound[] = []
  let last = first
  let prev = first
  for (let r = 1; r <= rounds; r++) {
    await evaluate(inst, setup + perRound * (r + 1))
    prev = last
    last = copy(inst)
    out.push(await write(last, perRound))
  }
  const liveSha = await sha256Hex(last)
  store.close()
  const parts = await measureParts(prev, last)

  // Warm open: a fresh store (as after a reload), the newest snapshot, a new instance on it.
  const fresh = await openAolightStore({ name: dbName })
  const t0 = performance.now()
  const restored = await fresh.snapshots.restoreNewest(pid, { nonce: Number.MAX_SAFE_INTEGER, cron: 0 })
  const t1 = performance.now()
  if (!restored) throw new Error('warm open: no snapshot restored')
  const module = await compileAoModule(bytes)
  const t2 = performance.now()
  const inst2 = await loadAoModule(module, { format: log.module.format, memory: restored.memory })
  const t3 = performance.now()
  const sameSha = (await sha256Hex(restored.memory)) === liveSha

  // The next Transfer on the live instance and on the restored one: the same reply.
  const msg = log.entries[next]!.msg
  const a = await inst.handle(structuredClone(msg), log.env)
  const b = await inst2.handle(structuredClone(msg), log.env)
  const sameReply = JSON.stringify(a) === JSON.stringify(b) && !a.Error
  next++
  const after = await fresh.snapshots.write(pid, { nonce: next, cron: 0 }, inst2.snapshot())
  fresh.close()
  return {
    byteLength, copyMs, full, rounds: out, parts,
    warm: { restoreMs: t1 - t0, compileMs: t2 - t1, instantiateMs: t3 - t2, depth: restored.snapshot.depth, sameSha, sameReply, nextKind: after.snapshot.kind, nextBase: after.snapshot.baseId, restoredId: restored.snapshot.id },
  }
}

/** Each part of an incremental on its own, and the alternatives weighed for it. */
async function measureParts(prev: Uint8Array, last: Uint8Array): Promise<Record<string, number>> {
  const base = await encodeSnapshot(prev)
  const image = base.image
  const changed = diffPages(last, image).changed
  // the XOR deltas, as the codec computes them
  const deltaWords = new Int32Array(changed.length * 16384)
  const lastWords = new Int32Array(last.buffer, last.byteOffset, last.byteLength / 4)
  changed.forEach((p, k) => {
    const old = image.pages.get(p)
    for (let i = 0; i < 16384; i++) deltaWords[k * 16384 + i] = lastWords[p * 16384 + i]! ^ (old ? old[i]! : 0)
  })
  const deltas = new Uint8Array(deltaWords.buffer)
  const pagesRaw = new Uint8Array(changed.length * 65536)
  changed.forEach((p, k) => pagesRaw.set(last.subarray(p * 65536, (p + 1) * 65536), k * 65536))
  const compress = (d: Uint8Array, f: CompressionFormat) => new Response(new Blob([d as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream(f))).blob()
  const med = async (fn: () => unknown): Promise<number> => {
    const xs: number[] = []
    for (let i = 0; i < 5; i++) {
      const t = performance.now()
      await fn()
      xs.push(performance.now() - t)
    }
    return xs.sort((a, b) => a - b)[2]!
  }
  return {
    diffPagesMs: await med(() => diffPages(last, image)),
    zeroScanMs: await med(() => nonZeroPages(last)),
    packZeroRunsDeltasMs: await med(() => packZeroRuns(deltaWords)),
    packedDeltasBytes: packZeroRuns(deltaWords).byteLength,
    deflateRawDeltasMs: await med(() => compress(deltas, 'deflate-raw')),
    deflateRawDeltasBytes: (await compress(deltas, 'deflate-raw')).size,
    gzipDeltasMs: await med(() => compress(deltas, 'gzip')),
    deflateRawPagesMs: await med(() => compress(pagesRaw, 'deflate-raw')),
    deflateRawPagesBytes: (await compress(pagesRaw, 'deflate-raw')).size,
    gzipPagesMs: await med(() => compress(pagesRaw, 'gzip')),
    sha256DeltasMs: await med(() => sha256Hex(deltas)),
    sha256WholeMemoryMs: await med(() => sha256Hex(last)),
  }
}
