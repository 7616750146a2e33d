import { test, expect } from '@playwright/test'
import { generateKeyPairSync } from 'node:crypto'
import Arweave from 'arweave'
import { loadKey } from '../devnet/keys'
import { TestWallet, type TestJwk } from './support/test-wallet'

// A fresh RSA-4096 keyfile, and its address as arweave-js computes it (independent of our code).
function makeKeyfile(): { json: string; address: Promise<string> } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 4096, publicExponent: 65537 })
  const jwk = { ...privateKey.export({ format: 'jwk' }), kty: 'RSA' }
  return { json: JSON.stringify(jwk), address: Arweave.init({}).wallets.jwkToAddress(jwk as never) }
}

test('keyfile import shows the Arweave address, kept in memory only; bad files get precise errors', async ({ page }) => {
  const key = makeKeyfile()
  await page.goto('/#/wallet')
  await page.getByLabel('Import an Arweave keyfile (JSON)').setInputFiles({ name: 'wallet.json', mimeType: 'application/json', buffer: Buffer.from(key.json) })
  const address = await key.address
  await expect(page.getByTestId('wallet-address')).toHaveText(address)
  await expect(page.getByRole('link', { name: `${address.slice(0, 5)}…${address.slice(-4)}` })).toBeVisible() // header
  expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('"d"') // no private key stored
  await page.reload()
  await expect(page.getByRole('button', { name: 'Connect browser wallet' })).toBeVisible() // forgotten on reload

  const pub = JSON.parse(key.json) as Record<string, string>
  delete pub.d
  await page.getByLabel('Import an Arweave keyfile (JSON)').setInputFiles({ name: 'pub.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(pub)) })
  await expect(page.getByRole('alert')).toHaveText('The keyfile has no "d": it is a public key, signing needs the private key.')
  await page.getByLabel('Import an Arweave keyfile (JSON)').setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('not json') })
  await expect(page.getByRole('alert')).toContainText('The keyfile is not JSON')
})

test('browser wallet: disabled with a reason when absent; connect, restore after reload, disconnect when injected', async ({ page, context }) => {
  await page.goto('/#/wallet')
  await expect(page.getByRole('button', { name: 'Connect browser wallet' })).toBeDisabled()
  await expect(page.getByText('No browser wallet found (window.arweaveWallet)')).toBeVisible()

  // A test wallet in the page, as wallet extensions inject it (Wander API, real RSA key signing in
  // the test process with arbundles); its permissions outlive a reload, like an extension's.
  const wallet = new TestWallet(loadKey('wallet-b').jwk as unknown as TestJwk)
  await wallet.install(context)
  const address = wallet.address
  await page.reload()
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(address)
  await page.reload()
  await expect(page.getByTestId('wallet-address')).toHaveText(address) // restored without a prompt
  await page.getByRole('button', { name: 'Disconnect' }).click()
  await expect(page.getByRole('button', { name: 'Connect browser wallet' })).toBeEnabled()
  await expect(page.getByRole('link', { name: 'Connect wallet' })).toBeVisible()
  expect(await page.evaluate(() => (window as unknown as { arweaveWallet: { getPermissions(): Promise<string[]> } }).arweaveWallet.getPermissions())).toEqual([]) // the wallet was told
})
