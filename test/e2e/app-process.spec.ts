/**
 * The process page in the built app against one devnet seeded with the demo processes (as
 * `npm start`): what a first user sees when a process is not on the configured network (one error
 * in words, Retry, a hint and a button to switch to the demo network, no moving bars, not added to
 * recent processes), the settled page once verified (every bar still and complete, cross-checked
 * N of N, the chart idle, the header naming the demo network and reachable), the cron counter
 * (ticks listed among the messages in time order, counted apart, each tick's link opens its
 * detail), and the header going offline and back.
 */
import { test, expect, type Page } from '@playwright/test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { seedDemo, writeDemoFile, type DemoFile } from '../devnet/seed'
import { sendMessage } from '../devnet/ao-http'
import { loadKey } from '../devnet/keys'

const DEVNET_PORT = 14200
const distDir = process.env.E2E_DIST ?? join(process.cwd(), 'dist')
const demoPath = join(distDir, 'demo-processes.json')
let devnet: Devnet
let demo: DemoFile
let seededAt = 0

test.describe.configure({ mode: 'serial', timeout: 240_000 })

test.beforeAll(async () => {
  test.setTimeout(180_000)
  devnet = await startDevnet({ basePort: DEVNET_PORT })
  demo = await seedDemo(devnet)
  seededAt = Date.now()
  writeDemoFile(demoPath, demo)
})
test.afterAll(async () => {
  rmSync(demoPath, { force: true })
  await devnet?.stop()
})

const byKind = (kind: string) => demo.processes.find((p) => p.kind === kind)!

async function firstVisit(page: Page) {
  await page.goto('/')
  await expect(page.getByText('aolight is ready to work offline.')).toBeVisible({ timeout: 20_000 })
  await page.getByRole('button', { name: 'OK' }).click()
}

/** No indeterminate (moving) progress bar on the page. */
async function expectNoMovingBars(page: Page) {
  await expect(page.locator('progress:not([value])')).toHaveCount(0)
}

test('process not on the configured network: one error in words, Retry, demo hint; switching opens it; settled page is still and complete', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await firstVisit(page)
  const token = byKind('token')

  // An id nobody has: one error, no "Warning … stored log", no leader line, no moving bars.
  const bogus = 'A'.repeat(43)
  await page.goto(`/#/process/${bogus}`)
  const failure = page.getByTestId('process-failure')
  await expect(failure).toBeVisible({ timeout: 60_000 })
  await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible()
  // The default endpoints don't answer here: say so, not that the process is elsewhere.
  await expect(page.getByTestId('demo-hint')).toContainText('did not answer')
  await expect(page.getByText('Could not read the stored log')).toHaveCount(0)
  await expect(page.locator('[data-role="leader"]')).toHaveCount(0)
  await expectNoMovingBars(page)
  const text = (await failure.textContent())!
  expect(text).not.toMatch(/^\s*(Error|NodeError|Stopped):/)
  expect(await page.getByText(text.trim().slice(0, 40)).count()).toBe(1)
  await page.waitForTimeout(1500) // a late log read must not add a second copy
  await expect(page.locator('.notice')).toHaveCount(1)

  // Retry on the same network fails the same way, once.
  await page.getByRole('button', { name: 'Retry' }).click()
  await expect(failure).toBeVisible({ timeout: 60_000 })
  await expect(page.locator('.notice')).toHaveCount(1)

  // The demo token on the default network: same hint; "Use the demo network" switches and opens it.
  await page.goto(`/#/process/${token.id}`)
  await expect(page.getByTestId('demo-hint')).toBeVisible({ timeout: 60_000 })
  await page.getByRole('button', { name: 'Use the demo network' }).click()
  await expect(page.getByRole('status').first()).toContainText('Up to date', { timeout: 120_000 })
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('aolight-demo-token')
  await expect(page.locator('[data-role="leader"]')).toBeVisible()

  // Header: the demo network by name, reachable.
  const pill = page.getByTestId('network-indicator')
  await expect(pill).toContainText('Demo network')
  await expect(pill).toHaveAttribute('data-reach', 'online', { timeout: 15_000 })

  // Settled: every row agreed, cross-checked N of N done, nothing moves, the chart says idle.
  const count = Number((await page.getByTestId('process-message-count').textContent())!.replace(/\D.*$/, ''))
  expect(count).toBeGreaterThan(10)
  await expect(page.locator('ul.log > li .badge.agreed')).toHaveCount(count, { timeout: 90_000 })
  const bars = page.getByRole('region', { name: 'Progress' })
  for (const label of ['Fetched', 'Verified', 'Evaluated', 'Cross-checked']) {
    await expect(bars.locator('.line', { hasText: label })).toContainText(`${count} of ${count} (100%)`)
    await expect(bars.locator('.line', { hasText: label })).toContainText('done')
  }
  await expectNoMovingBars(page)
  await expect(page.locator('figcaption')).toContainText('idle', { timeout: 5_000 })
  // The open evaluated the whole log in well under a sample's second: its rate still shows as the peak.
  await expect(page.getByRole('img', { name: /^Evaluation throughput: idle \(nothing to evaluate\), peak / })).toHaveAttribute('aria-label', /peak [1-9]/)
  await expect(page.getByText('Could not read the stored log')).toHaveCount(0)

  // Home: the token is listed by name; the unknown id never was.
  await page.goto('/#/')
  const recent = page.getByRole('region', { name: 'Recent processes' })
  await expect(recent.getByRole('link', { name: 'Demo token' })).toBeVisible()
  await expect(recent.getByText(bogus)).toHaveCount(0)
  expect(errors).toEqual([])
})

