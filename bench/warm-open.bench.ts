/**
 * The compute worker's open and evaluation costs in Chromium, broken down (issue 4 goals):
 * - cold open of a devnet aos log: evaluation throughput (first result to idle), and the
 *   incremental snapshot writes the policy takes on the way;
 * - warm open from the snapshot written on close, several times: time to state (ComputeStats
 *   readyMs, goal < 300 ms) with its parts (process/module load, snapshot restore, runtime start).
 * The log is built on our own devnet ports (13300) and served by our own Vite (13395), so this
 * can run while bench/compute-browser.bench.ts (ports 18200/18290) runs elsewhere.
 * Size: BENCH_WARM_MESSAGES (default 300; 60 with --quick); warm opens: BENCH_WARM_OPENS (default 5).
 */
import { createServer, type ViteDevServer } from 'vite'
import { chromium, type Browser, type Page } from 'playwright-core'
import { median, row, now, type Bench, type BenchRow } from './lib'
import { startDevnet, type Devnet } from '../test/devnet/devnet'
import { fillProcess, readLog } from '../test/e2e/support/proof-log'
import { chromiumArgs } from '../test/e2e/env'
import type { ProofHarness } from '../test/e2e/harness/proof'
import type { ComputeStats } from '../src/compute/compute-service'

declare global {
  interface Window { proof: ProofHarness }
}

const GROUP = 'warm-open'
// Overridable, so a run can go on other ports while the defaults are busy.
const DEVNET_PORT = Number(process.env.BENCH_WARM_DEVNET_PORT ?? 13300)
const VITE_PORT = Number(process.env.BENCH_WARM_VITE_PORT ?? 13395)

async function waitIdle(page: Page, head: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction((h) => {
    const st = window.proof.status()
    if (st?.state === 'stopped') throw new Error(`stopped: ${JSON.stringify(st)}`)
    return st?.state === 'idle' && st.verifiedHead === h && st.evaluatedHead === h
  }, head, { timeout: timeoutMs, polling: 50 })
}

const bench: Bench = async (ctx) => {
  const messages = Number(process.env.BENCH_WARM_MESSAGES ?? (ctx.quick ? 60 : 300))
  const opens = Number(process.env.BENCH_WARM_OPENS ?? (ctx.quick ? 3 : 5))
  const rows: BenchRow[] = []
  let devnet: Devnet | undefined
  let vite: ViteDevServer | undefined
  let browser: Browser | undefined
  try {
    devnet = await startDevnet({ basePort: DEVNET_PORT })
    const { processId } = await fillProcess(devnet, { messages })
    const logLength = (await readLog(devnet.urls.su, processId)).length
    const head = logLength - 1
    process.stderr.write(`warm-open: ${logLength} log entries\n`)

    vite = await createServer({ server: { port: VITE_PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' })
    await vite.listen()
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs })
    const page = await (await browser.newContext()).newPage()
    await page.routeWebSocket(() => true, () => undefined) // no HMR reloads from others' edits
    const snapshotEvery = Math.max(10, Math.floor(logLength / 3))
    const q = new URLSearchParams({ gateway: devnet.urls.gateway, su: devnet.urls.su, mu: devnet.urls.mu, cu: '', pageSize: '500', snapshotEvery: String(snapshotEvery), store: `aolight-bench-warm-${Date.now()}` })
    await page.goto(`http://127.0.0.1:${VITE_PORT}/test/e2e/harness/proof.html?${q}`)
    await page.waitForFunction(() => document.title === 'proof harness ready', undefined, { timeout: 120_000 })

    // cold open: evaluation throughput and the policy's snapshots
    await page.evaluate((p) => window.proof.open(p), processId)
    await waitIdle(page, head, 3_600_000)
    const cold: ComputeStats = await page.evaluate(() => window.proof.stats())
    const span = await page.evaluate(() => {
      const ev = window.proof.timedEvents()
      const first = ev.find((e) => e.event.type === 'message')?.at ?? null
      const idle = ev.find((e) => e.event.type === 'status' && e.event.status.state === 'idle')?.at ?? null
      return { first, idle }
    })
    const evalMs = span.first !== null && span.idle !== null ? span.idle - span.first : -1
    rows.push(
      row({ group: GROUP, name: `cold open ${logLength} msgs: runtime ready`, value: cold.readyMs ?? -1, unit: 'ms', higherIsBetter: false }),
      row({ group: GROUP, name: `cold open ${logLength} msgs: evaluation (first result to idle)`, value: evalMs > 0 ? (logLength * 1000) / evalMs : -1, unit: 'msg/s', note: `${cold.snapshotsWritten} snapshots on the way (every ${snapshotEvery})` }),
      row({ group: GROUP, name: 'snapshot write (last one of the cold open, host snapshot + store write)', value: cold.lastSnapshotMs ?? -1, unit: 'ms', higherIsBetter: false }),
    )
    if (cold.open) rows.push(row({ group: GROUP, name: 'cold open: parts', value: cold.readyMs ?? -1, unit: 'ms', higherIsBetter: false, note: JSON.stringify(roundAll(cold.open)) }))
    await page.evaluate(() => window.proof.close())

    // warm opens from the snapshot written on close
    const ready: number[] = []
    const toIdle: number[] = []
    let parts: Record<string, number> | undefined
    let restoreMs = -1
    for (let i = 0; i < opens; i++) {
      const w0 = now()
      await page.evaluate((p) => window.proof.open(p), processId)
      await waitIdle(page, head, 120_000)
      toIdle.push(now() - w0)
      const warm: ComputeStats = await page.evaluate(() => window.proof.stats())
      ready.push(warm.readyMs ?? -1)
      restoreMs = warm.restoreMs ?? -1
      if (warm.open) parts = roundAll(warm.open)
      await page.evaluate(() => window.proof.close())
    }
    rows.push(
      row({ group: GROUP, name: `warm open: time to state (runtime ready from the snapshot), median of ${opens}`, value: median(ready), unit: 'ms', higherIsBetter: false, note: `goal < 300 ms; all ${ready.map((x) => x.toFixed(0)).join(', ')}; restore ${restoreMs.toFixed(0)} ms` }),
      row({ group: GROUP, name: 'warm open: to idle (incl. SU check for new messages), median', value: median(toIdle), unit: 'ms', higherIsBetter: false }),
    )
    if (parts) rows.push(row({ group: GROUP, name: 'warm open: parts (last open)', value: median(ready), unit: 'ms', higherIsBetter: false, note: JSON.stringify(parts) }))
  } finally {
    await browser?.close()
    await vite?.close()
    await devnet?.stop()
  }
  return rows
}

function roundAll(o: object): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(Number(v))]))
}

export default bench
