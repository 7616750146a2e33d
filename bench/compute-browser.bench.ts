/**
 * Compute-unit figures in Chromium (issue 4's benchmark), one run, on a devnet aos process of
 * N client messages (token mints/transfers, overdrafts, Eval errors, self-Pings that the MU
 * pushes back; the mix of test/e2e/support/fill-mix.ts) built by `fastFill` (signed here, posted
 * to the SU of a *lazy* devnet, nothing evaluated), then folded by the devnet CU on demand
 * (`settle`: `/result` of the head, again after the pushes it cranked), opened by the real node
 * client and compute worker in a Chromium tab (test/e2e/harness/proof.html served by a Vite dev
 * server started here, driven by playwright-core):
 * - cold open: time to runtime ready, to fetched, verified, evaluated (idle); messages/s;
 * - main thread during the cold sync: long tasks (PerformanceObserver 'longtask', > 50 ms);
 * - incremental snapshot write in the Worker (every 500 messages; the last one's time);
 * - warm open from the snapshot taken on close: time to state (runtime ready with the restored
 *   memory; goal < 300 ms) and to idle;
 * - verify throughput in the browser: offline re-verification of the whole stored log;
 * - our evaluation against the devnet CU computing the same log (its lazy fold to the head, timed
 *   through `/result`), against the reference ao-loader driven the CU's way in Node, and our
 *   runtime in Node; snapshot bytes (non-zero pages, gzip) as a share of the raw memory and an
 *   incremental snapshot after the last 500 messages, on the memory our runtime reaches in Node.
 * Size: BENCH_BROWSER_MESSAGES (default 10,000; 100 with --quick).
 */
import { createServer, type ViteDevServer } from 'vite'
import { chromium, type Browser, type Page } from 'playwright-core'
import { row, now, type Bench, type BenchRow } from './lib'
import { startDevnet, type Devnet } from '../test/devnet/devnet'
import { addressOf, loadReplaySource, readLog } from '../test/e2e/support/proof-log'
import { fastFill, settle } from '../test/e2e/support/fast-fill'
import { encodeSnapshot } from '../src/store/snapshot-codec'
import { chromiumArgs } from '../test/e2e/env'
import { ReferenceRunner } from '../test/fixtures/runtime-logs/reference-runner'
import type { ProofHarness } from '../test/e2e/harness/proof'
import { mapEdge } from '../src/protocol/message-mapping'
import { loadAoModule, type AoMessage } from '../src/wasm/index'

declare global {
  interface Window { proof: ProofHarness }
}

const GROUP = 'compute-browser'
// Overridable, so a quick run can go while a long one holds the defaults.
const DEVNET_PORT = Number(process.env.BENCH_BROWSER_DEVNET_PORT ?? 13150)
const VITE_PORT = Number(process.env.BENCH_BROWSER_VITE_PORT ?? 13195)
const log = (s: string) => process.stderr.write(`compute-browser: ${s}\n`)

