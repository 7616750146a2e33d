/**
 * Compute-unit figures in Chromium (the browser part of bench/compute.bench.ts), one run:
 * a devnet aos process (token mints/transfers, overdrafts, Eval errors, pushes; test/e2e/support/
 * proof-log.ts `fillProcess`) opened by the real node client and compute worker in a Chromium tab
 * (test/e2e/harness/proof.html served by a Vite dev server started here, driven by playwright-core).
 * - cold open: time to runtime ready, to fetched+verified, to evaluated (idle); messages/s;
 * - main thread during the cold sync: long tasks (PerformanceObserver 'longtask', > 50 ms);
 * - warm open from the snapshot taken on close: time to state (runtime ready with the restored
 *   memory; goal < 300 ms) and to idle;
 * - verify throughput in the browser: offline re-verification of the whole stored log;
 * - our evaluation vs the devnet CU's engine (reference ao-loader run the CU's way in Node) on
 *   the same log, and the devnet's own cost per message (MU post, SU, CU evaluate).
 * Size: BENCH_BROWSER_MESSAGES (default 1000; 100 with --quick). 10,000 is not practical here:
 * the devnet takes ~0.25-0.4 s per message (~1 h to build 10,000 on 2 cores).
 */
import { createServer, type ViteDevServer } from 'vite'
import { chromium, type Browser, type Page } from 'playwright-core'
import { row, now, type Bench, type BenchRow } from './lib'
import { startDevnet, type Devnet } from '../test/devnet/devnet'
import { addressOf, fillProcess, loadReplaySource, readLog } from '../test/e2e/support/proof-log'
import { chromiumArgs } from '../test/e2e/env'
import { ReferenceRunner } from '../test/fixtures/runtime-logs/reference-runner'
import type { ProofHarness } from '../test/e2e/harness/proof'
import { mapEdge } from '../src/protocol/message-mapping'
import { type AoMessage } from '../src/wasm/index'

declare global {
  interface Window { proof: ProofHarness }
}

const GROUP = 'compute-browser'
const DEVNET_PORT = 48200
const VITE_PORT = 48290

async function waitState(page: Page, state: 'idle' | 'offline', head: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction(([s, h]) => {
    const st = window.proof.status()
    if (st?.state === 'stopped') throw new Error(`stopped: ${JSON.stringify(st)}`)
    return st?.state === s && st.verifiedHead === h && st.evaluatedHead === h
  }, [state, head] as const, { timeout: timeoutMs, polling: 100 })
}

/** ms since open when the given phase's progress first reached `total`. */
async function phaseDoneAt(page: Page, phase: 'fetch' | 'verify' | 'evaluate', total: number): Promise<number | null> {
  return page.evaluate(([p, n]) => {
    const hit = window.proof.timedEvents().find((e) => e.event.type === 'progress' && e.event.progress.phase === p && e.event.progress.done >= n)
    return hit ? hit.at : null
  }, [phase, total] as const)
}

async function referenceEvaluation(devnet: Devnet, processId: string): Promise<{ ms: number; n: number }> {
  const edges = await readLog(devnet.urls.su, processId)
  const { proc, bytes, options: opts, env } = await loadReplaySource(devnet.urls.gateway, devnet.urls.su, processId)
  const mapped = edges.map((e) => mapEdge(e, addressOf).message as unknown as AoMessage)
  const ref = await ReferenceRunner.create(bytes, opts.format as never)
  const t0 = now()
  for (const m of mapped) await ref.handle(structuredClone(m), env)
  return { ms: now() - t0, n: mapped.length }
}

