/**
 * The README's newcomer path in the built app (what `npm start` serves), against a devnet started
 * here and seeded with the demo processes exactly as `npm start` does (`seedDemo`, demo file written
 * into the served dist/): open the home page, switch to the demo network, open the demo token and
 * watch it verify to `agreed`, connect the test wallet (the demo owner's key, injected as
 * `window.arweaveWallet`), Eval in the console, send a transfer and see its result and the pushed
 * Credit-Notice in the receiving process's log. Screenshots of the main views go to
 * docs/screenshots/.
 */
import { test, expect, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadKey } from '../devnet/keys'
import { SuClient } from '../../src/protocol/su-client'
import { tagValue } from '../../src/protocol/wire-types'
import { TestWallet, type TestJwk } from './support/test-wallet'
import { appDevnet } from './support/app-devnet'

const DEVNET_PORT = 18500
// The README's screenshots: refreshed with UPDATE_SCREENSHOTS=1; a plain test run leaves docs/ alone
// (it writes them under test-results/ instead, still exercising every view).
const shots = process.env.UPDATE_SCREENSHOTS ? join(process.cwd(), 'docs', 'screenshots') : join(process.cwd(), 'test-results', 'screenshots')

test.describe.configure({ mode: 'serial', timeout: 300_000 })

const net = appDevnet(DEVNET_PORT, { writeDemo: true })
test.beforeAll(() => {
  mkdirSync(shots, { recursive: true })
})

const byKind = (kind: string) => net.demo.processes.find((p) => p.kind === kind)!

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false })
}