async function waitState(page: Page, state: 'idle' | 'offline', head: number, timeoutMs: number): Promise<void> {
  const t0 = now()
  let lastLog = t0
  // Short waits in a loop, so a long (10,000-message) open reports its progress.
  for (;;) {
    try {
      await page.waitForFunction(([s, h]) => {
        const st = window.proof.status()
        if (st?.state === 'stopped') throw new Error(`stopped: ${JSON.stringify(st)}`)
        return st?.state === s && st.verifiedHead === h && st.evaluatedHead === h
      }, [state, head] as const, { timeout: 30_000, polling: 100 })
      return
    } catch (e) {
      if (!(e instanceof Error) || e.name !== 'TimeoutError') throw e
      if (now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${state} at head ${head}`, { cause: e })
    }
    if (now() - lastLog >= 60_000) {
      lastLog = now()
      const st = await page.evaluate(async () => [window.proof.status()?.state, await window.proof.stats()] as const)
      log(`waiting for ${state} at ${head}: ${((now() - t0) / 1000).toFixed(0)} s, state ${st[0]}, verified ${st[1].verified}, evaluated ${st[1].evaluated}`)
    }
  }
}

/** ms since open when the given phase's progress first reached `total`. */
async function phaseDoneAt(page: Page, phase: 'fetch' | 'verify' | 'evaluate', total: number): Promise<number | null> {
  return page.evaluate(([p, n]) => {
    const hit = window.proof.timedEvents().find((e) => e.event.type === 'progress' && e.event.progress.phase === p && e.event.progress.done >= n)
    return hit ? hit.at : null
  }, [phase, total] as const)
}

interface NodeFolds {
  n: number
  refMs: number
  oursMs: number
  full: { bytes: number; ms: number; raw: number }
  incremental: { bytes: number; ms: number; pages: number; since: number }
}

/**
 * The same log in Node: the reference ao-loader the CU's way, and our runtime (src/wasm), whose
 * memory 500 messages before the head and at the head gives the snapshot figures.
 */
async function nodeFolds(devnet: Devnet, processId: string): Promise<NodeFolds> {
  const edges = await readLog(devnet.urls.su, processId)
  const { bytes, options: opts, env } = await loadReplaySource(devnet.urls.gateway, devnet.urls.su, processId)
  const mapped = edges.map((e) => mapEdge(e, addressOf).message as unknown as AoMessage)
  const ref = await ReferenceRunner.create(bytes, opts.format as never)
  const t0 = now()
  for (const m of mapped) await ref.handle(structuredClone(m), env)
  const refMs = now() - t0

  const ours = await loadAoModule(bytes, opts)
  // The incremental snapshot covers the last 500 messages (half the log when it is shorter).
  const since = Math.min(500, Math.floor(mapped.length / 2))
  const cut = mapped.length - since
  let oursMs = 0
  let base: Awaited<ReturnType<typeof encodeSnapshot>> | undefined
  let fullMs = 0
  for (let i = 0; i < mapped.length; i++) {
    if (i === cut) {
      const s0 = now()
      base = await encodeSnapshot(ours.snapshot())
      fullMs = now() - s0
    }
    const o0 = now()
    await ours.handle(structuredClone(mapped[i]!), env)
    oursMs += now() - o0
  }
  const memory = ours.snapshot()
  const i0 = now()
  const inc = await encodeSnapshot(memory, base ? { contentSha256: base.contentSha256, image: base.image } : null)
  const incMs = now() - i0
  return {
    n: mapped.length,
    refMs,
    oursMs,
    full: { bytes: base?.compressedSize ?? -1, ms: fullMs, raw: memory.byteLength },
    incremental: { bytes: inc.compressedSize, ms: incMs, pages: inc.pages.length, since },
  }
}

const bench: Bench = async (ctx) => {
  const messages = Number(process.env.BENCH_BROWSER_MESSAGES ?? (ctx.quick ? 100 : 10_000))
  // Rows are also printed as they come: a 10,000-message run takes long, a late failure must not lose them.
  const rows: BenchRow[] = []
  const push = rows.push.bind(rows)
  rows.push = (...rs: BenchRow[]) => {
    for (const r of rs) log(`row: ${r.name} = ${r.value.toFixed(2)} ${r.unit}${r.reference ? ` (reference ${r.reference.value.toFixed(2)}: ${r.reference.name})` : ''}${r.note ? ` [${r.note}]` : ''}`)
    return push(...rs)
  }
  let devnet: Devnet | undefined
  let vite: ViteDevServer | undefined
  let browser: Browser | undefined
  try {
    devnet = await startDevnet({ basePort: DEVNET_PORT, lazyCompute: true })
    const fill = await fastFill(devnet, { messages, progressEvery: 1000, onProgress: (k) => log(`posted ${k}/${messages}`) })
    const { processId } = fill
    log(`${messages + 1} entries signed and scheduled in ${(fill.ms / 1000).toFixed(0)} s; the devnet CU folds them`)
    const settled = await settle(devnet, processId, { onProgress: (n, ms) => n % 2000 === 0 && log(`devnet CU folded to nonce ${n} in ${(ms / 1000).toFixed(0)} s`) })
    const cuFold = settled.first
    const cuFoldEntries = cuFold.head + 1
    const logLength = settled.head + 1
    const head = settled.head
    log(`devnet CU: ${cuFoldEntries} entries folded in ${(cuFold.ms / 1000).toFixed(0)} s; ${logLength} log entries after its pushes (${settled.passes.length} passes)`)

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
    log(`cold open done in ${(coldMs / 1000).toFixed(0)} s`)
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
      row({ group: GROUP, name: 'main thread during the cold sync: long tasks > 50 ms', value: longTasks.length, unit: 'tasks', higherIsBetter: false, note: `longest ${Math.max(0, ...longTasks.map((t) => t.duration)).toFixed(0)} ms; ${longTasks.reduce((a, t) => a + t.duration, 0).toFixed(0)} ms in all` }),
      row({ group: GROUP, name: 'incremental snapshot write in the Worker (every 500 msgs; the last one)', value: cold.lastSnapshotMs ?? -1, unit: 'ms', higherIsBetter: false, note: `goal ≤ 60 ms; ${cold.snapshotsWritten} written during the cold open (encode + IndexedDB)` }),
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
    // The verify phase itself: from its first progress event (after the first chunk) to the last;
    // the open before it (store, process, waiting for the network to fail) is not verification.
    const firstVerify = await page.evaluate(() => window.proof.timedEvents().find((e) => e.event.type === 'progress' && e.event.progress.phase === 'verify' && e.event.progress.done > 0))
    await page.evaluate(() => window.proof.close())
    await context.setOffline(false)
    const firstDone = firstVerify?.event.type === 'progress' ? firstVerify.event.progress.done : 0
    const phaseRate = reverifiedAt && firstVerify && reverifiedAt > firstVerify.at ? ((logLength - firstDone) * 1000) / (reverifiedAt - firstVerify.at) : -1
    rows.push(
      row({ group: GROUP, name: `verify in the browser (offline re-verification of ${logLength} stored entries, the verify phase)`, value: phaseRate, unit: 'msg/s', note: `goal ≥ 2,000; open to all verified ${reverifiedAt?.toFixed(0) ?? '?'} ms (${reverifiedAt ? ((logLength * 1000) / reverifiedAt).toFixed(0) : '?'} msg/s incl. the open), to offline state ${offlineMs.toFixed(0)} ms` }),
    )

    // the same log in Node
    log('folding the log in Node (reference ao-loader, then ours)')
    const nf = await nodeFolds(devnet, processId)
    const oursBrowser = (logLength * 1000) / evalMs
    rows.push(
      row({ group: GROUP, name: `evaluate ${logLength} msgs: ours in Chromium (cold open) vs the devnet CU computing the same log`, value: oursBrowser, unit: 'msg/s', reference: { name: `devnet CU lazy fold of ${cuFoldEntries} entries to the head (/result; ao-loader, reference rollback; incl. its MU crank)`, value: (cuFoldEntries * 1000) / cuFold.ms } }),
      row({ group: GROUP, name: `evaluate ${nf.n} msgs: ours in Chromium (cold open) vs reference ao-loader in Node`, value: oursBrowser, unit: 'msg/s', reference: { name: 'reference ao-loader, CU-style (UNSAFE_MEMORY + copy for rollback), Node', value: (nf.n * 1000) / nf.refMs } }),
      row({ group: GROUP, name: `evaluate ${nf.n} msgs: ours in Node`, value: (nf.n * 1000) / nf.oursMs, unit: 'msg/s', reference: { name: 'reference ao-loader, CU-style, Node', value: (nf.n * 1000) / nf.refMs } }),
      row({ group: GROUP, name: 'full snapshot (non-zero pages, gzip) share of raw memory', value: (100 * nf.full.bytes) / nf.full.raw, unit: '%', higherIsBetter: false, note: `goal ≤ 1%; ${nf.full.bytes} of ${nf.full.raw} bytes at nonce ${nf.n - nf.incremental.since}; encode ${nf.full.ms.toFixed(0)} ms (Node)` }),
      row({ group: GROUP, name: `incremental snapshot after the last ${nf.incremental.since} messages: write time (Node, encode only)`, value: nf.incremental.ms, unit: 'ms', higherIsBetter: false, note: `${nf.incremental.pages} pages, ${nf.incremental.bytes} bytes` }),
      row({ group: GROUP, name: 'devnet: sign + schedule per message (fastFill: our RSA signing, SU assignment)', value: fill.ms / (messages + 1), unit: 'ms', higherIsBetter: false, note: `${messages + 1} items in ${(fill.ms / 1000).toFixed(0)} s; then ${settled.passes.length} fold passes (${settled.passes.map((r) => `to ${r.head + 1} entries ${(r.ms / 1000).toFixed(0)} s`).join(', ')})` }),
    )
  } finally {
    await browser?.close()
    await vite?.close()
    await devnet?.stop()
  }
  return rows
}
export default bench
