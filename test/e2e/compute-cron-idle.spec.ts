/**
 * Crons tick while a process is quiet: a real aos process on the devnet with `Cron-Interval:
 * 1-second` is opened through the real node client and compute worker (harness/compute.ts). With
 * no new message, the tab evaluates the crons due after the newest message up to the SU's clock
 * (as the reference CU does for /results and /cron), and they are cross-checked against the devnet
 * CU's /cron until `agreed`. When a message then arrives, the span up to it continues the ticks
 * without repeating or skipping one; a reopen (resume from a snapshot taken between crons) and a
 * clean run from an empty cache give the same results for every evaluation they share.
 */
import { test, expect, type Page } from '@playwright/test'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { sendMessage } from '../devnet/ao-http'
import { spawnCronProcess } from './support/cron-process'
import { openComputeHarness, openIdleAt } from './support/compute-harness-page'
import type { ComputeHarness } from './harness/compute'
import type { LoggedMessage } from '../../src/node/contract'

declare global {
  interface Window { compute: ComputeHarness }
}

// Helper 12's ports (14400-14490).
const BASE_PORT = 14400
test.describe.configure({ mode: 'serial', timeout: 240_000 })

let devnet: Devnet

test.beforeAll(async () => {
  devnet = await startDevnet({ basePort: BASE_PORT })
})

test.afterAll(async () => {
  await devnet?.stop()
})

const hasError = (m: LoggedMessage) => m.result?.Error !== undefined && m.result.Error !== null && m.result.Error !== ''
const cronAfter = (ms: LoggedMessage[], nonce: number) => ms.filter((m) => m.cron && m.id.startsWith(`cron:${nonce}.`))
/** evaluation order: (nonce, cron index) */
function ordinate(m: LoggedMessage): [number, number] {
  const c = /^cron:(\d+)\.(\d+)$/.exec(m.id)
  return c ? [Number(c[1]), Number(c[2])] : [m.nonce!, 0]
}
const key = (m: LoggedMessage) => ordinate(m).join('.')
const resultText = (m: LoggedMessage) => JSON.stringify({ Output: m.result?.Output ?? null, Error: m.result?.Error ?? null, Messages: m.result?.Messages ?? [] })

async function evaluated(page: Page): Promise<LoggedMessage[]> {
  const all = (await page.evaluate(() => window.compute.allMessages())).filter((m) => m.result !== undefined)
  return all.sort((a, b) => { const [x, y] = [ordinate(a), ordinate(b)]; return x[0] - y[0] || x[1] - y[1] })
}

/**
 * Indices 1..n after each nonce; timestamps never go back, and no tick runs twice (a cron may share
 * its message's timestamp: ticks start at the message, inclusive, as the reference's).
 */
function expectContiguous(ms: LoggedMessage[]): void {
  let last = -Infinity
  const ticks = new Set<number>()
  const next = new Map<number, number>()
  for (const m of ms) {
    const [n, c] = ordinate(m)
    if (c > 0) {
      expect(c, `cron index after nonce ${n}`).toBe((next.get(n) ?? 0) + 1)
      next.set(n, c)
      expect(ticks.has(m.timestamp), `tick ${m.timestamp} (${m.id}) evaluated twice`).toBe(false)
      ticks.add(m.timestamp)
    }
    expect(m.timestamp, `timestamp of ${m.id}`).toBeGreaterThanOrEqual(last)
    last = m.timestamp
  }
}

test('a quiet cron process ticks in the tab, the ticks are agreed, and a new message continues them exactly', async ({ page }) => {
  const { processId: pid, head } = await spawnCronProcess(devnet, 1)
  await openComputeHarness(page, devnet)
  await openIdleAt(page, pid, head)

  // No message is sent: ticks after the newest message appear and reach `agreed` on the CU's /cron.
  let idle: LoggedMessage[] = []
  await expect.poll(async () => {
    idle = cronAfter(await evaluated(page), head)
    return idle.filter((m) => !hasError(m) && m.verification.level === 'agreed').length
  }, { timeout: 90_000, intervals: [1000] }).toBeGreaterThanOrEqual(3)
  for (const m of idle) expect(m.verification.level, `${m.id}`).not.toBe('diverged')
  expect(await page.evaluate((h) => window.compute.status(), head)).toMatchObject({ state: 'idle', evaluatedHead: head })

  // A message now: the crons before it continue the idle ones (no repeat, no gap), then it runs.
  await sendMessage(devnet.urls.mu, loadKey('wallet-a'), pid, [{ name: 'Action', value: 'Eval' }], 'return Ticks')
  await page.evaluate(() => window.compute.close())
  await openIdleAt(page, pid, head + 1)
  await expect.poll(async () => cronAfter(await evaluated(page), head + 1).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(2)
  const resumed = await evaluated(page)
  expectContiguous(resumed)
  const msg = resumed.find((m) => m.nonce === head + 1 && !m.cron)!
  for (const m of cronAfter(resumed, head)) expect(m.timestamp).toBeLessThan(msg.timestamp)
  expect(cronAfter(resumed, head).length).toBeGreaterThanOrEqual(idle.length)
  // aos's `Ticks` counts the successful ticks before the message: none lost, none run twice.
  const okTicks = resumed.filter((m) => m.cron && !hasError(m) && ordinate(m)[0] <= head).length
  const said = /"data":"?(\d+)"?/.exec(JSON.stringify(msg.result?.Output))
  expect(Number(said?.[1]), `the message's Output ${JSON.stringify(msg.result?.Output)}`).toBe(okTicks)
  await page.evaluate(() => window.compute.close())

  // A clean run (empty cache) gives the same result for every evaluation both have.
  await page.evaluate((p) => window.compute.clear(p), pid)
  await openIdleAt(page, pid, head + 1)
  await expect.poll(async () => cronAfter(await evaluated(page), head + 1).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(cronAfter(resumed, head + 1).length)
  const clean = new Map((await evaluated(page)).map((m) => [key(m), resultText(m)]))
  for (const m of resumed) expect(clean.get(key(m)), `clean run at ${key(m)}`).toBe(resultText(m))
  console.log(`idle ticks before the message: ${cronAfter(resumed, head).length}; evaluations compared with a clean run: ${resumed.length}`)
  await page.evaluate(() => window.compute.close())
})