test('cron counter: ticks among the messages in time order, counted apart; a tick opens its detail', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const cron = byKind('cron')
  // Ticks are evaluated up to the next scheduled message: post one once a few ticks are due.
  const waitMs = 22_000 - (Date.now() - seededAt)
  if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs))
  await sendMessage(devnet.urls.mu, loadKey('demo'), cron.id, [{ name: 'Action', value: 'Count' }])

  await firstVisit(page)
  await page.getByRole('region', { name: 'Demo processes on the local network' }).getByRole('button', { name: 'Use the demo network' }).click()
  await page.goto(`/#/process/${cron.id}`)
  await expect(page.getByRole('status').first()).toContainText('Up to date: verified to nonce 1, evaluated to nonce 1', { timeout: 120_000 })

  // Two scheduled messages; the ticks between them are counted apart, never as messages.
  await expect(page.getByTestId('process-message-count')).toContainText(/^2, and \d+ cron ticks? evaluated/)
  const bars = page.getByRole('region', { name: 'Progress' })
  await expect(bars.locator('.line', { hasText: 'Evaluated' })).toContainText('2 of 2 (100%)')

  // Newest first: ticks due since nonce 1 (up to the SU's clock; none if the sync came soon
  // enough), nonce 1, the ticks between the two messages (newest first), nonce 0 at the bottom.
  const nonces = await page.locator('ul.log > li .nonce').allTextContents()
  const second = nonces.indexOf('1')
  expect(second).toBeGreaterThanOrEqual(0)
  expect(nonces.slice(0, second).every((n) => n === 'cron')).toBe(true)
  expect(nonces.length - second).toBeGreaterThan(2)
  expect(nonces[nonces.length - 1]).toBe('0')
  expect(nonces.slice(second + 1, -1).every((n) => n === 'cron')).toBe(true)
  const times = await page.locator('ul.log > li time').evaluateAll((ts) => ts.map((t) => Date.parse(t.getAttribute('datetime')!)))
  for (let i = 1; i < times.length; i++) expect(times[i - 1]!).toBeGreaterThanOrEqual(times[i]!)
  const between = page.locator('ul.log > li').nth(second + 1)
  await expect(between).toContainText('cron tick (no sender)')

  // A tick's link: a working detail view, not "Invalid message id".
  const tickLink = between.locator('a.mono')
  const href = (await tickLink.getAttribute('href'))!
  expect(href).toMatch(/^#\/message\/cron:0\.\d+\?process=/)
  await tickLink.click()
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Message')
  await expect(page.getByText('Invalid message id')).toHaveCount(0)
  await expect(page.locator('dl.meta')).toContainText('cron', { timeout: 60_000 })
  await expect(page.locator('dl.meta .badge')).toBeVisible()
  expect(errors).toEqual([])
})

test('header: offline when the browser is, reachable again when it is back', async ({ page, context }) => {
  await firstVisit(page)
  await page.getByRole('region', { name: 'Demo processes on the local network' }).getByRole('button', { name: 'Use the demo network' }).click()
  const pill = page.getByTestId('network-indicator')
  await expect(pill).toHaveAttribute('data-reach', 'online', { timeout: 15_000 })
  await context.setOffline(true)
  await expect(pill).toHaveAttribute('data-reach', 'offline', { timeout: 10_000 })
  await expect(pill).toContainText('offline')
  await context.setOffline(false)
  await expect(pill).toHaveAttribute('data-reach', 'online', { timeout: 15_000 })
})
