/**
 * The compute harness page (test/e2e/harness/compute.html: the real node client and compute
 * worker, served by the Vite dev server) pointed at a devnet, and the wait for an opened process
 * to have evaluated up to a nonce. Shared by the cron specs.
 */
import { expect, type Page } from '@playwright/test'
import type { Devnet } from '../../devnet/devnet'
import { harnessUrl } from '../env'
import type { ComputeHarness } from '../harness/compute'

declare global {
  interface Window { compute: ComputeHarness }
}

/** Loads the harness on `devnet`'s endpoints; page errors go to the test log. */
export async function openComputeHarness(page: Page, devnet: Devnet): Promise<void> {
  page.on('pageerror', (e) => console.log('pageerror:', e.message))
  await page.goto(`${harnessUrl}/compute.html?${new URLSearchParams({ ...devnet.urls })}`)
  await page.waitForFunction(() => document.title === 'compute harness ready')
}

/** Opens `pid` in the harness and waits until it is idle with `head` evaluated (or stopped: then the expect fails). */
export async function openIdleAt(page: Page, pid: string, head: number): Promise<void> {
  await page.evaluate((p) => window.compute.open(p), pid)
  await page.waitForFunction((h) => {
    const st = window.compute.status()
    return st?.state === 'stopped' || (st?.state === 'idle' && st.evaluatedHead === h)
  }, head, { timeout: 120_000, polling: 200 })
  expect(await page.evaluate(() => window.compute.status())).toMatchObject({ state: 'idle', evaluatedHead: head })
}
