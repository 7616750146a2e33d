/**
 * Log verification throughput (issue 4 goal: ≥ 2,000 messages/s), on a real devnet log
 * (bench/verify-log.ts: aos token process, RSA-4096 wallets, MU pushes, SU assignments), with
 * every check on: each message's and assignment's ANS-104 signature, the SU key, nonce
 * continuity and the hash chain.
 * - Node: the LogChecker over the whole log, vs arbundles' `DataItem.verify` on the same items
 *   (signatures only, one item at a time and all in flight), rebuilt byte-exact from the SU JSON.
 * - Chromium, in a dedicated Worker (test/e2e/harness/verify.html, Vite dev server started here,
 *   playwright-core): the LogChecker over the log in memory, and the compute worker's offline
 *   path (`reverifyStoredLog` over IndexedDB), each with the verify-worker pool (the default in a
 *   Worker) and all on the calling thread (the reference), rounds interleaved; the CPU each
 *   browser thread spent (Linux /proc) shows whether a run was CPU-bound or starved by other
 *   load on the machine; plus a breakdown of where the time goes (deep hash, RSA verify).
 * Size: BENCH_VERIFY_MESSAGES (default 1000; 100 with --quick); the log is cached in the OS temp dir.
 * BENCH_VERIFY_LOG=<file> checks another SU-shaped log instead (e.g. bench/compute's synthetic one).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type ViteDevServer } from 'vite'
import { chromium, type Browser } from 'playwright-core'
import { DataItem } from 'arbundles'
import { row, now, type Bench, type BenchRow } from './lib'
import { devnetLog, type VerifyLog } from './verify-log'
import { chromiumArgs } from '../test/e2e/env'
import type { VerifyHarnessApi, RunResult } from '../test/e2e/harness/verify.worker'
import { LogChecker } from '../src/protocol/log-check'
import { encodeDataItem } from '../src/protocol/ans104'
import { fromB64Url } from '../src/protocol/base64url'
import { utf8Encode } from '../src/protocol/bytes'
import type { SuAssignment, SuMessage } from '../src/protocol/su-types'
import type { Remote } from 'comlink'

declare global {
  interface Window { verifyHarness: Remote<VerifyHarnessApi> }
}

const GROUP = 'verify'
const VITE_PORT = 13295
const RUNS = 3

/** The item bytes an SU JSON item stands for (RSA or ed25519 owners, UTF-8 anchors and data). */
function itemBytes(it: SuAssignment | SuMessage): Buffer {
  const owner = fromB64Url(it.owner.key)
  const fields = {
    signatureType: owner.length === 32 ? 2 : 1,
    signature: fromB64Url(it.signature),
    owner,
    tags: it.tags,
    data: utf8Encode((it as SuMessage).data ?? ''),
    ...(it.target && { target: fromB64Url(it.target) }),
    ...(it.anchor && { anchor: utf8Encode(it.anchor) }),
  }
  return Buffer.from(encodeDataItem(fields))
}

async function nodeRows(log: VerifyLog): Promise<BenchRow[]> {
  const n = log.edges.length
  const ours: number[] = []
  for (let r = 0; r < RUNS; r++) {
    const checker = new LogChecker({ processId: log.processId, scheduler: { address: log.suAddress } })
    const t0 = now()
    for (let i = 0; i < n; i += 500) {
      const p = await checker.checkPage(log.edges.slice(i, i + 500))
      if (p.failure) throw new Error(`devnet log failed verification: ${p.failure.message}`)
    }
    ours.push(now() - t0)
  }
  const items = log.edges.flatMap((e) => [itemBytes(e.node.assignment), ...(e.node.message ? [itemBytes(e.node.message)] : [])])
  const serial: number[] = []
  const inFlight: number[] = []
  for (let r = 0; r < RUNS; r++) {
    let t0 = now()
    for (const b of items) if (!(await DataItem.verify(b))) throw new Error('arbundles: a devnet item did not verify')
    serial.push(now() - t0)
    t0 = now()
    const ok = await Promise.all(items.map((b) => DataItem.verify(b)))
    if (!ok.every(Boolean)) throw new Error('arbundles: a devnet item did not verify')
    inFlight.push(now() - t0)
  }
  const rate = (ms: number) => (n * 1000) / ms
  const best = Math.min(...ours)
  return [
    row({ group: GROUP, name: `Node: LogChecker, ${n} devnet edges (all checks)`, value: rate(best), unit: 'msg/s', reference: { name: 'arbundles DataItem.verify, same items, one at a time (signatures only)', value: rate(Math.min(...serial)) }, note: `goal ≥ 2000; runs ${ours.map((t) => t.toFixed(0)).join('/')} ms` }),
    row({ group: GROUP, name: `Node: LogChecker, ${n} devnet edges vs arbundles all in flight`, value: rate(best), unit: 'msg/s', reference: { name: 'arbundles DataItem.verify, same items, all in flight (signatures only)', value: rate(Math.min(...inFlight)) } }),
  ]
}

/** CPU ms per thread name of the processes below this one (Linux /proc; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>()
  if (!existsSync('/proc/self/task')) return out
  const parent = new Map<number, number>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8')
      parent.set(Number(d), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]))
    } catch { /* exited */ }
  }
  const pids = [process.pid]
  for (let i = 0; i < pids.length; i++) for (const [c, p] of parent) if (p === pids[i]) pids.push(c)
  for (const pid of pids.slice(1)) {
    let tids: string[] = []
    try { tids = readdirSync(`/proc/${pid}/task`) } catch { continue }
    for (const t of tids) {
      try {
        const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ')
        out.set(`${pid}/${t}/${st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'))}`, (Number(f[11]) + Number(f[12])) * 10) // utime+stime, 10 ms ticks
      } catch { /* exited */ }
    }
  }
  return out
}

