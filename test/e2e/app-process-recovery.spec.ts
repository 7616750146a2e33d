/**
 * The process page gets out of its dead ends by itself, in the built app on a real devnet:
 * - "Clear this process's cache" re-opens the process and re-verifies it from the network (the
 *   store fills again), as its dialog promises;
 * - a page opened offline from the service worker re-connects when the browser is back online;
 * - a cache cleared from Settings in another tab makes the open tab re-open from the network
 *   (not "This browser cannot store the process"); Settings asks first and lists what is stored;
 * - endpoints that do not answer are reported as an unreachable network, not a wrong network.
 */
import { test, expect, type BrowserContext, type Page } from '@playwright/test'
import { SuClient } from '../../src/protocol/su-client'
import { SETTINGS_KEY } from '../../src/node/settings'
import { sendMessage } from '../devnet/ao-http'
import { loadKey } from '../devnet/keys'
import { appDevnet, devnetSettings, useSettings } from './support/app-devnet'

// Helper U1's ports (25000-25090).
const DEVNET_PORT = 25000

test.describe.configure({ timeout: 240_000 })

const net = appDevnet(DEVNET_PORT)

const tokenId = () => net.demo.processes.find((p) => p.kind === 'token')!.id
const totalOf = async (pid: string) => (await new SuClient(net.devnet.urls.su).getSchedulePage({ processId: pid, limit: 1000 })).edges.length

/** How many process records, log entries and snapshots the app's IndexedDB holds for `pid` (plain IndexedDB API). */
function storedLog(page: Page, pid: string): Promise<{ processes: number; log: number; snapshots: number }> {
  return page.evaluate(async (pid) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('aolight')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    const req = <T,>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    const tx = db.transaction(['processes', 'log', 'snapshots'], 'readonly')
    const out = {
      processes: await req(tx.objectStore('processes').count(pid)),
      log: await req(tx.objectStore('log').count(IDBKeyRange.bound([pid, 0], [pid, Infinity]))),
      snapshots: await req(tx.objectStore('snapshots').index('by-ordinate').count(IDBKeyRange.bound([pid, 0, 0], [pid, Infinity, Infinity]))),
    }
    db.close()
    return out
  }, pid)
}

async function upToDate(page: Page, total: number, timeout = 120_000): Promise<void> {
  await expect(page.getByRole('status').first()).toContainText(`Up to date: verified to nonce ${total - 1}, evaluated to nonce ${total - 1}`, { timeout })
}

/** The demo token opened on the devnet and evaluated to its SU's head: its id and log length. */
async function openTokenUpToDate(page: Page, context: BrowserContext): Promise<{ pid: string; total: number }> {
  await useSettings(context, devnetSettings(net.devnet))
  const pid = tokenId()
  const total = await totalOf(pid)
  await page.goto(`/#/process/${pid}`)
  await upToDate(page, total)
  return { pid, total }
}

test('clearing the cache on the process page re-opens it and re-verifies it from the network', async ({ page, context }) => {
  const { pid, total } = await openTokenUpToDate(page, context)

  let asked = ''
  page.once('dialog', (d) => {
    asked = d.message()
    void d.accept()
  })
  await page.getByRole('button', { name: "Clear this process's cache" }).click()
  // Re-fetched and re-verified: the store holds the whole log again, and the page is live again.
  await expect.poll(() => storedLog(page, pid), { timeout: 60_000 }).toMatchObject({ processes: 1, log: total })
  await upToDate(page, total)
  expect(asked).toContain('It will be re-verified from the network')
  await expect(page.getByText('Cache cleared and re-opened from the network.')).toBeVisible({ timeout: 60_000 })
  await expect(page.getByRole('button', { name: "Clear this process's cache" })).toBeEnabled()
  await expect(page.locator('[data-role="leader"]')).toBeVisible()
})

test('a page opened offline re-connects by itself once the browser is back online', async ({ page, context }) => {
  await useSettings(context, devnetSettings(net.devnet))
  const pid = tokenId()
  const total = await totalOf(pid)
  await page.goto('/')
  await expect(page.getByText('aolight is ready to work offline.')).toBeVisible({ timeout: 20_000 })
  await page.goto(`/#/process/${pid}`)
  await upToDate(page, total)

  await context.setOffline(true)
  await page.reload() // served by the service worker
  await expect(page.getByRole('status').first()).toContainText(`Offline: showing the cache (verified to nonce ${total - 1}`, { timeout: 120_000 })
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible()
  // The network moves on meanwhile: one more message in the process's log.
  await sendMessage(net.devnet.urls.mu, loadKey('wallet-a'), pid, [{ name: 'Action', value: 'Balance' }])
  await expect.poll(() => totalOf(pid), { timeout: 30_000 }).toBe(total + 1)

  await context.setOffline(false)
  // Located the SU again and synced the new message: up to date, with its scheduler's URL known.
  await upToDate(page, total + 1, 90_000)
  await expect(page.getByText(net.devnet.urls.su, { exact: false }).first()).toBeVisible()
  await expect(page.getByTestId('process-notice')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0)
})

