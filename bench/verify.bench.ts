/**
 * Log verification throughput (issue 4 goal: ≥ 2,000 messages/s), on a real devnet log
 * (bench/verify-log.ts: aos token process, RSA-4096 wallets, MU pushes, SU assignments), with
 * every check on: each message's and assignment's ANS-104 signature, the SU key, nonce
 * continuity and the hash chain.
 * - Node: the LogChecker over the whole log, vs arbundles' `DataItem.verify` on the same items
 *   (signatures only, one item at a time and all in flight), rebuilt byte-exact from the SU JSON.
 * - Chromium, in a dedicated Worker (test/e2e/harness/verify.html, Vite dev server started here,
 *   playwright-core): the LogChecker over the log in memory, and the compute worker's offline
 *   path (`reverifyStoredLog` over IndexedDB); plus a breakdown of where the time goes.
 * Size: BENCH_VERIFY_MESSAGES (default 1000; 100 with --quick); the log is cached in the OS temp dir.
 * BENCH_VERIFY_LOG=<file> checks another SU-shaped log instead (e.g. bench/compute's synthetic one).
 */
import { readFileSync } from 'node:fs'
import { createServer, type ViteDevServer } from 'vite'
import { chromium, type Browser } from 'playwright-core'
import { DataItem } from 'arbundles'
import { row, now, median, type Bench, type BenchRow } from './lib'
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
const VITE_PORT = 43295
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
    const runs = async (what: 'checker' | 'stored'): Promise<RunResult[]> => {
      const out: RunResult[] = []
      for (let r = 0; r < RUNS; r++) {
        const res = await page.evaluate((w) => (w === 'checker' ? window.verifyHarness.checker() : window.verifyHarness.stored()), what)
        if (res.failure || res.head !== n - 1) throw new Error(`browser ${what}: ${JSON.stringify(res)}`)
        out.push(res)
      }
      return out
    }
    const mem = await runs('checker')
    const stored = await runs('stored')
    const parts = await page.evaluate(() => window.verifyHarness.parts())
    process.stderr.write(`verify: browser breakdown ${JSON.stringify(parts)}\n`)
    const rate = (xs: RunResult[]) => (n * 1000) / Math.min(...xs.map((x) => x.ms))
    const ms = (xs: RunResult[]) => xs.map((x) => x.ms.toFixed(0)).join('/')
    const perItem = (k: string) => ((parts[k] ?? NaN) * 1000) / (parts.items ?? NaN)
    return [
      row({ group: GROUP, name: `Chromium Worker: LogChecker, ${n} edges in memory`, value: rate(mem), unit: 'msg/s', note: `goal ≥ 2000; runs ${ms(mem)} ms` }),
      row({ group: GROUP, name: `Chromium Worker: offline re-verify of ${n} stored edges (IndexedDB)`, value: rate(stored), unit: 'msg/s', note: `goal ≥ 2000; runs ${ms(stored)} ms; storing ${median(stored.map((s) => (s as RunResult & { storeMs: number }).storeMs)).toFixed(0)} ms` }),
      row({ group: GROUP, name: 'Chromium Worker: deep hash per item (@noble sha384)', value: perItem('deepHashMs'), unit: 'µs', higherIsBetter: false }),
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