interface Timed extends RunResult {
  /** CPU ms of the browser's threads during the run, by thread name (summed), busiest first */
  cpu: [string, number][]
}

async function browserRows(log: VerifyLog): Promise<BenchRow[]> {
  let vite: ViteDevServer | undefined
  let browser: Browser | undefined
  try {
    vite = await createServer({ server: { port: VITE_PORT, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' })
    await vite.listen()
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs })
    const page = await browser.newPage()
    await page.routeWebSocket(() => true, () => undefined) // no HMR reloads mid-measurement
    await page.goto(`http://127.0.0.1:${VITE_PORT}/test/e2e/harness/verify.html`)
    await page.waitForFunction(() => document.title === 'verify harness ready', undefined, { timeout: 120_000 })
    const n = await page.evaluate((json) => window.verifyHarness.load(json), JSON.stringify({ processId: log.processId, suAddress: log.suAddress, edges: log.edges }))
    type Kind = 'checker-pool' | 'checker-local' | 'stored-pool' | 'stored-local'
    const once = async (kind: Kind): Promise<Timed> => {
      const before = threadCpu()
      const res = await page.evaluate((k) => {
        const [what, how] = k.split('-') as ['checker' | 'stored', 'pool' | 'local']
        return what === 'checker' ? window.verifyHarness.checker(500, how) : window.verifyHarness.stored(how)
      }, kind)
      const byName = new Map<string, number>()
      for (const [k, v] of threadCpu()) {
        const d = v - (before.get(k) ?? 0)
        const name = k.replace(/^\d+\/\d+\//, '')
        if (d > 0) byName.set(name, (byName.get(name) ?? 0) + d)
      }
      if (res.failure || res.head !== n - 1) throw new Error(`browser ${kind}: ${JSON.stringify(res)}`)
      return { ...res, cpu: [...byName].sort((a, b) => b[1] - a[1]) }
    }
    // Interleaved rounds, so machine load hits every variant alike; best of RUNS each.
    const runs: Record<Kind, Timed[]> = { 'checker-pool': [], 'checker-local': [], 'stored-pool': [], 'stored-local': [] }
    for (let r = 0; r < RUNS; r++) for (const k of Object.keys(runs) as Kind[]) runs[k].push(await once(k))
    const parts = await page.evaluate(() => window.verifyHarness.parts())
    process.stderr.write(`verify: browser breakdown ${JSON.stringify(parts)}\n`)
    const best = (k: Kind) => runs[k].reduce((a, b) => (b.ms < a.ms ? b : a))
    const rate = (k: Kind) => (n * 1000) / best(k).ms
    const note = (k: Kind) => {
      const b = best(k)
      const total = b.cpu.reduce((s, [, v]) => s + v, 0)
      return `runs ${runs[k].map((x) => x.ms.toFixed(0)).join('/')} ms; CPU of the best run ${total} ms (${((total * 1000) / n).toFixed(0)} µs/edge): ${b.cpu.slice(0, 4).map(([t, v]) => `${t} ${v}`).join(', ')}`
    }
    const perItem = (k: string) => ((parts[k] ?? NaN) * 1000) / (parts.items ?? NaN)
    return [
      row({ group: GROUP, name: `Chromium Worker: LogChecker, ${n} edges in memory, verify-worker pool`, value: rate('checker-pool'), unit: 'msg/s', reference: { name: 'same, all on the calling thread', value: rate('checker-local') }, note: `goal ≥ 2000; ${note('checker-pool')}` }),
      row({ group: GROUP, name: `Chromium Worker: LogChecker, ${n} edges in memory, calling thread only`, value: rate('checker-local'), unit: 'msg/s', note: note('checker-local') }),
      row({ group: GROUP, name: `Chromium Worker: offline re-verify of ${n} stored edges (IndexedDB, pool: the compute worker's path)`, value: rate('stored-pool'), unit: 'msg/s', reference: { name: 'same, all on the calling thread', value: rate('stored-local') }, note: `goal ≥ 2000; ${note('stored-pool')} (CPU includes storing the log first)` }),
      row({ group: GROUP, name: 'Chromium Worker: deep hash per RSA item (@noble sha384, owner memo)', value: perItem('deepHashMs'), unit: 'µs', higherIsBetter: false }),
      row({ group: GROUP, name: 'Chromium Worker: RSA-4096 verify per item, in series', value: perItem('verifySerialMs'), unit: 'µs', higherIsBetter: false }),
      row({ group: GROUP, name: 'Chromium Worker: RSA-4096 verify per item, all in flight', value: perItem('verifyConcurrentMs'), unit: 'µs', higherIsBetter: false }),
    ]
  } finally {
    await browser?.close()
    await vite?.close()
  }
}

const bench: Bench = async (ctx) => {
  const messages = Number(process.env.BENCH_VERIFY_MESSAGES ?? (ctx.quick ? 100 : 1000))
  // BENCH_VERIFY_LOG: any SU-shaped log file ({processId, suAddress, edges}), e.g. bench/compute's synthetic one
  const file = process.env.BENCH_VERIFY_LOG
  const log = file ? (JSON.parse(readFileSync(file, 'utf8')) as VerifyLog) : await devnetLog(messages, (s) => process.stderr.write(s))
  return [...(await nodeRows(log)), ...(await browserRows(log))]
}
export default bench
