/**
 * The process page in the built app when the network no longer serves a process it once did, and
 * when a process is one this node cannot verify:
 * - a demo process opened and verified, then the devnet restarted empty on the same ports (it no
 *   longer knows the process): reopening shows the cached, verified state with a warning that says
 *   so, and the badges stay as they were (nothing stored is deleted);
 * - a process spawned with `Variant: ao.N.1` (HyperBEAM) is refused before its log is read, with
 *   the title saying why.
 */
import { test, expect } from '@playwright/test'
import { postItem } from '../devnet/ao-http'
import { signItem } from '../devnet/data-item'
import { loadKey } from '../devnet/keys'
import { appDevnet, useDemoNetwork } from './support/app-devnet'

const DEVNET_PORT = 14500

test.describe.configure({ mode: 'serial', timeout: 240_000 })

const net = appDevnet(DEVNET_PORT, { writeDemo: true })

test('a HyperBEAM process (Variant ao.N.1) is refused up front with a title that says why', async ({ page }) => {
  const key = loadKey('demo')
  // Signed and scheduled for real on the devnet; only its Variant says mainnet.
  const item = await signItem(key.signer, {
    data: '1984',
    tags: [
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Variant', value: 'ao.N.1' },
      { name: 'Type', value: 'Process' },
      { name: 'Module', value: net.devnet.moduleIds.aos64 },
      { name: 'Scheduler', value: net.devnet.suAddress },
      { name: 'Authority', value: net.devnet.authority },
    ],
  })
  await postItem(`${net.devnet.urls.mu}/`, item)
  const record = await (await fetch(`${net.devnet.urls.su}/processes/${item.id}`)).json() as { tags: { name: string; value: string }[] }
  expect(record.tags).toContainEqual({ name: 'Variant', value: 'ao.N.1' })

  await useDemoNetwork(page)
  await page.goto(`/#/process/${item.id}`)
  await expect(page.getByText("This process runs on HyperBEAM, which this node can't verify yet")).toBeVisible({ timeout: 60_000 })
  await expect(page.getByTestId('process-failure')).toContainText(`process ${item.id} is tagged Variant ao.N.1 (mainnet)`)
  await expect(page.getByTestId('demo-hint')).toHaveCount(0)
  await expect(page.locator('ul.log > li')).toHaveCount(0) // no log page was read
})

test('the devnet restarted without the process: the cached, verified copy opens with a warning', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const token = net.demo.processes.find((p) => p.kind === 'token')!
  await useDemoNetwork(page)
  await page.goto(`/#/process/${token.id}`)
  await expect(page.getByRole('status').first()).toContainText('Up to date', { timeout: 120_000 })
  const count = Number((await page.getByTestId('process-message-count').textContent())!.replace(/\D.*$/, ''))
  expect(count).toBeGreaterThan(10)
  await expect(page.locator('ul.log > li .badge.agreed')).toHaveCount(count, { timeout: 90_000 })
  const verification = (await page.getByTestId('process-verification').textContent())!.trim()
  const firstRow = (await page.locator('ul.log > li').first().textContent())!
  // a log link's accessible name is the whole id (the text shows it shortened)
  await expect(page.getByRole('link', { name: `Message ${token.id}, nonce 0` })).toHaveCount(1)

  // A fresh devnet on the same ports: same SU key and Scheduler-Location, but no such process.
  // Meanwhile the user is on another page of the app; the process lingers in its worker.
  await page.getByRole('link', { name: 'Settings' }).click()
  // Settings names the network as the header does (not "Custom")
  await expect(page.getByTestId('settings-network-now')).toHaveText('Now: Demo network (the local network npm start runs)')
  await expect(page.getByRole('banner').getByRole('link', { name: 'Demo network' })).toBeVisible()
  await net.restartEmpty()
  const gone = await fetch(`${net.devnet.urls.su}/processes/${token.id}`)
  expect(gone.status).toBe(404)

  // Back to the process in the same document: the verified cache stays shown, with why.
  await page.goBack()
  await expect(page.getByTestId('cached-copy-warning')).toContainText(new RegExp(`The (scheduler|gateway) does not know this process any more; showing the cached copy \\(verified to nonce ${count - 1}\\)`), { timeout: 60_000 })
  await expect(page.getByRole('status').first()).toContainText(`Offline: showing the cache (verified to nonce ${count - 1}, evaluated to nonce ${count - 1})`)
  await expect(page.getByTestId('process-failure')).toHaveCount(0)

  // Without snapshots the tab evaluates the cached log again and every cross-check fails (the CU
  // forgot the process too): more warnings than the page lists, which must not hide why the cache
  // is shown. (CI hit this when the reload beat the snapshot taken on close.)
  await page.goto('about:blank') // a new document: no worker of the old one writes a snapshot after this
  await page.goto('/#/settings')
  await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('aolight')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    const tx = db.transaction(['snapshots', 'snapshotData'], 'readwrite')
    tx.objectStore('snapshots').clear()
    tx.objectStore('snapshotData').clear()
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error) })
    db.close()
  })
  await page.goto('about:blank')
  await page.goto(`/#/process/${token.id}`)
  const warning = page.getByTestId('cached-copy-warning')
  await expect(warning).toContainText(`The gateway does not know this process any more; showing the cached copy (verified to nonce ${count - 1})`, { timeout: 60_000 })
  await expect(page.getByTestId('process-failure')).toHaveCount(0)
  await expect(page.getByRole('status').first()).toContainText(`Offline: showing the cache (verified to nonce ${count - 1}, evaluated to nonce ${count - 1})`, { timeout: 60_000 })
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('aolight-demo-token')
  await expect(page.getByTestId('process-message-count')).toHaveText(String(count))
  await expect(page.getByTestId('process-verification')).toHaveText(verification)
  await expect(page.locator('ul.log > li .badge.agreed')).toHaveCount(count, { timeout: 30_000 })
  await expect(page.locator('ul.log > li').first()).toHaveText(firstRow)
  // the CU's failures are one counted warning, and the page still says why it shows the cache
  await expect(page.getByText(/^cross-check with http:\/\/127\.0\.0\.1:\d+: .* \(\d+ messages so far\)$/)).toHaveCount(1, { timeout: 30_000 })
  await expect(warning).toHaveCount(1)
  await expect(page.getByRole('status').first()).toContainText('Offline: showing the cache')
  expect(errors).toEqual([])
})