const bench: Bench = async (ctx) => {
  const messages = Number(process.env.BENCH_BROWSER_MESSAGES ?? (ctx.quick ? 100 : 1000))
  const rows: BenchRow[] = []
  let devnet: Devnet | undefined
  let vite: ViteDevServer | undefined
  let browser: Browser | undefined
  try {
    devnet = await startDevnet({ basePort: DEVNET_PORT })
    const f0 = now()
    const { processId } = await fillProcess(devnet, { messages })
    const fillMs = now() - f0
    const logLength = (await readLog(devnet.urls.su, processId)).length
    const head = logLength - 1
    process.stderr.write(`compute-browser: ${logLength} log entries built in ${(fillMs / 1000).toFixed(0)} s\n`)

    vite = await createServer({ server: { port: VITE_PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' })
    await vite.listen()
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs })
    const context = await browser.newContext()
    const page = await context.newPage()
    // no HMR socket: an edit under src/ by someone else must not reload the page mid-measurement
    await page.routeWebSocket(() => true, () => undefined)
    const q = new URLSearchParams({ gateway: devnet.urls.gateway, su: devnet.urls.su, mu: devnet.urls.mu, cu: '', pageSize: '500', snapshotEvery: '500', store: `aolight-bench-${Date.now()}` })
    await page.goto(`http://127.0.0.1:${VITE_PORT}/test/e2e/harness/proof.html?${q}`)
    await page.waitForFunction(() => document.title === 'proof harness ready', undefined, { timeout: 120_000 })

    // cold open
    await page.evaluate(() => window.proof.resetLongTasks())
    const c0 = now()
    await page.evaluate((p) => window.proof.open(p), processId)
    await waitState(page, 'idle', head, 3_600_000)
    const coldMs = now() - c0
    const cold = await page.evaluate(() => window.proof.stats())
    const fetchedAt = await phaseDoneAt(page, 'fetch', logLength)
    const verifiedAt = await phaseDoneAt(page, 'verify', logLength)
    const firstEval = await page.evaluate(() => window.proof.timedEvents().find((e) => e.event.type === 'message')?.at ?? null)
    const longTasks = await page.evaluate(() => window.proof.longTasks())
    const evalMs = firstEval === null ? coldMs : coldMs - firstEval
    rows.push(
      row({ group: GROUP, name: `cold open ${logLength} msgs: runtime ready (locate, module, instantiate)`, value: cold.readyMs ?? -1, unit: 'ms', higherIsBetter: false }),
      row({ group: GROUP, name: `cold open ${logLength} msgs: fetched (SU pages of 500)`, value: fetchedAt ?? -1, unit: 'ms', higherIsBetter: false }),
      row({ group: GROUP, name: `cold open ${logLength} msgs: verified (signatures, SU key, nonces, hash chain)`, value: verifiedAt ?? -1, unit: 'ms', higherIsBetter: false, note: 'overlaps fetch and evaluation' }),
      row({ group: GROUP, name: `cold open ${logLength} msgs: evaluated (idle)`, value: coldMs, unit: 'ms', higherIsBetter: false }),
      row({ group: GROUP, name: 'cold open: overall', value: (logLength * 1000) / coldMs, unit: 'msg/s' }),
      row({ group: GROUP, name: 'cold open: evaluation (first result to idle)', value: (logLength * 1000) / evalMs, unit: 'msg/s' }),
      row({ group: GROUP, name: 'main thread during the cold sync: long tasks > 50 ms', value: longTasks.length, unit: 'tasks', higherIsBetter: false, note: `longest ${Math.max(0, ...longTasks.map((t) => t.duration)).toFixed(0)} ms` }),
    )
    await page.evaluate(() => window.proof.close())

    // warm open from the snapshot written on close
    const w0 = now()
    await page.evaluate((p) => window.proof.open(p), processId)
    await waitState(page, 'idle', head, 120_000)
    const warmIdleMs = now() - w0
    const warm = await page.evaluate(() => window.proof.stats())
    rows.push(
      row({ group: GROUP, name: 'warm open: time to state (runtime ready from the snapshot)', value: warm.readyMs ?? -1, unit: 'ms', higherIsBetter: false, note: `goal < 300 ms; snapshot restore ${warm.restoreMs?.toFixed(0) ?? '?'} ms at ${JSON.stringify(warm.restoredAt)}` }),
      row({ group: GROUP, name: 'warm open: to idle (incl. SU check for new messages)', value: warmIdleMs, unit: 'ms', higherIsBetter: false }),
    )
    await page.evaluate(() => window.proof.close())

    // verify throughput: offline, the whole stored log re-verified from IndexedDB
    await context.setOffline(true)
    const v0 = now()
    await page.evaluate((p) => window.proof.open(p), processId)
    await waitState(page, 'offline', head, 600_000)
    const offlineMs = now() - v0
    const reverifiedAt = await phaseDoneAt(page, 'verify', logLength)
    await page.evaluate(() => window.proof.close())
    await context.setOffline(false)
    rows.push(
      row({ group: GROUP, name: `verify in the browser (offline re-verification of ${logLength} stored entries)`, value: reverifiedAt ? (logLength * 1000) / reverifiedAt : -1, unit: 'msg/s', note: `to offline state ${offlineMs.toFixed(0)} ms` }),
    )

    // the devnet CU's engine on the same log
    const ref = await referenceEvaluation(devnet, processId)
    rows.push(
      row({ group: GROUP, name: `evaluate ${ref.n} msgs: ours in Chromium (cold open)`, value: (logLength * 1000) / evalMs, unit: 'msg/s', reference: { name: 'devnet CU engine (reference ao-loader, CU-style, Node)', value: (ref.n * 1000) / ref.ms } }),
      row({ group: GROUP, name: 'devnet cost per message (MU post, SU, CU evaluate)', value: fillMs / messages, unit: 'ms', higherIsBetter: false, note: `${messages} sent; 10,000 would take ~${((fillMs / messages) * 10_000 / 60_000).toFixed(0)} min to build` }),
    )
  } finally {
    await browser?.close()
    await vite?.close()
    await devnet?.stop()
  }
  return rows
}
export default bench
