/**
 * The relay's finished pieces as the built app uses them, in Chromium against a devnet whose own
 * crank is switched off (DevnetCompute's private `crank` patched to a no-op in this Node process,
 * as relay-crank.spec.ts does), so every push is the tab's:
 * - Monitor crons: a cron process spawned from the app has the toggle on by default; its handler
 *   Sends to a second process, and each tick's message lands in that process's SU log exactly once
 *   (crank here); turned off, no more pushes.
 * - A keyfile remembered encrypted: import with a passphrase, reload, a wrong passphrase is refused
 *   in words, the right one unlocks and signs a message that reaches the SU; IndexedDB and
 *   localStorage never hold the JWK's private fields; Forget removes it.
 */
import { test, expect, type BrowserContext, type Page } from '@playwright/test'
import { loadKey } from '../devnet/keys'
import { sendMessage, spawnProcess } from '../devnet/ao-http'
import { SuClient } from '../../src/protocol/su-client'
import { tagValue } from '../../src/protocol/wire-types'
import { TestWallet, type TestJwk } from './support/test-wallet'
import { devnetSettings, useSettings } from './support/app-devnet'
import { crankHereDevnet } from './support/crank-here-devnet'

const DEVNET_PORT = 14340
const AO_ID = /^[A-Za-z0-9_-]{43}$/

test.describe.configure({ mode: 'serial', timeout: 240_000 })

const net = crankHereDevnet(DEVNET_PORT)

/** The app on the devnet with "crank here" (crank on, items straight to the SU). */
async function useDevnet(context: BrowserContext) {
  await useSettings(context, devnetSettings(net.devnet, { crank: true, relayRoute: 'su' }, { uploader: net.devnet.urls.gateway }))
}

const logOf = async (pid: string) => (await new SuClient(net.devnet.urls.su).getSchedulePage({ processId: pid, limit: 1000 })).edges.map((e) => e.node.message).filter((m) => m !== null)

test('Monitor crons: on for a process spawned here, each cron Send pushed once by the tab; off stops it', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await useDevnet(context)
  const key = loadKey('wallet-a')
  const wallet = new TestWallet(key.jwk as unknown as TestJwk)
  await wallet.install(context)
  const receiver = await spawnProcess(net.devnet.urls.mu, key, { module: net.devnet.moduleIds.aos64, scheduler: net.devnet.suAddress, tags: [{ name: 'Authority', value: net.devnet.authority }] })

  await page.goto('/#/wallet')
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)

  await page.goto('/#/spawn')
  // Fill the form once the view has its network defaults, so they can't land on what is typed.
  await expect(page.getByTestId('spawn-modules-note')).toContainText('found on the gateway')
  await expect(page.getByTestId('spawn-scheduler-note')).toContainText('announces')
  await page.locator('#spawn-module').fill(net.devnet.moduleIds.aos64)
  await page.locator('#spawn-scheduler').fill(net.devnet.suAddress)
  await page.locator('#spawn-tag-name-0').fill('Name')
  await page.locator('#spawn-tag-value-0').fill('h11-cron-ticker')
  await page.getByLabel('Run on a schedule').check()
  await page.locator('#spawn-cron').fill('1-second')
  await page.locator('#cron-tag-name-0').fill('Action')
  await page.locator('#cron-tag-value-0').fill('Tick')
  await page.getByRole('button', { name: 'Sign and spawn' }).click()
  await expect(page.getByText('Spawned', { exact: true })).toBeVisible({ timeout: 60_000 })
  const ticker = (await page.locator('a.mono').filter({ hasText: AO_ID }).first().textContent())!.trim()

  await sendMessage(net.devnet.urls.mu, key, ticker, [{ name: 'Action', value: 'Eval' }], `Handlers.add("tick", Handlers.utils.hasMatchingTag("Action", "Tick"), function (m)
    Ticks = (Ticks or 0) + 1; Send({ Target = "${receiver}", Action = "Tick-Seen", Count = tostring(Ticks) }) end)`)
  const ticks = async () => (await logOf(receiver)).filter((m) => tagValue(m.tags, 'Action') === 'Tick-Seen').map((m) => ({ from: tagValue(m.tags, 'From-Process'), count: Number(tagValue(m.tags, 'Count')) }))

  await page.goto(`/#/process/${ticker}`)
  const toggle = page.getByTestId('cron-monitor')
  await expect(toggle).toBeChecked({ timeout: 60_000 })
  await expect(page.getByTestId('cron-monitor-state')).toHaveAttribute('data-mode', 'here', { timeout: 60_000 })
  await expect.poll(async () => (await ticks()).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(3)

  await toggle.uncheck()
  await expect(page.getByTestId('cron-monitor-state')).toHaveAttribute('data-mode', 'off')
  await expect(page.getByTestId('cron-monitor-state')).toContainText('Off: this browser does not push')
  const stopped = (await ticks()).length
  await page.waitForTimeout(4_000) // ticks keep coming every second; none may be pushed now
  const all = await ticks()
  expect(all.length).toBe(stopped)
  expect(all.every((t) => t.from === ticker)).toBe(true)
  expect(all.map((t) => t.count)).toEqual(all.map((_, i) => i + 1)) // each tick's Send exactly once, none skipped
  // The choice is kept: after a reload the toggle is still off.
  await page.reload()
  await expect(page.getByTestId('cron-monitor')).not.toBeChecked({ timeout: 60_000 })
  expect(errors).toEqual([])
})