test('a cache cleared in Settings in another tab: the open tab re-opens from the network; Settings asks and lists what is stored', async ({ page, context }) => {
  const { pid, total } = await openTokenUpToDate(page, context)

  const settings = await context.newPage()
  await settings.goto('/#/settings')
  const list = settings.getByTestId('cached-processes')
  await expect(list).toContainText(pid, { timeout: 30_000 })
  await expect(list).toContainText('aolight-demo-token') // named, from the page's visit
  let asked = ''
  settings.once('dialog', (d) => {
    asked = d.message()
    void d.accept()
  })
  await list.getByRole('button', { name: 'Clear cache of aolight-demo-token' }).click()
  await expect(settings.getByTestId('no-cached-processes')).toBeVisible({ timeout: 60_000 })
  expect(asked).toContain(`Delete the cached log, results and snapshots of aolight-demo-token?`)

  // Tab A: says what happened and is re-verified from the network, never "cannot store".
  await expect(page.getByTestId('process-notice')).toContainText('cleared in another tab', { timeout: 60_000 })
  await upToDate(page, total)
  await expect(page.getByText('This browser cannot store the process')).toHaveCount(0)
  await expect.poll(() => storedLog(page, pid), { timeout: 60_000 }).toMatchObject({ processes: 1, log: total })

  // Cleared again while the browser is offline (tab A cannot re-open): tab A lets its copy go
  // without a parting snapshot, so the store stays empty; back online, it re-opens by itself.
  await context.setOffline(true)
  await settings.reload()
  settings.once('dialog', (d) => void d.accept())
  await list.getByRole('button', { name: 'Clear cache of aolight-demo-token' }).click()
  await expect(settings.getByTestId('no-cached-processes')).toBeVisible({ timeout: 60_000 })
  await expect(page.getByTestId('process-failure')).toContainText('nothing is cached for it', { timeout: 60_000 })
  await page.waitForTimeout(1_000)
  expect(await storedLog(settings, pid)).toEqual({ processes: 0, log: 0, snapshots: 0 })
  await context.setOffline(false)
  await upToDate(page, total)
  await settings.close()
})

test('endpoints that do not answer: "unreachable", not "not on this network"; a cached process says so too', async ({ page, context }) => {
  const { pid, total } = await openTokenUpToDate(page, context)

  const dead = 'http://127.0.0.1:9'
  await page.evaluate(([k, dead]) => {
    const s = JSON.parse(localStorage.getItem(k)!)
    s.endpoints = { ...s.endpoints, gateway: dead, mu: dead, su: dead, cus: [dead] }
    localStorage.setItem(k, JSON.stringify(s))
  }, [SETTINGS_KEY, dead] as const)

  // Nothing cached for this id, nothing answered: the network is unreachable, with Retry and Settings.
  const unknown = 'B'.repeat(43)
  await page.goto('about:blank')
  await page.goto(`/#/process/${unknown}`)
  await expect(page.getByTestId('process-failure')).toBeVisible({ timeout: 90_000 })
  await expect(page.getByText('The network is unreachable', { exact: true })).toBeVisible()
  await expect(page.getByTestId('unreachable-hint')).toContainText(dead)
  await expect(page.getByText("isn't on the network")).toHaveCount(0)
  await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Network settings' })).toBeVisible()

  // The cached token, the browser online: "unreachable", not "Offline".
  await page.goto(`/#/process/${pid}`)
  await expect(page.getByRole('status').first()).toContainText(`The network is unreachable: showing the cache (verified to nonce ${total - 1}`, { timeout: 120_000 })
  await expect(page.getByRole('button', { name: 'Try again' })).toBeVisible()
})

test('an id that is not a process says what it is (message, module, wallet) and offers no send / clear', async ({ page, context }) => {
  await useSettings(context, devnetSettings(net.devnet))
  const pid = tokenId()
  const page1 = await new SuClient(net.devnet.urls.su).getSchedulePage({ processId: pid, limit: 5 })
  const messageId = page1.edges.map((e) => e.node.message?.id).find((m) => m !== undefined && m !== pid)!
  expect(messageId).toBeTruthy()

  // The "Process" label and the id are separate words on a process's page.
  await page.goto(`/#/process/${pid}`)
  await expect(page.locator('.pid')).toHaveText(`Process ${pid}`, { timeout: 60_000 })

  await page.goto(`/#/process/${messageId}`)
  const kind = page.getByTestId('id-kind')
  await expect(kind).toContainText('It is an ao message', { timeout: 90_000 })
  await expect(page.getByText('This id is not a process', { exact: true })).toBeVisible()
  await expect(kind.getByRole('link', { name: 'open the message' })).toHaveAttribute('href', `#/message/${messageId}?process=${pid}`)
  await expect(page.getByTestId('send-to-process')).toHaveCount(0)
  await expect(page.getByRole('button', { name: "Clear this process's cache" })).toHaveCount(0)

  await page.goto(`/#/process/${net.devnet.moduleIds.aos64}`)
  await expect(page.getByTestId('id-kind')).toContainText('It is an ao module', { timeout: 90_000 })
  await expect(page.getByTestId('send-to-process')).toHaveCount(0)

  // The SU's wallet signed its Scheduler-Location record on the gateway.
  await page.goto(`/#/process/${net.devnet.suAddress}`)
  await expect(page.getByTestId('id-kind')).toContainText('It is a wallet address', { timeout: 90_000 })
})
