/**
 * Pending sends in the built app (Chromium, injected test wallet, real devnet). The app's MU is a
 * port in front of the devnet's MU that this test opens and closes: closed, every post fails with a
 * connection refused (the network is down); open, it forwards to the real MU.
 * 1. Sent while the MU is unreachable, the item is listed as retrying; the person cancels it (the
 *    confirmation states that an earlier attempt may still get through), the Send page says
 *    "Cancelled: not sent"; with the network back (and after a reload, which resumes the queue)
 *    it is never scheduled (the target's SU log) and is listed as cancelled. A second tab's list
 *    follows both changes live.
 * 2. A second item left queued across a reload is listed again after it, delivered exactly once when
 *    the network is back, and leaves the list once assigned.
 */
import { test, expect, type Page } from '@playwright/test'
import { createServer, request, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { spawnProcess } from '../devnet/ao-http'
import { SuClient } from '../../src/protocol/su-client'
import { TestWallet, type TestJwk } from './support/test-wallet'
import { devnetSettings, useSettings } from './support/app-devnet'

const DEVNET_PORT = 22030
const MU_GATE_PORT = 22080

test.describe.configure({ mode: 'serial', timeout: 180_000 })

/** A port that forwards to the devnet MU while open and refuses connections while closed. */
class MuGate {
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()
  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${MU_GATE_PORT}`
  }

  async open(): Promise<void> {
    if (this.server) return
    const to = new URL(this.target)
    const server = createServer((req, res) => {
      const up = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: { ...req.headers, host: to.host } }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers)
        r.pipe(res)
      })
      up.on('error', (e) => res.destroy(e))
      req.pipe(up)
    })
    server.on('connection', (s) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    await new Promise<void>((ok) => server.listen(MU_GATE_PORT, '127.0.0.1', ok))
    this.server = server
  }

  async close(): Promise<void> {
    const s = this.server
    this.server = null
    if (!s) return
    for (const c of this.sockets) c.destroy() // keep-alive connections would otherwise still reach the MU
    await new Promise<void>((ok) => s.close(() => ok()))
  }
}

let devnet: Devnet
let gate: MuGate
let target = ''
const key = loadKey('wallet-a')

test.beforeAll(async () => {
  test.setTimeout(180_000)
  devnet = await startDevnet({ basePort: DEVNET_PORT })
  gate = new MuGate(devnet.urls.mu)
  target = await spawnProcess(devnet.urls.mu, key, { module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, tags: [{ name: 'Authority', value: devnet.authority }] })
})
test.afterAll(async () => {
  await gate?.close()
  await devnet?.stop()
})

const logIds = async () => (await new SuClient(devnet.urls.su).getSchedulePage({ processId: target, limit: 1000 })).edges.map((e) => e.node.message?.id ?? e.node.assignment.id)

async function sendPing(page: Page, action: string): Promise<string> {
  await page.goto(`/#/send/${target}`)
  await page.locator('#send-tag-name-0').fill('Action')
  await page.locator('#send-tag-value-0').fill(action)
  await page.getByRole('button', { name: 'Sign and send' }).click()
  await expect(page.getByTestId('send-stage')).toContainText('retry', { timeout: 30_000 })
  const row = page.getByTestId('pending-sends').locator('li[data-status="queued"]')
  await expect(row).toHaveCount(1)
  return (await row.getAttribute('data-id'))!
}

test('an item sent while the MU is unreachable is listed as retrying, cancelled, and never scheduled', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await useSettings(context, devnetSettings(devnet, { crank: false, relayRoute: 'mu' }, { mu: gate.url }))
  const wallet = new TestWallet(key.jwk as unknown as TestJwk)
  await wallet.install(context)
  await page.goto('/#/wallet')
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)

  // A second tab of the same browser shows the same queue, live (no reload).
  const other = await context.newPage()
  await other.goto(`/#/send/${target}`)
  await expect(other.getByRole('button', { name: 'Sign and send' })).toBeVisible()

  await gate.close()
  const id = await sendPing(page, 'Ping-cancelled')
  const row = page.locator(`li[data-id="${id}"]`)
  await expect(row.getByTestId('pending-state')).toContainText(/retrying: attempt \d+ failed/)
  const otherRow = other.locator(`li[data-id="${id}"]`)
  await expect(otherRow).toHaveAttribute('data-status', 'queued', { timeout: 15_000 })
  await expect(row.getByRole("link")).toHaveAttribute("href", new RegExp(`^#/process/${target}(/log)?$`))

  // Keyboard: focus the row's Cancel and press Enter; the confirmation names the race.
  await row.getByRole('button', { name: 'Cancel' }).focus()
  await page.keyboard.press('Enter')
  await expect(row.getByTestId('pending-confirm')).toContainText('may have reached the network before its answer was lost')
  await expect(row.getByRole('button', { name: 'Yes, cancel it' })).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('alert').filter({ hasText: 'Cancelled: not sent' })).toBeVisible({ timeout: 10_000 })
  await expect(row).toHaveAttribute('data-status', 'cancelled')
  await expect(row.getByTestId('pending-state')).toContainText('cancelled: not sent')
  await expect(row.getByRole('button')).toHaveCount(1) // only the copy-id button: nothing left to cancel
  await expect(page.getByTestId('send-stage')).toHaveCount(0) // the form is free again
  await expect(otherRow).toHaveAttribute('data-status', 'cancelled', { timeout: 15_000 })
  await expect(otherRow.getByTestId('pending-state')).toContainText('cancelled: not sent')
  await other.close()

  // The network is back, and a reload resumes the queue: the cancelled item is never posted.
  await gate.open()
  await page.reload()
  await expect(page.locator(`li[data-id="${id}"]`)).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 })
  await page.waitForTimeout(3_000)
  expect(await logIds()).not.toContain(id)
  expect(errors).toEqual([])
})

