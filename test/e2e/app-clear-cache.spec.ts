/**
 * The per-process "Clear this process's cache" button in the built app: a process verified and
 * cached in IndexedDB is cleared by the button (its log, results, snapshots, checks and process
 * record are gone from IndexedDB, other processes' data stays), and opening it again re-fetches,
 * re-verifies and re-evaluates it to the same state: the same results, every message agreed again.
 */
import { test, expect, type Page } from '@playwright/test'
import { SuClient } from '../../src/protocol/su-client'
import { appDevnet, devnetSettings, useSettings } from './support/app-devnet'

// Helper 4's ports (13400-13490).
const DEVNET_PORT = 13420

test.describe.configure({ timeout: 240_000 })

const net = appDevnet(DEVNET_PORT)

interface Cached {
  processes: number
  log: number
  results: number
  snapshots: number
  checks: number
  /** every result of the process, [nonce, cron, result] in key order */
  resultValues: string
}

/** What the app's IndexedDB holds for one process, read in the page with the plain IndexedDB API. */
function cachedFor(page: Page, pid: string): Promise<Cached> {
  return page.evaluate(async (pid) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('aolight')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    const tx = db.transaction(['processes', 'log', 'results', 'snapshots', 'checks'], 'readonly')
    const req = <T,>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    const all = (store: string, range: IDBKeyRange) => req(tx.objectStore(store).getAll(range))
    const results = await all('results', IDBKeyRange.bound([pid, 0, 0], [pid, Infinity, Infinity]))
    const out = {
      processes: (await req(tx.objectStore('processes').getAll(pid))).length,
      log: (await all('log', IDBKeyRange.bound([pid, 0], [pid, Infinity]))).length,
      results: results.length,
      snapshots: (await req(tx.objectStore('snapshots').index('by-ordinate').getAll(IDBKeyRange.bound([pid, 0, 0], [pid, Infinity, Infinity])))).length,
      checks: (await all('checks', IDBKeyRange.bound([pid, 0, 0, ''], [pid, Infinity, Infinity, '\uffff']))).length,
      resultValues: JSON.stringify(results.map((r: { nonce: number; cron: number; result: unknown }) => [r.nonce, r.cron, r.result])),
    }
    db.close()
    return out
  }, pid)
}

async function openVerified(page: Page, pid: string, total: number): Promise<void> {
  await page.goto(`/#/process/${pid}`)
  await expect(page.getByRole('status').first()).toContainText(`Up to date: verified to nonce ${total - 1}, evaluated to nonce ${total - 1}`, { timeout: 120_000 })
  await expect(page.locator('ul.log .badge.agreed')).toHaveCount(total, { timeout: 60_000 })
}

test('clearing a cached process empties its IndexedDB data; reopening re-verifies it to the same state', async ({ page, context }) => {
  await useSettings(context, devnetSettings(net.devnet))
  const token = net.demo.processes.find((p) => p.kind === 'token')!.id
  const room = net.demo.processes.find((p) => p.kind === 'chat-room')!.id
  const su = new SuClient(net.devnet.urls.su)
  const totalOf = async (pid: string) => (await su.getSchedulePage({ processId: pid, limit: 1000 })).edges.length
  const [tokenTotal, roomTotal] = [await totalOf(token), await totalOf(room)]

  // Two processes cached; the token is the one cleared, the room must keep its data.
  await openVerified(page, room, roomTotal)
  const roomBefore = await cachedFor(page, room)
  await openVerified(page, token, tokenTotal)
  const before = await cachedFor(page, token)
  expect(before).toMatchObject({ processes: 1, log: tokenTotal, checks: tokenTotal })
  expect(before.results).toBeGreaterThanOrEqual(tokenTotal)

  page.once('dialog', (d) => {
    expect(d.message()).toContain(`Delete the cached log, results and snapshots of ${token}?`)
    void d.accept()
  })
  const clear = page.getByRole('button', { name: "Clear this process's cache" })
  await expect(clear).toBeEnabled()
  await clear.click()
  // The page re-opens the process at once: fetched and verified again from the network.
  await expect(page.getByText('Cache cleared and re-opened from the network.')).toBeVisible({ timeout: 60_000 })
  await expect.poll(async () => (await cachedFor(page, token)).log, { timeout: 30_000 }).toBe(tokenTotal)
  await expect.poll(async () => (await cachedFor(page, token)).results, { timeout: 30_000 }).toBe(before.results)
  expect((await cachedFor(page, token)).resultValues).toBe(before.resultValues)

  // Cleared from Settings with no page holding it: everything of that process is gone.
  await page.goto('/#/settings')
  page.once('dialog', (d) => {
    expect(d.message()).toContain('Delete the cached log, results and snapshots of')
    void d.accept()
  })
  await page.getByRole('button', { name: new RegExp(`^Clear cache of (.*${token}|aolight-demo-token|Demo token)`) }).click()
  await expect.poll(async () => cachedFor(page, token), { timeout: 30_000 })
    .toEqual({ processes: 0, log: 0, results: 0, snapshots: 0, checks: 0, resultValues: '[]' })
  // The other process keeps its data (its snapshots may grow: one is written when it is closed).
  const { snapshots: _s, ...roomKept } = roomBefore
  expect(await cachedFor(page, room)).toMatchObject(roomKept)

  // Opening it again: fetched and verified from the network, evaluated, cross-checked, same results.
  await page.goto('about:blank')
  await openVerified(page, token, tokenTotal)
  await expect.poll(async () => (await cachedFor(page, token)).checks, { timeout: 30_000 }).toBe(tokenTotal)
  const again = await cachedFor(page, token)
  expect(again).toMatchObject({ processes: 1, log: tokenTotal, results: before.results })
  expect(again.resultValues).toBe(before.resultValues)
})
