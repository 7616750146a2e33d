/**
 * The uploader setting in the built app (Settings view): the local preset's uploader is the devnet
 * gateway, the ao testnet preset's is the reference MU's `https://up.arweave.net`; a bad URL is
 * refused naming the field; a custom one is normalised, saved and still there after a reload.
 */
import { test, expect } from '@playwright/test'

test('settings: the uploader for pushes to wallets, per preset, validated, persisted', async ({ page }) => {
  await page.goto('/#/settings')
  const uploader = page.getByLabel('Uploader')
  await expect(uploader).toHaveValue('http://127.0.0.1:5000')

  await page.getByRole('button', { name: 'ao testnet' }).click()
  await expect(uploader).toHaveValue('https://up.arweave.net')

  await uploader.fill('ftp://bundler.example')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByRole('alert')).toHaveText('Uploader: only http and https URLs are allowed, not "ftp:".')
  await expect(uploader).toHaveAttribute('aria-invalid', 'true')

  await uploader.fill('https://bundler.example/')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Saved.')).toBeVisible()
  await expect(page.getByRole('link', { name: 'Custom' })).toBeVisible() // testnet units, another uploader
  await page.reload()
  await expect(page.getByLabel('Uploader')).toHaveValue('https://bundler.example')

  // Emptied: the gateway's own uploader (arweave.net → up.arweave.net), so the preset is testnet again.
  await page.getByLabel('Uploader').fill('')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByLabel('Uploader')).toHaveValue('https://up.arweave.net')
  await expect(page.getByRole('link', { name: 'ao testnet' })).toBeVisible()
})