test('an item left queued across a reload is delivered exactly once and leaves the list once assigned', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await useSettings(context, devnetSettings(devnet, { crank: false, relayRoute: 'mu' }, { mu: gate.url }))
  const wallet = new TestWallet(key.jwk as unknown as TestJwk)
  await wallet.install(context)
  await page.goto('/#/wallet')
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)

  await gate.close()
  const id = await sendPing(page, 'Ping-resumed')
  await page.reload() // the send in progress is gone with the page; the item stays in IndexedDB
  const row = page.locator(`li[data-id="${id}"]`)
  await expect(row).toHaveAttribute('data-status', 'queued', { timeout: 30_000 })
  await expect(row.getByTestId('pending-state')).toContainText(/retrying: attempt \d+ failed/, { timeout: 30_000 })
  expect(await logIds()).not.toContain(id)

  await gate.open()
  await expect(row).toHaveCount(0, { timeout: 60_000 }) // sent, then seen assigned on the SU
  expect((await logIds()).filter((x) => x === id)).toHaveLength(1)
  await page.reload()
  await expect(page.getByTestId('send-stage')).toHaveCount(0)
  await page.waitForTimeout(2_000)
  await expect(page.locator(`li[data-id="${id}"]`)).toHaveCount(0)
  expect((await logIds()).filter((x) => x === id)).toHaveLength(1)
  expect(errors).toEqual([])
})

test("the Send page's own Cancel stops the item being sent, after a confirmation once an attempt failed", async ({ page, context }) => {
  await useSettings(context, devnetSettings(devnet, { crank: false, relayRoute: 'mu' }, { mu: gate.url }))
  const wallet = new TestWallet(key.jwk as unknown as TestJwk)
  await wallet.install(context)
  await page.goto('/#/wallet')
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)

  await gate.close()
  const id = await sendPing(page, 'Ping-form-cancel')
  await page.locator('form').getByRole('button', { name: 'Cancel', exact: true }).click()
  await expect(page.getByTestId('send-cancel-confirm')).toContainText(`Stop sending ${id}?`)
  await page.screenshot({ path: process.env.PENDING_SCREENSHOT ?? test.info().outputPath('confirm.png'), fullPage: true })
  await page.getByRole('button', { name: 'Yes, cancel it' }).click()
  await expect(page.getByRole('alert').filter({ hasText: 'Cancelled: not sent' })).toContainText(id)
  await expect(page.locator(`li[data-id="${id}"]`)).toHaveAttribute('data-status', 'cancelled')
  await gate.open()
  await page.waitForTimeout(2_000)
  expect(await logIds()).not.toContain(id)
})

test('an item the network refused is listed as refused and can be discarded; it is never tried again', async ({ page, context }) => {
  await useSettings(context, devnetSettings(devnet, { crank: false, relayRoute: 'mu' }, { mu: gate.url }))
  const wallet = new TestWallet(key.jwk as unknown as TestJwk)
  await wallet.install(context)
  await page.goto('/#/wallet')
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)

  await gate.open()
  // A message to a wallet address: the devnet MU refuses it (no such process), a final verdict.
  await page.goto(`/#/send/${wallet.address}`)
  await page.locator('#send-tag-name-0').fill('Action')
  await page.locator('#send-tag-value-0').fill('Ping-refused')
  await page.getByRole('button', { name: 'Sign and send' }).click()
  await expect(page.getByRole('alert')).toContainText(`No process ${wallet.address} on the messenger at 127.0.0.1:${MU_GATE_PORT}: it is not a process this network knows`, { timeout: 60_000 })
  const row = page.getByTestId('pending-sends').locator('li[data-status="queued"]')
  await expect(row.getByTestId('pending-state')).toContainText(`refused: the 127.0.0.1:${MU_GATE_PORT} unit answered HTTP 404`)
  await expect(row.getByTestId('pending-state')).not.toContainText('{')
  const id = (await row.getAttribute('data-id'))!
  await row.getByRole('button', { name: 'Discard' }).click()
  await expect(row.getByTestId('pending-confirm')).toContainText('The network refused it; it will not be tried again.')
  await row.getByRole('button', { name: 'Yes, discard it' }).click()
  const done = page.locator(`li[data-id="${id}"]`)
  await expect(done).toHaveAttribute('data-status', 'cancelled')
  await expect(done.getByTestId('pending-state')).toHaveText('discarded (refused by the network)')
  await page.reload()
  await expect(page.locator(`li[data-id="${id}"]`)).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 })
})
