/**
 * The console's `.load-blueprint` in the built app: our own demo blueprints load from the app
 * itself (and say so), other names come from the blueprint URL base set in Settings, and a base
 * that cannot be reached (offline, or nothing listening) is a clear error naming the URL.
 */
import { test, expect } from '@playwright/test'
import { watchPage, SAMPLE_ID } from './ui-page-watch'

const AOS_BASE = 'https://raw.githubusercontent.com/permaweb/aos/main/blueprints'

test('settings: the blueprint URL base defaults to the aos repository, is validated, saved and kept', async ({ page }) => {
  await page.goto('/#/settings')
  const field = page.getByLabel('Blueprint URL base')
  await expect(field).toHaveValue(AOS_BASE)
  await field.fill('ftp://example.org/bp')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByRole('alert')).toHaveText('Blueprint URL base: only http and https URLs are allowed, not "ftp:".')
  await expect(field).toHaveAttribute('aria-invalid', 'true')
  await field.fill('http://127.0.0.1:9/my-blueprints/')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible()
  await page.reload()
  await expect(page.getByLabel('Blueprint URL base')).toHaveValue('http://127.0.0.1:9/my-blueprints')
  await page.getByRole('button', { name: 'Use the aos default' }).click()
  await expect(page.getByLabel('Blueprint URL base')).toHaveValue(AOS_BASE)
})

test('console: our own blueprint loads from the app; another name from an unreachable base or offline is a clear error', async ({ page, context }) => {
  const watch = await watchPage(page)
  await page.goto(`/#/process/${SAMPLE_ID}/console`)
  const input = page.getByRole('textbox', { name: 'aos>' })
  const log = page.getByRole('log')

  await input.fill('.load-blueprint token')
  await input.press('Enter')
  await expect(log).toContainText('Loaded aolight demo blueprint "token" (bundled with this app)')
  await expect(log).toContainText('Connect a wallet first') // the Eval needs a signer; the code was there

  // Default base, browser offline.
  await context.setOffline(true)
  await input.fill('.load-blueprint voting')
  await input.press('Enter')
  await expect(log).toContainText(`Could not fetch blueprint "voting" from ${AOS_BASE}/voting.lua: this browser is offline.`)
  await context.setOffline(false)

  // A base of our choosing where nothing listens.
  await page.goto('/#/settings')
  await page.getByLabel('Blueprint URL base').fill('http://127.0.0.1:9/bp')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible()
  await page.goto(`/#/process/${SAMPLE_ID}/console`)
  await input.fill('.load-blueprint voting')
  await input.press('Enter')
  await expect(log).toContainText('Loading blueprint "voting" from http://127.0.0.1:9/bp/voting.lua')
  await expect(log).toContainText('Could not fetch blueprint "voting" from http://127.0.0.1:9/bp/voting.lua: the network is unreachable')
  await input.fill('.help')
  await input.press('Enter')
  await expect(log).toContainText('cron-counter) first, else BASE/NAME.lua')
  expect(await watch.csp()).toEqual([])
})
