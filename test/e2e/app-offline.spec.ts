/**
 * Offline: after one visit that verified a process, cut the network (the browser context goes
 * offline and the devnet is stopped): the app loads from its service worker, and opening the
 * process again re-verifies it from IndexedDB, with its log, results and verification badges.
 */
import { test, expect } from '@playwright/test'
import { SuClient } from '../../src/protocol/su-client'
import { appDevnet, devnetSettings, useSettings } from './support/app-devnet'

const DEVNET_PORT = 18520

test.describe.configure({ timeout: 240_000 })

const fixture = appDevnet(DEVNET_PORT)

test('after one visit, offline: the app loads from the service worker and re-verifies a cached process', async ({ page, context }) => {
  const net = fixture.devnet
  await useSettings(context, devnetSettings(net))
  const room = fixture.demo.processes.find((p) => p.kind === 'chat-room')!.id
  const total = (await new SuClient(net.urls.su).getSchedulePage({ processId: room, limit: 1000 })).edges.length

  // The visit: the service worker installs; the process is fetched, verified, evaluated, checked.
  await page.goto('/')
  await expect(page.getByText('aolight is ready to work offline.')).toBeVisible({ timeout: 20_000 })
  await page.goto(`/#/process/${room}`)
  await expect(page.getByRole('status').first()).toContainText(`Up to date: verified to nonce ${total - 1}, evaluated to nonce ${total - 1}`, { timeout: 120_000 })
  await expect(page.locator('ul.log .badge.agreed')).toHaveCount(total, { timeout: 60_000 })

  // The network goes away: the page is offline and the ao units are gone.
  await context.setOffline(true)
  await fixture.stop()
  try {
    await page.goto('about:blank')
    await page.goto(`/#/process/${room}`)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('aolight-demo-room') // the process's Name tag, read from the cache
    await expect(page.getByRole('status').first()).toContainText(`Offline: showing the cache (verified to nonce ${total - 1}, evaluated to nonce ${total - 1})`, { timeout: 120_000 })
    // every message is there from the store, with its result and the verdict stored by the cross-check
    await expect(page.locator('ul.log > li')).toHaveCount(total)
    await expect(page.locator('ul.log .badge.agreed')).toHaveCount(total)
    await page.locator('ul.log > li').first().getByText('Result', { exact: true }).click()
    await expect(page.locator('ul.log > li').first().getByText('Output', { exact: true })).toBeVisible()
  } finally {
    await context.setOffline(false)
  }
})
