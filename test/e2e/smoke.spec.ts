import { test, expect } from '@playwright/test'

test('the app shell says what it is, with no errors on load', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  await page.goto('/')
  await expect(page.getByRole('heading', { name: 'aolight', level: 1 })).toBeVisible()
  await expect(page.getByText('verifying ao light node')).toBeVisible()
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible()
  await expect(page.getByRole('link', { name: 'Local network' })).toBeVisible()
  expect(errors).toEqual([])
})

test('Chromium runs memory64 Wasm natively (aos modules need it)', async ({ page }) => {
  await page.goto('/')
  const ok = await page.evaluate(() => {
    // an empty module with one i64 memory: (memory i64 1)
    const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 4, 1])
    return WebAssembly.validate(bytes)
  })
  expect(ok).toBe(true)
})
