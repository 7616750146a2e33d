/**
 * Snapshot codec (src/store/snapshot-codec.ts) on a real aos memory: @permaweb/ao-loader
 * (UNSAFE_MEMORY) runs aos2_0_6 (wasm64) through spawn + token Eval + Transfers (the workload of
 * reference-loader-baseline.md). IndexedDB is not in Node, so this measures encoding only; the
 * Chromium Worker figures (encode + IndexedDB, on a memory made by our runtime in the Worker) are
 * printed by test/e2e/store-aos.spec.ts.
 *
 * Measured: full snapshot bytes as a share of raw memory and time; the incremental after 500 more
 * messages (XOR deltas of the changed pages, zero-run packed, link digest only) against the previous format in the
 * same run (the changed pages' own bytes gzipped + SHA-256 of the whole memory); its parts; restore
 * with and without the whole-memory check; and gzip level 6 of the whole memory (node:zlib).
 */
import { gzipSync } from 'node:zlib'
import { createHash } from 'node:crypto'
import AoLoader from '@permaweb/ao-loader'
import { median, now, row, type Bench, type BenchRow } from './lib'
import { encodeSnapshot, openLink, rebuildMemory, sha256Hex, type EncodedSnapshot, type StoredLink } from '../src/store/snapshot-codec'
import { PAGE_SIZE, nonZeroPages } from '../src/store/memory-pages'
import { diffPages } from '../src/store/snapshot-image'
import { packZeroRuns, unpackZeroRuns } from '../src/store/snapshot-zero-runs'
import { readModuleBytes } from '../test/fixtures/runtime-logs/module-bytes'
import { LOADER_OPTIONS } from '../test/fixtures/runtime-logs/reference-runner'
import { tokenWorkload } from '../test/fixtures/runtime-logs/token-workload'

const G = 'snapshot aos2_0_6'

async function timed<T>(reps: number, fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const xs: number[] = []
  let value!: T
  for (let i = 0; i < reps; i++) {
    const t0 = now()
    value = await fn()
    xs.push(now() - t0)
  }
  return { ms: median(xs), value }
}

const compress = (data: Uint8Array<ArrayBuffer>, format: CompressionFormat) =>
  new Response(new Blob([data]).stream().pipeThrough(new CompressionStream(format))).blob()

/** The previous incremental format, for comparison: changed pages' bytes, gzip, whole-memory SHA-256. */
async function previousIncremental(memory: Uint8Array, pages: readonly number[]): Promise<number> {
  const data = new Uint8Array(pages.length * PAGE_SIZE)
  pages.forEach((p, k) => data.set(memory.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), k * PAGE_SIZE))
  const [blob] = await Promise.all([compress(data, 'gzip'), sha256Hex(memory)])
  return blob.size
}

const stored = (id: number, e: EncodedSnapshot, base: EncodedSnapshot | null): StoredLink => ({
  id, kind: e.kind, byteLength: e.byteLength, pages: e.pages, contentSha256: e.contentSha256, baseContentSha256: base?.contentSha256 ?? null, blob: e.blob,
})

