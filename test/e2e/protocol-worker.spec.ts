import { test, expect } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { harnessUrl } from './env'

// src/protocol must run unchanged in a dedicated Worker: arbundles-made items of every signature
// type decode and verify there with the same ids, tampered copies fail, and items signed there verify.
test('ANS-104 fixtures decode and verify inside a Chromium Worker', async ({ page }) => {
  const manifest = JSON.parse(readFileSync('test/fixtures/ans104/manifest.json', 'utf8')) as { name: string }[]
  await page.goto(`${harnessUrl}/protocol.html`)
  const verdicts = await page.evaluate(() => window.verifyFixturesInWorker())
  expect(verdicts.length).toBe(manifest.length + 3)
  for (const v of verdicts) {
    expect(v, v.name).toEqual({ name: v.name, idMatches: true, addressMatches: true, verified: true, tamperedRejected: true })
  }
})
