/**
 * Reads across the process leader's life cycle, in the built app against the devnet:
 * - one tab going back and forth between a process and its messages never shows "the tab that ran
 *   process … went away" or "process … is closed" (a view's close used to release the process
 *   while the next view opened it, which then followed its own closing handle);
 * - two tabs: the leader closes while the follower is reading a message; the follower takes over
 *   and answers its own pending read instead of failing it.
 */
import { test, expect, type Page } from '@playwright/test'
import { appDevnet, devnetSettings, useSettings } from './support/app-devnet'

const DEVNET_PORT = 14100

test.describe.configure({ mode: 'serial', timeout: 240_000 })

const net = appDevnet(DEVNET_PORT)

const rows = (page: Page) => page.locator('ul.log > li')
const role = (page: Page) => page.locator('p.role')
const BROKEN = /went away|is closed|Could not read/

/** The message page shows message `mid` read from the log, and no error. */
async function expectMessageShown(page: Page, mid: string) {
  await expect(page.locator('p.mono.id')).toHaveText(mid)
  await expect(page.getByRole('heading', { name: 'Tags' })).toBeVisible({ timeout: 30_000 })
  await expect(page.locator('main')).not.toContainText(BROKEN)
}

test('one tab: process → message → back, many times, never loses the process', async ({ page, context }) => {
  await useSettings(context, devnetSettings(net.devnet))
  const token = net.demo.processes.find((p) => p.kind === 'token')!.id
  await page.goto(`/#/process/${token}`)
  await expect(page.getByRole('status').first()).toContainText('Up to date', { timeout: 120_000 })
  const count = await rows(page).count()
  expect(count).toBeGreaterThan(3)

  for (let i = 0; i < 6; i++) {
    const link = rows(page).nth(i % count).locator('a.mono')
    const mid = (await link.getAttribute('title'))!
    await link.click()
    await expectMessageShown(page, mid)
    await page.goBack()
    await expect(rows(page)).toHaveCount(count, { timeout: 30_000 })
    await expect(role(page)).toHaveAttribute('data-role', 'leader')
    await expect(page.locator('main')).not.toContainText(BROKEN)
  }

  // Fast flips (no waiting in between), then the last page must still be right.
  const mid = (await rows(page).first().locator('a.mono').getAttribute('title'))!
  for (let i = 0; i < 4; i++) {
    await page.evaluate((h) => (location.hash = h), `#/message/${mid}?process=${token}`)
    await page.evaluate((h) => (location.hash = h), `#/process/${token}`)
  }
  await page.evaluate((h) => (location.hash = h), `#/message/${mid}?process=${token}`)
  await expectMessageShown(page, mid)

  // Away long enough for the process to close (10 s linger), then back: opened afresh, still clean.
  await page.evaluate(() => (location.hash = '#/'))
  await page.waitForTimeout(11_000)
  await page.evaluate((h) => (location.hash = h), `#/process/${token}`)
  await expect(page.getByRole('status').first()).toContainText('Up to date', { timeout: 60_000 })
  await expect(rows(page)).toHaveCount(count, { timeout: 30_000 })
  await expect(page.locator('main')).not.toContainText(BROKEN)
})

test('two tabs: the leader closes while the follower reads a message; the follower answers it itself', async ({ context }) => {
  await useSettings(context, devnetSettings(net.devnet))
  const token = net.demo.processes.find((p) => p.kind === 'token')!.id
  const a = await context.newPage()
  await a.goto(`/#/process/${token}`)
  await expect(role(a)).toHaveAttribute('data-role', 'leader', { timeout: 30_000 })
  await expect(a.getByRole('status').first()).toContainText('Up to date', { timeout: 120_000 })

  const b = await context.newPage()
  await b.goto(`/#/process/${token}`)
  await expect(role(b)).toHaveAttribute('data-role', 'follower', { timeout: 30_000 })
  const count = await rows(a).count()
  await expect(rows(b)).toHaveCount(count, { timeout: 30_000 })

  // A read answered by the leader first.
  const first = (await rows(b).nth(1).locator('a.mono').getAttribute('title'))!
  await rows(b).nth(1).locator('a.mono').click()
  await expectMessageShown(b, first)
  await b.goBack()

  // Now the leader goes away while B asks for another message.
  const mid = (await rows(b).nth(2).locator('a.mono').getAttribute('title'))!
  await Promise.all([b.evaluate((h) => (location.hash = h), `#/message/${mid}?process=${token}`), a.close()])
  await expectMessageShown(b, mid)
  await b.goBack()
  await expect(role(b)).toHaveAttribute('data-role', 'leader', { timeout: 30_000 })
  await expect(rows(b)).toHaveCount(count, { timeout: 30_000 })
  await expect(b.locator('main')).not.toContainText(BROKEN)
  // And reads keep working on the new leader.
  const again = (await rows(b).nth(0).locator('a.mono').getAttribute('title'))!
  await rows(b).nth(0).locator('a.mono').click()
  await expectMessageShown(b, again)
})
