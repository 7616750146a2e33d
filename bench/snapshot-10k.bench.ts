/**
 * Issue 4's two snapshot goals at the 10,000-message state, in Chromium, fast: the aos state of a
 * devnet process of N messages (bench/snapshot-10k-state.ts, cached in the OS temp dir) is loaded
 * into the real runtime worker and snapshotted into real IndexedDB by
 * test/e2e/harness/snapshot-10k.worker.ts (the compute worker's paths, see there):
 * - incremental snapshot after 500 messages, ComputeService.snapshot()'s work (goal ≤ 60 ms), with
 *   its parts (runtime worker scan/copy, transfer, diff, pack + digests, IndexedDB);
 * - warm open from the full snapshot a close writes, ComputeService.startRuntime()'s work (goal
 *   < 300 ms for the whole open; the app adds its process record read), with its parts;
 * - the reference (ao-loader has no snapshots; its state is the whole 110 MB `Memory`): one copy
 *   of the whole memory, measured in the same Worker, against each.
 * Both memories handed over are checked byte for byte against the state's memory.
 * Size: BENCH_SNAPSHOT_MESSAGES (default 10,000; 100 with --quick); evaluation runs BENCH_SNAPSHOT_RUNS (2)
 * of BENCH_SNAPSHOT_ROUNDS (5) timed incrementals each; warm opens BENCH_SNAPSHOT_OPENS (7).
 */
import { createServer, type ViteDevServer } from 'vite'
import { chromium, type Browser } from 'playwright-core'
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { median, row, type Bench, type BenchRow } from './lib'
import { chromiumArgs } from '../test/e2e/env'
import { snapshot10kState, stateDir } from './snapshot-10k-state'
import type { Snap10kResult } from '../test/e2e/harness/snapshot-10k.worker'
import type {} from '../test/e2e/harness/snapshot-10k' // window.snap10k

const GROUP = 'snapshot-10k'
const VITE_PORT = Number(process.env.BENCH_SNAPSHOT_VITE_PORT ?? 21100)
const STATE_PATH = '/__snapshot-state'
/** incrementals on the full snapshot of the chain restored by the second warm-open series (the policy allows 8) */
const CHAIN_DEPTH = 5
const log = (s: string) => process.stderr.write(`snapshot-10k: ${s}\n`)
const r0 = (o: object) => JSON.stringify(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v])))

