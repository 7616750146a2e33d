import { test, expect, type Page } from '@playwright/test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SAMPLE_ID } from './ui-page-watch'
import { measureInitialJs, BUDGET_KB } from '../../bench/budget.bench'

// The built app the preview server serves (playwright.config.ts passes E2E_DIST to `vite preview`).
const distDir = process.env.E2E_DIST ?? join(process.cwd(), 'dist')

async function waitForActiveWorker(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready
    return reg.active?.scriptURL ?? ''
  })
}

test('the manifest is valid and every icon loads at its declared size', async ({ page }) => {
  await page.goto('/')
  const href = await page.locator('link[rel="manifest"]').getAttribute('href')
  expect(href).toBeTruthy()
  const res = await page.request.get(href!)
  expect(res.ok()).toBe(true)
  const m = await res.json()
  expect(m.name).toBe('aolight')
  expect(m.start_url).toBe('./')
  expect(m.display).toBe('standalone')
  expect(m.theme_color).toMatch(/^#[0-9a-f]{6}$/i)
  const purposes = (m.icons as { purpose: string; sizes: string }[]).map((i) => `${i.sizes} ${i.purpose}`)
  expect(purposes).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']))
  for (const icon of m.icons as { src: string; sizes: string; type: string }[]) {
    const url = new URL(icon.src, new URL(href!, page.url())).href
    const size = await page.evaluate(async (u) => {
      const r = await fetch(u)
      const bmp = await createImageBitmap(await r.blob())
      return { type: r.headers.get('content-type'), w: bmp.width, h: bmp.height }
    }, url)
    expect(size.type, icon.src).toBe(icon.type)
    expect(`${size.w}x${size.h}`, icon.src).toBe(icon.sizes)
  }
})

test('the built index.html has the CSP meta and no inline script or style', async ({ page }) => {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8')
  expect(html).toMatch(/<meta\s+http-equiv="Content-Security-Policy"/)
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag, 'every script has a src').toMatch(/\ssrc=/)
  expect(html).not.toMatch(/<script\b[^>]*>\s*[^<\s]/) // no script body
  expect(html).not.toMatch(/<style\b/)
  expect(html).not.toMatch(/\son[a-z]+=/i) // no inline event handlers
  // and the initial JavaScript stays within the budget
  expect(measureInitialJs(distDir).gzipKB).toBeLessThanOrEqual(BUDGET_KB)
  await page.goto('/')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('aolight')
})

test('the service worker precaches the shell: after one visit the app opens offline, deep links too', async ({ page, context }) => {
  await page.goto('/')
  expect(await waitForActiveWorker(page)).toMatch(/\/sw\.js$/)
  await expect(page.getByText('aolight is ready to work offline.')).toBeVisible()

  await context.setOffline(true)
  try {
    // really offline: something not precached cannot load
    const probe = await page.evaluate(() => fetch(`/not-precached-${Date.now()}.json`).then(() => 'loaded', () => 'failed'))
    expect(probe).toBe('failed')
    await page.reload()
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('aolight')
    await page.goto(`/#/process/${SAMPLE_ID}`)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Process')
    // a path the server never had is answered from the precached index.html (navigation fallback)
    await page.goto('/some/deep/path')
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('aolight')
    const styled = await page.evaluate(() => getComputedStyle(document.body).margin)
    expect(styled).toBe('0px') // the precached stylesheet applied
  } finally {
    await context.setOffline(false)
  }
})

test('a new version waits for the update prompt, then takes over after "Reload now"', async ({ page }) => {
  await page.goto('/')
  expect(await waitForActiveWorker(page)).toMatch(/\/sw\.js$/)
  // The first visit is not controlled (no clientsClaim); a waiting worker only waits while the old
  // one controls a page, so load once more under the worker.
  await page.reload()
  expect(await page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(true)
  const swPath = join(distDir, 'sw.js')
  const original = readFileSync(swPath, 'utf8')
  try {
    // A new build: one precache revision changes. Same length on purpose: the preview server
    // caches file sizes, so an edit must not change the length.
    const changed = original.replace(/revision:"([0-9a-f]{32})"/, (_m, rev: string) => `revision:"${[...rev].reverse().join('') === rev ? rev.replace(/^./, 'f') : [...rev].reverse().join('')}"`)
    expect(changed).not.toBe(original)
    expect(changed.length).toBe(original.length)
    writeFileSync(swPath, changed)
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update())
    const prompt = page.getByRole('alertdialog', { name: 'Update available' })
    await expect(prompt).toBeVisible({ timeout: 20_000 })
    const waitingBefore = await page.evaluate(async () => Boolean((await navigator.serviceWorker.getRegistration())?.waiting))
    expect(waitingBefore).toBe(true)
    await Promise.all([page.waitForEvent('load'), prompt.getByRole('button', { name: 'Reload now' }).click()])
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('aolight')
    const after = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration()
      return { waiting: Boolean(reg?.waiting), controlled: Boolean(navigator.serviceWorker.controller) }
    })
    expect(after).toEqual({ waiting: false, controlled: true })
    await expect(page.getByRole('alertdialog', { name: 'Update available' })).toHaveCount(0)
  } finally {
    writeFileSync(swPath, original)
  }
})
