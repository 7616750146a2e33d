/**
 * The Spawn view's defaults come from the network in use (built app, devnet seeded as `npm start`):
 * on the demo network the Scheduler is the address its SU announces (not the testnet's), the module
 * picker lists the gateway's modules by name, picking one fills the id, and spawning with those
 * defaults succeeds. A field the user typed is not overwritten.
 */
import { test, expect } from '@playwright/test'
import { loadKey } from '../devnet/keys'
import { TestWallet, type TestJwk } from './support/test-wallet'
import { appDevnet, useDemoNetwork } from './support/app-devnet'

const DEVNET_PORT = 14230

test.describe.configure({ mode: 'serial', timeout: 240_000 })

const net = appDevnet(DEVNET_PORT, { writeDemo: true })

test('spawn defaults: the SU announced scheduler, modules by name, spawn with the defaults', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const wallet = new TestWallet(loadKey('demo').jwk as unknown as TestJwk)
  await wallet.install(context)
  await useDemoNetwork(page)
  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)

  await page.getByRole('link', { name: 'Spawn' }).first().click()
  await expect(page.locator('#spawn-scheduler')).toHaveValue(net.devnet.suAddress, { timeout: 15_000 })
  await expect(page.getByTestId('spawn-scheduler-note')).toContainText(`announces`)
  await expect(page.getByTestId('spawn-modules-note')).toContainText('3 modules found', { timeout: 15_000 })
  const ids = Object.values(net.devnet.moduleIds)
  expect(ids).toContain(await page.locator('#spawn-module').inputValue())

  // The picker names the modules; choosing one fills the id field.
  const pick = page.locator('#spawn-module-pick')
  const labels = await pick.locator('option').allTextContents()
  for (const name of ['aos-2.0.6', 'aos-2.0.4-32', 'aos-sqlite']) expect(labels.some((l) => l.startsWith(name))).toBe(true)
  const aos64 = labels.find((l) => l.startsWith('aos-2.0.6'))!
  await pick.selectOption({ label: aos64 })
  await expect(page.locator('#spawn-module')).toHaveValue(net.devnet.moduleIds.aos64)
  await expect(page.locator('#spawn-module-hint')).toContainText('aos-2.0.6')

  // Free text stays possible: a typed id is kept and the picker says "another module".
  await page.locator('#spawn-module').fill('x'.repeat(43))
  await expect(pick).toHaveValue('')
  await pick.selectOption({ label: aos64 })

  await page.locator('#spawn-tag-name-0').fill('Name')
  await page.locator('#spawn-tag-value-0').fill('aolight-spawn-defaults')
  await page.getByRole('button', { name: 'Sign and spawn' }).click()
  await expect(page.getByText('Spawned', { exact: true })).toBeVisible({ timeout: 60_000 })
  await expect(page.getByRole('alert')).toHaveCount(0)
  expect(errors).toEqual([])
})
