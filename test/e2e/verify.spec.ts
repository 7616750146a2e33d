/**
 * Log verification in a Chromium Worker (test/e2e/harness/verify.html) on a real devnet log:
 * the verify-worker pool (src/compute/verify-pool.ts, nested workers) and the calling thread give
 * the same verdicts; the offline path (reverifyStoredLog over IndexedDB) verifies the whole log;
 * a tampered message signature stops at its nonce with log/message-signature, and the first of
 * two faults is the one reported. Throughput is measured by bench/verify.bench.ts, not here.
 */
import { test, expect } from '@playwright/test'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { fillProcess, readLog } from './support/proof-log'
import { harnessUrl } from './env'
import type { VerifyHarnessApi } from './harness/verify.worker'
import type { Remote } from 'comlink'

declare global {
  interface Window { verifyHarness: Remote<VerifyHarnessApi> }
}

const BASE_PORT = 13210
test.describe.configure({ mode: 'serial', timeout: 120_000 })

let devnet: Devnet
let json = ''
let edges = 0

test.beforeAll(async () => {
  test.setTimeout(180_000)
  devnet = await startDevnet({ basePort: BASE_PORT })
  const { processId } = await fillProcess(devnet, { messages: 12 })
  const log = await readLog(devnet.urls.su, processId)
  edges = log.length
  json = JSON.stringify({ processId, suAddress: devnet.suAddress, edges: log })
})

test.afterAll(async () => {
  await devnet?.stop()
})

async function open(page: import('@playwright/test').Page): Promise<void> {
  await page.goto(`${harnessUrl}/verify.html`)
  await page.waitForFunction(() => document.title === 'verify harness ready', undefined, { timeout: 60_000 })
  expect(await page.evaluate((j) => window.verifyHarness.load(j), json)).toBe(edges)
}

test('the whole devnet log verifies in the pool, on the calling thread, and from IndexedDB', async ({ page }) => {
  await open(page)
  const pool = await page.evaluate(() => window.verifyHarness.checker(500, 'pool'))
  expect(pool).toMatchObject({ edges, head: edges - 1 })
  expect(pool.failure).toBeUndefined()
  expect(await page.evaluate(() => window.verifyHarness.poolWorkers())).toBeGreaterThan(0)
  const local = await page.evaluate(() => window.verifyHarness.checker(5, 'local'))
  expect(local).toMatchObject({ edges, head: edges - 1 })
  const stored = await page.evaluate(() => window.verifyHarness.stored('pool'))
  expect(stored).toMatchObject({ edges, head: edges - 1 })
  expect(stored.failure).toBeUndefined()
})

test('a tampered message signature stops at its nonce; of two faults the first is reported', async ({ page }) => {
  await open(page)
  // Action tag changed: the SU's JSON no longer matches what the sender signed.
  const retag = (n: number) => page.evaluate(async (nonce) => {
    await window.verifyHarness.tamper(nonce, 'message', { tags: [{ name: 'Action', value: 'Forged' }] })
  }, n)
  await retag(9)
  await retag(5)
  const pool = await page.evaluate(() => window.verifyHarness.checker(500, 'pool'))
  const local = await page.evaluate(() => window.verifyHarness.checker(500, 'local'))
  expect(pool.failure).toMatchObject({ code: 'log/message-signature', nonce: 5 })
  expect(pool.head).toBe(4)
  expect(local).toEqual({ ...pool, ms: local.ms })
})
