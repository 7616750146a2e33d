/**
 * Snapshot codec (src/store/snapshot-codec.ts) on a real aos memory: @permaweb/ao-loader
 * (UNSAFE_MEMORY) runs aos2_0_6 (wasm64) through spawn + token Eval + Transfers (the workload of
 * reference-loader-baseline.md). IndexedDB is not in Node, so this measures encoding only; the
 * Chromium Worker figure (encode + IndexedDB) is printed by test/e2e/store.spec.ts.
 *
 * Measured: full snapshot (non-zero pages, gzip) bytes as a share of raw memory and time; the
 * incremental after 500 more messages (pages changed since the full one), with and without the
 * whole-memory SHA-256; restore; against the reference approach of gzip level 6 of the whole
 * memory (node:zlib) in the same run.
 */
import { gzipSync } from 'node:zlib'
import { createHash } from 'node:crypto'
import AoLoader from '@permaweb/ao-loader'
import { median, now, row, type Bench, type BenchRow } from './lib'
import { encodeSnapshot, gunzip, rebuildMemory, sha256Hex, type EncodedSnapshot } from '../src/store/snapshot-codec'
import { fingerprintPages } from '../src/store/memory-pages'
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

  // Full snapshot after setup + `step` Transfers.
  const m1 = await run(0, setup + step)
  const raw1 = m1.byteLength
  const full = await timed(reps, () => encodeSnapshot(m1))
  const fullSnap: EncodedSnapshot = full.value
  const ref = await timed(quick ? 1 : 3, () => gzipSync(m1, { level: 6 }))

  // `step` more messages, then the incremental against the full one.
  const m2 = await run(setup + step, setup + 2 * step)
  const sha2 = createHash('sha256').update(m2).digest('hex')
  const inc = await timed(reps, () => encodeSnapshot(m2, fullSnap))
  const incNoSha = await timed(reps, () => encodeSnapshot(m2, fullSnap, sha2))
  const fp = await timed(reps, () => fingerprintPages(m2))
  const webSha = await timed(reps, () => sha256Hex(m2))
  const ref2 = await timed(quick ? 1 : 3, () => gzipSync(m2, { level: 6 }))

  // Restore the chain and check it.
  const restore = await timed(reps, async () => {
    const links = []
    for (const [id, e] of [fullSnap, inc.value].entries()) links.push({ id, byteLength: e.byteLength, pages: e.pages, zeroed: e.zeroed, data: await gunzip(e.blob, 'bench') })
    const back = rebuildMemory(links)
    return (await sha256Hex(back)) === sha2
  })
  if (!restore.value || inc.value.sha256 !== sha2) throw new Error('snapshot bench: restored memory does not match')

  const pct = (b: number) => (100 * b) / raw1
  const nonZero = fullSnap.pages.length
  const rows: BenchRow[] = [
    row({ group: G, name: `raw memory after setup + ${step} Transfers (${raw1 / 65536} pages, ${nonZero} non-zero)`, value: raw1, unit: 'B' }),
    row({ group: G, name: 'full snapshot bytes (non-zero pages, gzip) vs gzip-6 of whole memory', value: fullSnap.compressedSize, unit: 'B', higherIsBetter: false, reference: { name: 'node:zlib gzip level 6, whole memory', value: ref.value.byteLength }, note: `${pct(fullSnap.compressedSize).toFixed(3)} % of raw (goal ≤ 1 %)` }),
    row({ group: G, name: 'full snapshot encode time (scan + copy + gzip + SHA-256)', value: full.ms, unit: 'ms', higherIsBetter: false, reference: { name: 'node:zlib gzip level 6, whole memory', value: ref.ms } }),
    row({ group: G, name: `incremental after ${step} more messages: pages stored`, value: inc.value.pages.length, unit: 'pages', note: `${inc.value.zeroed.length} zeroed` }),
    row({ group: G, name: `incremental after ${step} messages: bytes`, value: inc.value.compressedSize, unit: 'B', higherIsBetter: false, reference: { name: 'gzip-6 of whole memory', value: ref2.value.byteLength }, note: `${pct(inc.value.compressedSize).toFixed(3)} % of raw` }),
    row({ group: G, name: `incremental after ${step} messages: encode time with whole-memory SHA-256`, value: inc.ms, unit: 'ms', higherIsBetter: false, reference: { name: 'gzip-6 of whole memory', value: ref2.ms }, note: 'goal ≤ 60 ms (Worker, incl. IndexedDB)' }),
    row({ group: G, name: `incremental after ${step} messages: encode time, SHA-256 supplied by caller`, value: incNoSha.ms, unit: 'ms', higherIsBetter: false }),
    row({ group: G, name: 'part: page scan + fingerprints of the whole memory', value: fp.ms, unit: 'ms', higherIsBetter: false }),
    row({ group: G, name: 'part: WebCrypto SHA-256 of the whole memory', value: webSha.ms, unit: 'ms', higherIsBetter: false }),
    row({ group: G, name: 'restore full + incremental (gunzip, rebuild, SHA-256 check)', value: restore.ms, unit: 'ms', higherIsBetter: false }),
  ]
  return rows
}
export default bench
