/**
 * Input errors a first-time user met, in the built app against the devnet:
 * - the home page opens what its own hint invites pasting (`#/process/<id>`, the address-bar URL,
 *   an explorer link) and says precisely when there is no id;
 * - the Send form refuses an empty tag value in the person's numbering ("Tag 1 (Action)"), marks
 *   that input aria-invalid and focuses it; `#/send/notanid` keeps the text and says why;
 * - the console warns, before and after sending, that an Eval from a wallet that is not the owner
 *   goes to the Inbox (and still sends it).
 */
import { test, expect, type Page } from '@playwright/test'
import { loadKey } from '../devnet/keys'
import { TestWallet, type TestJwk } from './support/test-wallet'
import { appDevnet, devnetSettings, useSettings } from './support/app-devnet'
import { appPort } from './env'

const DEVNET_PORT = 26000

test.describe.configure({ mode: 'serial', timeout: 240_000 })

const net = appDevnet(DEVNET_PORT)

async function openFromHome(page: Page, text: string) {
  await page.goto('/#/')
  await page.locator('#pid').fill(text)
  await page.getByRole('button', { name: 'Open', exact: true }).click()
}

test('home: opens bare ids, app links, address-bar URLs and explorer links; a precise error otherwise', async ({ page, context }) => {
  await useSettings(context, devnetSettings(net.devnet))
  const token = net.demo.processes.find((p) => p.kind === 'token')!
  const processUrl = new RegExp(`#/process/${token.id}(/log)?$`)
  for (const text of [`#/process/${token.id}`, `http://127.0.0.1:${appPort}/#/process/${token.id}/console`, `https://ao.link/#/entity/${token.id}`, token.id]) {
    await openFromHome(page, text)
    await expect(page, text).toHaveURL(processUrl)
  }
  await openFromHome(page, '#/process/<id>')
  await expect(page).toHaveURL(/#\/$/)
  const alert = page.locator('#pid-error')
  await expect(alert).toHaveText('No 43-character process id in "#/process/<id>". Paste a process id, or a link whose path or #-route holds one (like #/process/<id>).')
  await expect(page.locator('#pid')).toHaveAttribute('aria-describedby', 'pid-error')
})

test('send form: an empty tag value is named in the person\'s numbering; console: a non-owner Eval is said to go to the Inbox', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await useSettings(context, devnetSettings(net.devnet))
  const owner = loadKey('demo')
  const wallet = new TestWallet(loadKey('wallet-b').jwk as unknown as TestJwk)
  expect(wallet.address).not.toBe(owner.address)
  await wallet.install(context)
  await page.goto('/#/wallet')
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)
  const token = net.demo.processes.find((p) => p.kind === 'token')!

  await page.goto(`/#/send/${token.id}`)
  await page.locator('#send-tag-name-0').fill('Action')
  await page.locator('#send-tag-value-0').fill('')
  await page.getByRole('button', { name: 'Sign and send' }).click()
  await expect(page.getByRole('alert')).toHaveText('Tag 1 (Action): the value is empty.')
  // the error is tied to its input, and focus moved there
  const value0 = page.locator('#send-tag-value-0')
  await expect(value0).toHaveAttribute('aria-invalid', 'true')
  await expect(value0).toHaveAttribute('aria-describedby', 'send-error')
  await expect(value0).toBeFocused()
  // the second row numbered as the person sees it, even after an empty first row is dropped
  await page.locator('#send-tag-name-0').fill('')
  await page.getByRole('button', { name: 'Add tag' }).click()
  await page.locator('#send-tag-name-1').fill('Ping')
  await page.getByRole('button', { name: 'Sign and send' }).click()
  await expect(page.getByRole('alert')).toHaveText('Tag 2 (Ping): the value is empty.')
  await expect(page.locator('#send-tag-value-1')).toBeFocused()
  await expect(value0).not.toHaveAttribute('aria-invalid', 'true')
  expect(wallet.signs).toBe(0)

  // A link with a target that is not an id keeps it in the field and says what is wrong.
  await page.goto('/#/send/notanid')
  await expect(page.locator('#send-target')).toHaveValue('notanid')
  await expect(page.getByRole('alert')).toHaveText('A target process id is 43 characters long; this one has 7.')
  await expect(page.locator('#send-target')).toHaveAttribute('aria-invalid', 'true')

  await page.goto(`/#/process/${token.id}/console`)
  const warning = `You are not the owner (${owner.address.slice(0, 5)}…${owner.address.slice(-4)}); aos only runs Evals from its owner: this goes to its Inbox.`
  await expect(page.getByTestId('console-not-owner')).toHaveText(warning, { timeout: 120_000 })
  const input = page.locator('#console-input')
  await input.fill('1 + 1')
  await input.press('Enter')
  const log = page.getByRole('log', { name: 'Console output' })
  await expect(log.locator('pre.warning')).toHaveText(warning)
  // still sent: a message to the Inbox is legitimate
  await expect(log.locator('pre.item').last()).toContainText(/Sent|Posting|evaluated/, { timeout: 60_000 })
  expect(errors).toEqual([])
})