const bench: Bench = async ({ quick }) => {
  const name = 'aos2_0_6'
  const step = quick ? 100 : 500
  const { log, setup } = tokenWorkload(name, 2 * step)
  const handle = await AoLoader(readModuleBytes(name), { format: log.module.format, ...LOADER_OPTIONS, UNSAFE_MEMORY: true })
  let mem: ArrayBuffer | Uint8Array = new Uint8Array(0)
  const run = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = await handle(i === 0 ? null : mem, log.entries[i]!.msg, log.env)
      if (r.Error) throw new Error(`snapshot bench: message ${i} failed: ${JSON.stringify(r.Error).slice(0, 200)}`)
      mem = r.Memory as ArrayBuffer
    }
    return new Uint8Array(mem as ArrayBuffer) // the live memory, as compute will pass it
  }
  const reps = quick ? 2 : 5

  // Full snapshot after setup + `step` Transfers; a copy, since the loader reuses its memory.
  const m1 = (await run(0, setup + step)).slice()
  const raw1 = m1.byteLength
  const full = await timed(reps, () => encodeSnapshot(m1))
  const fullSnap: EncodedSnapshot = full.value
  const ref = await timed(quick ? 1 : 3, () => gzipSync(m1, { level: 6 }))

  // `step` more messages, then the incremental against the full one.
  // a copy, as compute gets from the runtime host: (typed-array scans over the loader's live wasm64
  // memory buffer ran ~4× slower in Node 20 than over a plain ArrayBuffer)
  const m2 = (await run(setup + step, setup + 2 * step)).slice()
  const sha2 = createHash('sha256').update(m2).digest('hex')
  const base = { contentSha256: fullSnap.contentSha256, image: fullSnap.image }
  const inc = await timed(reps, () => encodeSnapshot(m2, base))
  const incSnap = inc.value
  const changed = diffPages(m2, fullSnap.image).changed
  const prev = await timed(reps, () => previousIncremental(m2, changed))
  const scan = await timed(reps, () => diffPages(m2, fullSnap.image))
  const zeroScan = await timed(reps, () => nonZeroPages(m2))
  const webSha = await timed(reps, () => sha256Hex(m2))
  const deltaWords = unpackZeroRuns(new Int32Array(await incSnap.blob.arrayBuffer()), incSnap.rawSize / 4, 'bench')
  const deltas = new Uint8Array(deltaWords.buffer as ArrayBuffer)
  const pack = await timed(reps, () => packZeroRuns(deltaWords))
  const deflateDeltas = await timed(reps, () => compress(deltas, 'deflate-raw'))
  const gzipDeltas = await timed(reps, () => compress(deltas, 'gzip'))
  const ref2 = await timed(quick ? 1 : 3, () => gzipSync(m2, { level: 6 }))

  // Restore the chain (decompress + link digests, concurrently; XOR rebuild), with/without the whole-memory check.
  const links = [stored(1, fullSnap, null), stored(2, incSnap, fullSnap)]
  const restore = await timed(reps, async () => rebuildMemory(await Promise.all(links.map((l) => openLink(l, 'bench')))).memory)
  const restoreChecked = await timed(reps, async () => sha256Hex(rebuildMemory(await Promise.all(links.map((l) => openLink(l, 'bench')))).memory))
  if (restoreChecked.value !== sha2 || createHash('sha256').update(restore.value).digest('hex') !== sha2) throw new Error('snapshot bench: restored memory does not match')

  const pct = (b: number) => (100 * b) / raw1
  const rows: BenchRow[] = [
    row({ group: G, name: `raw memory after setup + ${step} Transfers (${raw1 / PAGE_SIZE} pages, ${fullSnap.pages.length} non-zero)`, value: raw1, unit: 'B' }),
    row({ group: G, name: 'full snapshot bytes (non-zero pages, deflate-raw) vs gzip-6 of whole memory', value: fullSnap.compressedSize, unit: 'B', higherIsBetter: false, reference: { name: 'node:zlib gzip level 6, whole memory', value: ref.value.byteLength }, note: `${pct(fullSnap.compressedSize).toFixed(3)} % of raw (goal ≤ 1 %)` }),
    row({ group: G, name: 'full snapshot encode time (scan + copy + deflate + link digest + whole-memory SHA-256)', value: full.ms, unit: 'ms', higherIsBetter: false, reference: { name: 'node:zlib gzip level 6, whole memory', value: ref.ms } }),
    row({ group: G, name: `incremental after ${step} more messages: pages stored`, value: incSnap.pages.length, unit: 'pages', note: `${incSnap.rawSize} B of XOR deltas` }),
    row({ group: G, name: `incremental after ${step} messages: bytes (XOR deltas, zero-run packed)`, value: incSnap.compressedSize, unit: 'B', higherIsBetter: false, reference: { name: 'previous format: changed pages gzip', value: prev.value }, note: `${pct(incSnap.compressedSize).toFixed(3)} % of raw; the deltas deflated: ${deflateDeltas.value.size} B; gzip-6 of whole memory ${ref2.value.byteLength} B` }),
    row({ group: G, name: `incremental after ${step} messages: encode time (link digest only)`, value: inc.ms, unit: 'ms', higherIsBetter: false, reference: { name: 'previous format: gzip of changed pages + whole-memory SHA-256 (scan excluded)', value: prev.ms }, note: 'goal ≤ 60 ms (Worker, incl. IndexedDB)' }),
    row({ group: G, name: 'part: exact page diff against the base image (zero scan + compare)', value: scan.ms, unit: 'ms', higherIsBetter: false, note: `zero scan alone ${zeroScan.ms.toFixed(1)} ms` }),
    row({ group: G, name: 'part: zero-run packing of the XOR deltas', value: pack.ms, unit: 'ms', higherIsBetter: false, reference: { name: 'deflate-raw of the same deltas (CompressionStream)', value: deflateDeltas.ms }, note: `gzip of them ${gzipDeltas.ms.toFixed(1)} ms` }),
    row({ group: G, name: 'part: WebCrypto SHA-256 of the whole memory (no longer in an incremental)', value: webSha.ms, unit: 'ms', higherIsBetter: false }),
    row({ group: G, name: 'restore full + incremental (inflate/unpack + link digests, XOR rebuild)', value: restore.ms, unit: 'ms', higherIsBetter: false, reference: { name: 'same + whole-memory SHA-256 check', value: restoreChecked.ms } }),
  ]
  return rows
}
export default bench
