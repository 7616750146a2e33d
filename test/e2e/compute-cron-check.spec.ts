/**
 * Cron evaluations cross-checked in the tab: a real aos process on the devnet with
 * `Cron-Interval: 1-second` (the ticks on one second in three error on purpose) is opened through the real node
 * client and the shipped compute worker (test/e2e/harness/compute.ts). The tab evaluates the crons
 * due between scheduled messages, checks each against the devnet CU's `/cron` (by timestamp and the
 * nonce it follows), stores a check record under the cron's own key, and moves the cron row to
 * `agreed`. Errored crons are not listed by a CU's `/cron`, so they stay `computed` with an `error`
 * check record: never `diverged`.
 */
import { test, expect } from '@playwright/test'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { spawnCronProcess } from './support/cron-process'
import { openComputeHarness, openIdleAt } from './support/compute-harness-page'
import type { ComputeHarness } from './harness/compute'
import type { LoggedMessage } from '../../src/node/contract'

declare global {
  interface Window { compute: ComputeHarness }
}

// Helper 4's ports (13400-13490).
const BASE_PORT = 13430
test.describe.configure({ mode: 'serial', timeout: 180_000 })

let devnet: Devnet
let pid = ''
let head = 0

test.beforeAll(async ({ browser }) => {
  devnet = await startDevnet({ basePort: BASE_PORT })
  ;({ processId: pid, head } = await spawnCronProcess(devnet))
  // Warm the Vite dev server (dependency optimisation reloads the page once).
  const warm = await browser.newPage()
  await openComputeHarness(warm, devnet)
  await warm.waitForTimeout(3000)
  await warm.close()
})

test.afterAll(async () => {
  await devnet?.stop()
})

const hasError = (m: LoggedMessage) => m.result?.Error !== undefined && m.result.Error !== null && m.result.Error !== ''

test('every cron evaluation is cross-checked on /cron: agreed, or (errored) unverifiable, never diverged', async ({ page }) => {
  await openComputeHarness(page, devnet)
  await openIdleAt(page, pid, head)

  // The cron rows reach their verdict (checks run in the background after evaluation).
  let crons: LoggedMessage[] = []
  await expect.poll(async () => {
    crons = (await page.evaluate(() => window.compute.allMessages())).filter((m) => m.cron)
    return crons.filter((m) => !hasError(m) && m.verification.level !== 'agreed').length
  }, { timeout: 60_000 }).toBe(0)

  const ok = crons.filter((m) => !hasError(m))
  const failed = crons.filter(hasError)
  expect(ok.length).toBeGreaterThanOrEqual(2)
  expect(failed.length).toBeGreaterThanOrEqual(1)
  for (const m of failed) expect(m.verification.level, `cron ${m.id}`).toBe('computed')
  expect(crons.every((m) => /^cron:\d+\.\d+$/.test(m.id))).toBe(true)

  // The cron row reads back by its id with the verdict.
  const one = await page.evaluate((id) => window.compute.message(id), ok[0]!.id)
  expect(one).toMatchObject({ id: ok[0]!.id, cron: true, verification: { level: 'agreed' } })

  // Check records are stored under each cron's (nonce, cron index), one per CU.
  const records = () => page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('aolight-e2e-compute')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    const all = await new Promise<{ nonce: number; cron: number; verdict: string }[]>((resolve, reject) => {
      const r = db.transaction('checks').objectStore('checks').getAll()
      r.onsuccess = () => resolve(r.result as { nonce: number; cron: number; verdict: string }[])
      r.onerror = () => reject(r.error)
    })
    db.close()
    return all.filter((c) => c.cron > 0).map((c) => `cron:${c.nonce}.${c.cron} ${c.verdict}`).sort()
  })
  const expected = [...ok.map((m) => `${m.id} agreed`), ...failed.map((m) => `${m.id} error`)].sort()
  // The process keeps ticking while idle: later ticks' records are not part of this comparison.
  const readIds = new Set(crons.map((m) => m.id))
  const recordsOfRead = async () => (await records()).filter((r) => readIds.has(r.split(' ')[0]!))
  await expect.poll(recordsOfRead, { timeout: 30_000 }).toEqual(expected)
  const events = await page.evaluate(() => window.compute.events())
  expect(events.filter((e) => e.type === 'divergence')).toEqual([])
  // Errored crons: a warning says the CU lists no such cron evaluation.
  const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.error.message] : []))
  expect(warnings.some((w) => w.includes('/cron lists no cron evaluation at timestamp'))).toBe(true)
  await page.evaluate(() => window.compute.close())
})