/** Every record of every IndexedDB store, and localStorage, as JSON text. */
async function storedText(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const parts: string[] = [JSON.stringify({ ...localStorage })]
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((ok, ko) => {
        const r = indexedDB.open(info.name!)
        r.onsuccess = () => ok(r.result)
        r.onerror = () => ko(r.error)
      })
      for (const name of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((ok, ko) => {
          const r = db.transaction(name).objectStore(name).getAll()
          r.onsuccess = () => ok(r.result)
          r.onerror = () => ko(r.error)
        })
        parts.push(JSON.stringify(all))
      }
      db.close()
    }
    return parts.join('\n')
  })
}

test('keyfile remembered encrypted: reload, wrong passphrase refused, unlock signs, no plaintext stored, forget', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('dialog', (d) => void d.accept())
  await useDevnet(context)
  const key = loadKey('wallet-b')
  const jwk = key.jwk as unknown as TestJwk & { d: string; p: string; q: string }
  const address = new TestWallet(jwk).address
  const target = await spawnProcess(net.devnet.urls.mu, key, { module: net.devnet.moduleIds.aos64, scheduler: net.devnet.suAddress, tags: [{ name: 'Authority', value: net.devnet.authority }] })
  const passphrase = 'correct horse battery'

  await page.goto('/#/wallet')
  await page.getByLabel('Remember on this device, encrypted with a passphrase').check()
  await page.locator('#new-passphrase').fill('short')
  const file = { name: 'wallet.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(jwk)) }
  await page.locator('#keyfile').setInputFiles(file)
  await expect(page.getByRole('alert')).toContainText('at least 8 characters')
  await expect(page.getByTestId('wallet-address')).toHaveCount(0)
  await page.locator('#new-passphrase').fill(passphrase)
  await expect(page.getByRole('alert'), 'the error goes once the passphrase is changed').toHaveCount(0)
  await page.locator('#keyfile').setInputFiles(file)
  await expect(page.getByTestId('wallet-address')).toHaveText(address, { timeout: 30_000 })
  await expect(page.getByText('also stored on this device, encrypted')).toBeVisible()

  const stored = await storedText(page)
  expect(stored).toContain('"ciphertext"')
  expect(stored).toContain(address)
  expect(stored).not.toMatch(/"d":|"p":|"q":|"dp":|"dq":|"qi":/)
  for (const secret of [jwk.d, jwk.p, jwk.q]) expect(stored).not.toContain(secret.slice(0, 40))

  await page.reload()
  await expect(page.getByTestId('stored-address')).toHaveText(address, { timeout: 30_000 })
  // the header says a stored keyfile waits to be unlocked, not "Connect wallet"
  await expect(page.getByRole('link', { name: 'Unlock wallet' })).toBeVisible()
  await expect(page.getByTestId('wallet-address')).toHaveCount(0)
  await page.locator('#unlock-passphrase').fill('wrong passphrase')
  await page.getByRole('button', { name: /^Unlock / }).click()
  await expect(page.getByRole('alert')).toHaveText(`The passphrase does not unlock the stored keyfile of ${address}.`, { timeout: 30_000 })
  await page.locator('#unlock-passphrase').fill(passphrase)
  await page.getByRole('button', { name: /^Unlock / }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(address, { timeout: 30_000 })
  await expect(page.getByText('Keyfile unlocked')).toBeVisible()

  // Sign a message with the unlocked key: it reaches the target's SU log, signed by that address.
  await page.goto(`/#/send/${target}`)
  await page.locator('#send-tag-value-0').fill('Unlocked-Hello')
  await page.getByRole('button', { name: 'Sign and send' }).click()
  await expect.poll(async () => (await logOf(target)).filter((m) => tagValue(m.tags, 'Action') === 'Unlocked-Hello').map((m) => m.owner.address), { timeout: 60_000 }).toEqual([address])

  await page.goto('/#/wallet')
  await page.getByRole('button', { name: 'Disconnect' }).click()
  await page.getByRole('button', { name: 'Forget' }).click()
  await expect(page.getByTestId('stored-address')).toHaveCount(0)
  await page.reload()
  await expect(page.getByRole('button', { name: 'Connect browser wallet' })).toBeVisible({ timeout: 30_000 })
  await expect(page.getByTestId('stored-address')).toHaveCount(0)
  expect(await storedText(page)).not.toContain('"ciphertext"')
  expect(errors).toEqual([])
})
