/**
 * The console and the Send view of the built app against the devnet, as a user sees them:
 * - aos colours rendered (no escape codes as text), the input keeps its width under a long prompt,
 *   process output stays text (no markup);
 * - `.dryrun` runs as the process owner without a wallet, as the connected wallet with one, and says so;
 * - each sent Eval shows its way (Sent … evaluated), and offline: "Queued — will send when online",
 *   kept across navigation, delivered and evaluated once online;
 * - "Send a message to this process" prefills the target; a send to a wallet is a sentence with details;
 *   a blueprint failure has no class-name prefix.
 */
import { test, expect, type Page } from '@playwright/test'
import { loadKey } from '../devnet/keys'
import { TestWallet, type TestJwk } from './support/test-wallet'
import { appDevnet, devnetSettings, useSettings } from './support/app-devnet'

const DEVNET_PORT = 14150

test.describe.configure({ mode: 'serial', timeout: 300_000 })

const net = appDevnet(DEVNET_PORT)

const transcript = (page: Page) => page.getByRole('log', { name: 'Console output' })
async function type(page: Page, text: string) {
  const input = page.locator('#console-input')
  await expect(input).not.toHaveAttribute('aria-busy', 'true', { timeout: 120_000 })
  await input.fill(text)
  await input.press('Enter')
}

test('console: colours, width, text only, dry-run identity, send states offline and online, send view sentences', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await useSettings(context, devnetSettings(net.devnet, { blueprintBase: 'http://127.0.0.1:9/nowhere' }))
  const key = loadKey('demo')
  const wallet = new TestWallet(key.jwk as unknown as TestJwk)
  await wallet.install(context)
  await page.setViewportSize({ width: 900, height: 900 })
  const token = net.demo.processes.find((p) => p.kind === 'token')!
  await page.goto(`/#/process/${token.id}`)
  await expect(page.getByRole('status').first()).toContainText('Up to date', { timeout: 120_000 })

  // Item 13: the process page links to Send with the target filled in.
  await page.getByTestId('send-to-process').click()
  await expect(page).toHaveURL(new RegExp(`#/send/${token.id}$`))
  await expect(page.locator('#send-target')).toHaveValue(token.id)

  // Dry-run without a wallet: as the owner (aos evaluates Evals from its owner only).
  await page.goto(`/#/process/${token.id}/console`)
  await type(page, '.dryrun 1 + 41')
  await expect(transcript(page)).toContainText(`Dry-run as ${key.address} (the process owner); nothing is sent.`)
  await expect(transcript(page).locator('pre.output').last()).toHaveText('42', { timeout: 60_000 })

  // The prompt: aos colours as styled runs, no escape characters; the input keeps a usable width.
  const label = page.locator('label.prompt')
  await expect(label.locator('span.ansi-green').first()).toBeVisible()
  expect(await label.textContent()).not.toContain('\u001b')
  const widths = await page.evaluate(() => ({ input: document.querySelector('#console-input')!.getBoundingClientRect().width, box: document.querySelector('.console')!.getBoundingClientRect().width }))
  expect(widths.input).toBeGreaterThan(widths.box * 0.6)

  // Blueprint failure in words (no "BlueprintError:").
  await type(page, '.load-blueprint nothing-here')
  await expect(transcript(page).locator('pre.error').last()).toContainText('Could not fetch blueprint "nothing-here"')
  await expect(transcript(page)).not.toContainText('BlueprintError')

  // Connect the wallet; dry-run now runs as it.
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)
  await page.goto(`/#/process/${token.id}/console`)
  await type(page, '.dryrun 2 + 40')
  await expect(transcript(page)).toContainText(`Dry-run as ${wallet.address} (your connected wallet); nothing is sent.`)
  await expect(transcript(page).locator('pre.output').last()).toHaveText('42', { timeout: 60_000 })

  // An Eval: its line walks to "evaluated", then its output.
  await type(page, '1 + 41')
  const items = transcript(page).locator('pre.item')
  await expect(items.last()).toHaveAttribute('data-stage', 'evaluated', { timeout: 90_000 })
  await expect(items.last()).toContainText(/^Sent [A-Za-z0-9_-]{43}; evaluated\.$/)
  await expect(transcript(page).locator('pre.output').last()).toHaveText('42')

  // An error: red, no escape codes.
  await type(page, 'error("boom")')
  await expect(items.last()).toHaveAttribute('data-stage', 'evaluated', { timeout: 90_000 })
  await expect(transcript(page).locator('pre.error span.ansi-red').last()).toBeVisible()
  await expect(transcript(page)).toContainText('boom')
  expect(await transcript(page).textContent()).not.toContain('\u001b')

  // Markup from the process stays text.
  await type(page, 'return "<img src=x onerror=window.__xss=1>"')
  await expect(items.last()).toHaveAttribute('data-stage', 'evaluated', { timeout: 90_000 })
  await expect(transcript(page).locator('pre.output').last()).toHaveText('<img src=x onerror=window.__xss=1>')
  expect(await transcript(page).locator('img').count()).toBe(0)
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()

  // Offline: the Eval is signed and queued, and says so; the state survives leaving the console.
  await context.setOffline(true)
  await type(page, '40 + 2 + 1000')
  await expect(items.last()).toContainText(/^Signed [A-Za-z0-9_-]{43}\. Queued — will send when online\.$/, { timeout: 30_000 })
  const queuedText = await items.last().textContent()
  await page.locator('nav.tabs a').first().click() // the log tab
  await expect(page.locator('#console-input')).toHaveCount(0)
  await page.goto(`/#/process/${token.id}/console`)
  await expect(items.last()).toHaveText(queuedText!)
  await context.setOffline(false)
  await expect(items.last()).toHaveAttribute('data-stage', 'evaluated', { timeout: 120_000 })
  await expect(transcript(page).locator('pre.output').last()).toHaveText('1042')

  // Send to a wallet: a sentence, the raw answer behind "Details".
  await page.goto(`/#/send/${wallet.address}`)
  await page.locator('#send-tag-name-0').fill('Action')
  await page.locator('#send-tag-value-0').fill('Ping')
  await page.getByRole('button', { name: 'Sign and send' }).click()
  const alert = page.getByRole('alert')
  await expect(alert).toContainText('it is not a process this network knows', { timeout: 60_000 })
  await expect(alert).not.toContainText('{')
  await expect(alert).not.toContainText('http://')
  await page.getByText('Details', { exact: true }).click()
  await expect(page.locator('details.details pre')).toContainText('404')
  expect(errors).toEqual([])
})