test('newcomer: demo token verified to agreed, wallet, console Eval, transfer with result and pushed Credit-Notice', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const wallet = new TestWallet(loadKey('demo').jwk as unknown as TestJwk)
  await wallet.install(context)
  await page.setViewportSize({ width: 1100, height: 900 })
  // Main-thread long tasks (> 50 ms), recorded from page start; the budget applies while a process syncs.
  await context.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] }
    w.__longTasks = []
    new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__longTasks.push({ start: e.startTime, duration: e.duration }))).observe({ type: 'longtask', buffered: true })
  })

  // Home: the demo processes from the file the devnet wrote; switch to its network.
  await page.goto('/')
  // the one-time "ready to work offline" note would cover the screenshots
  await expect(page.getByText('aolight is ready to work offline.')).toBeVisible({ timeout: 20_000 })
  await page.getByRole('button', { name: 'OK' }).click()
  const demos = page.getByRole('region', { name: 'Demo processes on the local network' })
  await expect(demos.getByRole('link', { name: 'Demo token' })).toBeVisible()
  await demos.getByRole('button', { name: 'Use the demo network' }).click()
  await expect(demos.getByRole('button', { name: 'Use the demo network' })).toHaveCount(0)
  await shot(page, 'home')

  // Process: fetched, verified, evaluated, cross-checked with the devnet CU, every message agreed.
  const token = byKind('token').id
  const syncStart = await page.evaluate(() => performance.now())
  await demos.getByRole('link', { name: 'Demo token' }).click()
  await expect(page).toHaveURL(new RegExp(`#/process/${token}`))
  await expect(page.getByRole('status').first()).toContainText('Up to date', { timeout: 120_000 })
  const rows = page.locator('ul.log > li')
  const total = net.demo.processes.length > 0 ? await expectLogLength(page, token) : 0
  await expect(rows).toHaveCount(total, { timeout: 60_000 })
  await expect(page.locator('ul.log .badge.agreed')).toHaveCount(total, { timeout: 120_000 })
  await expect(page.locator('ul.log .badge.diverged')).toHaveCount(0)
  await expect(page.getByText('Cross-checked')).toBeVisible()
  await expect(page.getByTestId('process-verification')).toContainText('agreed')
  const longTasks = await page.evaluate((t0) => (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.filter((x) => x.start >= t0), syncStart)
  console.log(`main-thread long tasks while the token synced: ${JSON.stringify(longTasks.map((x) => Math.round(x.duration)))}`)
  // The 50 ms budget is a benchmark figure (issue 6: "a benchmark, not a timed test"): recorded and
  // printed here, measured by bench/compute-browser; a loaded CI machine must not fail the path on it.
  test.info().annotations.push({ type: 'long-tasks', description: JSON.stringify(longTasks) })
  await shot(page, 'process')

  // Wallet: connect the injected browser wallet.
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)
  await shot(page, 'wallet')

  // Console: an Eval signed by the wallet, relayed to the MU, evaluated in this tab.
  await page.goto(`/#/process/${token}/console`)
  const input = page.locator('#console-input')
  await input.fill('1 + 41')
  await input.press('Enter')
  const transcript = page.getByRole('log', { name: 'Console output' })
  await expect(transcript.locator('pre.output').last()).toHaveText('42', { timeout: 60_000 })
  await input.fill('Balances[ao.id] or Ticker')
  await input.press('Enter')
  await expect(transcript.locator('pre.output').last()).toHaveText('ALD', { timeout: 60_000 })
  await shot(page, 'console')

  // Send: a transfer to the chat room process; its result here, and the Credit-Notice pushed to the room.
  const room = byKind('chat-room').id
  await page.goto(`/#/send/${token}`)
  await page.locator('#send-tag-name-0').fill('Action')
  await page.locator('#send-tag-value-0').fill('Transfer')
  await addTag(page, 1, 'Recipient', room)
  await addTag(page, 2, 'Quantity', '7')
  await page.getByRole('button', { name: 'Sign and send' }).click()
  await expect(page.getByText('Sent', { exact: true })).toBeVisible({ timeout: 30_000 })
  const result = page.getByRole('region', { name: 'Result' })
  await expect(result.getByText('Credit-Notice').first()).toBeVisible({ timeout: 90_000 })
  await expect(result.getByText('Debit-Notice').first()).toBeVisible()
  await shot(page, 'send')
  const sentId = (await page.locator('a.mono').filter({ hasText: /^[A-Za-z0-9_-]{43}$/ }).first().textContent())!.trim()

  // The pushed message: the room's log (read from its SU) holds the Credit-Notice Pushed-For our transfer ...
  const roomLog = (await new SuClient(net.devnet.urls.su).getSchedulePage({ processId: room, limit: 1000 })).edges.map((e) => e.node.message!)
  const credit = roomLog.filter((m) => m && tagValue(m.tags, 'Pushed-For') === sentId && tagValue(m.tags, 'Action') === 'Credit-Notice')
  expect(credit).toHaveLength(1)
  // ... and the app shows it there, verified, once the room is opened.
  await page.goto(`/#/process/${room}`)
  await expect(page.locator('ul.log > li').filter({ hasText: 'Credit-Notice' }).first()).toBeVisible({ timeout: 120_000 })

  // Settings: endpoints of the demo network, cross-check CUs, crank here and the relay route.
  await page.goto('/#/settings')
  await expect(page.getByRole('radio', { name: /Messenger Unit/ })).toBeChecked()
  await expect(page.locator('#set-cus')).toHaveValue(net.devnet.urls.cu)
  await shot(page, 'settings')
  expect(errors).toEqual([])
})

async function addTag(page: Page, index: number, name: string, value: string) {
  await page.getByRole('button', { name: 'Add tag' }).click()
  await page.locator(`#send-tag-name-${index}`).fill(name)
  await page.locator(`#send-tag-value-${index}`).fill(value)
}

/** How many log entries the SU serves for the process (what the app must list). */
async function expectLogLength(_page: Page, pid: string): Promise<number> {
  const page = await new SuClient(net.devnet.urls.su).getSchedulePage({ processId: pid, limit: 1000 })
  return page.edges.length
}