const bench: Bench = async (ctx) => {
  const messages = Number(process.env.BENCH_SNAPSHOT_MESSAGES ?? (ctx.quick ? 100 : 10_000))
  const runs = Number(process.env.BENCH_SNAPSHOT_RUNS ?? (ctx.quick ? 1 : 2))
  const rounds = Number(process.env.BENCH_SNAPSHOT_ROUNDS ?? (ctx.quick ? 2 : 5))
  const opens = Number(process.env.BENCH_SNAPSHOT_OPENS ?? (ctx.quick ? 2 : 7))
  const state = await snapshot10kState(messages, log)
  const dir = stateDir(messages)
  log(`state: ${state.entries} entries, ${state.after.pages.length} non-zero pages (${(state.after.data.byteLength / 1e6).toFixed(1)} MB) of ${(state.after.byteLength / 1e6).toFixed(0)} MB`)
  let vite: ViteDevServer | undefined
  let browser: Browser | undefined
  try {
    vite = await createServer({
      server: { port: VITE_PORT, strictPort: true, host: '127.0.0.1', hmr: false },
      logLevel: 'warn',
      plugins: [{
        name: 'snapshot-state',
        configureServer(server) {
          server.middlewares.use(STATE_PATH, (req, res) => {
            const file = join(dir, (req.url ?? '/').replace(/^\//, ''))
            if (!file.startsWith(dir) || !existsSync(file)) { res.statusCode = 404; res.end(); return }
            res.setHeader('content-type', 'application/octet-stream')
            res.end(readFileSync(file))
          })
        },
      }],
    })
    await vite.listen()
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs })
    const page = await (await browser.newContext()).newPage()
    page.on('console', (m) => { if (m.type() === 'error') log(`page: ${m.text()}`) })
    await page.goto(`http://127.0.0.1:${VITE_PORT}/test/e2e/harness/snapshot-10k.html`)
    await page.waitForFunction(() => document.title === 'snapshot-10k harness ready', undefined, { timeout: 120_000 })
    const res = await page.evaluate((req) => window.snap10k.run(req), { stateUrl: `http://127.0.0.1:${VITE_PORT}${STATE_PATH}`, dbName: `aolight-snap10k-${Date.now()}`, runs, rounds, opens, chainDepth: CHAIN_DEPTH })
    for (const r of res.incremental) log(`incremental: ${r0(r)}`)
    log(`close: ${r0(res.close)}`)
    for (const w of res.warm) log(`warm: ${r0({ ...w, restoreParts: undefined })} restore ${r0(w.restoreParts)}`)
    for (const w of res.warmChain) log(`warm (chain): ${r0({ ...w, restoreParts: undefined })} restore ${r0(w.restoreParts)}`)
    log(`runtime worker start to first reply: ${res.workerStartMs.map((x) => x.toFixed(0)).join(', ')} ms`)
    log(`reference copy of the whole memory: ${res.reference.copyMs.toFixed(1)} ms`)
    if (res.incremental.some((r) => !r.exact || r.kind !== 'incremental')) throw new Error(`incremental snapshot not exact or not incremental: ${JSON.stringify(res.incremental)}`)
    if ([...res.warm, ...res.warmChain].some((w) => !w.exact)) throw new Error('warm open did not load the memory exactly')
    const inc = (k: keyof Snap10kResult['incremental'][number]) => median(res.incremental.map((r) => r[k] as number))
    const warm = (f: (w: Snap10kResult['warm'][number]) => number, of = res.warm) => median(of.map(f))
    const ref = { name: 'ao-loader: no snapshots; its state is a copy of the whole 110 MB Memory (one copy, same Worker)', value: res.reference.copyMs }
    const at = `${res.entries} entries, ${res.nonZeroPages} non-zero pages of ${(res.byteLength / 1e6).toFixed(0)} MB`
    return [
      row({ group: GROUP, name: `incremental snapshot after ${state.since} msgs (host.snapshot + store write, compute Worker)`, value: inc('totalMs'), unit: 'ms', higherIsBetter: false, reference: ref,
        note: `goal ≤ 60 ms; ${at}; median of ${res.incremental.length} (min ${Math.min(...res.incremental.map((r) => r.totalMs)).toFixed(1)}): ${res.incremental.map((r) => r.totalMs.toFixed(1)).join(', ')}; ${inc('pages')} pages changed, ${inc('storedSize')} bytes stored` }),
      row({ group: GROUP, name: 'incremental snapshot: parts (medians)', value: inc('totalMs'), unit: 'ms', higherIsBetter: false,
        note: r0({ host: inc('hostMs'), runtimeWorkerScanCopy: inc('workerMs'), write: inc('writeTotalMs'), encode: inc('encodeMs'), diffCopy: inc('scanMs'), xorPackDigest: inc('compressHashMs'), idb: inc('idbMs') }) }),
      row({ group: GROUP, name: 'warm open: time to state (store, module record, restore ‖ compile, runtime load)', value: warm((w) => w.readyMs), unit: 'ms', higherIsBetter: false, reference: ref,
        note: `goal < 300 ms (the app adds its process record); ${at}; median of ${res.warm.length} (min ${Math.min(...res.warm.map((w) => w.readyMs)).toFixed(0)}): ${res.warm.map((w) => w.readyMs.toFixed(0)).join(', ')}` }),
      row({ group: GROUP, name: 'warm open: parts (medians)', value: warm((w) => w.readyMs), unit: 'ms', higherIsBetter: false,
        note: r0({ store: warm((w) => w.storeMs), moduleRecord: warm((w) => w.moduleMs - w.storeMs), restore: warm((w) => w.restoreMs), idbRead: warm((w) => w.restoreParts.readMs ?? -1), openLinks: warm((w) => w.restoreParts.openMs ?? -1), build: warm((w) => w.restoreParts.buildMs ?? -1), afterRestore: warm((w) => w.afterRestoreMs), runtimeLoad: warm((w) => w.loadMs), compile: warm((w) => w.compileMs) }) }),
      row({ group: GROUP, name: `warm open from a chain (full + ${CHAIN_DEPTH} incrementals, as the policy leaves it without a close): time to state`, value: warm((w) => w.readyMs, res.warmChain), unit: 'ms', higherIsBetter: false, reference: ref,
        note: `goal < 300 ms; median of ${res.warmChain.length} (min ${Math.min(...res.warmChain.map((w) => w.readyMs)).toFixed(0)}): ${res.warmChain.map((w) => w.readyMs.toFixed(0)).join(', ')}; parts ${r0({ restore: warm((w) => w.restoreMs, res.warmChain), openLinks: warm((w) => w.restoreParts.openMs ?? -1, res.warmChain), build: warm((w) => w.restoreParts.buildMs ?? -1, res.warmChain), afterRestore: warm((w) => w.afterRestoreMs, res.warmChain) })}` }),
      row({ group: GROUP, name: 'full snapshot (close): stored share of raw memory', value: (100 * res.close.storedSize) / res.byteLength, unit: '%', higherIsBetter: false,
        note: `goal ≤ 1%; ${res.close.storedSize} bytes of ${res.byteLength} (pages ${res.close.rawSize} bytes); write ${res.close.totalMs.toFixed(0)} ms` }),
    ]
  } finally {
    await browser?.close()
    await vite?.close()
  }
}
export default bench
