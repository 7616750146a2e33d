/**
 * Renders the PWA icons (PNG) from the SVG sources in public/icons/ with Chromium, so the PNGs are
 * reproducible from committed sources: `node --import tsx scripts/generate-icons.ts`.
 * Uses Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) through Playwright.
 */
import { chromium } from '@playwright/test'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromiumArgs } from '../test/e2e/env'

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons')
const outputs = [
  { svg: 'icon.svg', png: 'icon-192.png', size: 192 },
  { svg: 'icon.svg', png: 'icon-512.png', size: 512 },
  { svg: 'icon-maskable.svg', png: 'icon-maskable-512.png', size: 512 },
  { svg: 'icon.svg', png: 'apple-touch-icon-180.png', size: 180 },
]

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs })
try {
  for (const o of outputs) {
    const page = await browser.newPage({ viewport: { width: o.size, height: o.size }, deviceScaleFactor: 1 })
    const svg = readFileSync(join(dir, o.svg), 'utf8')
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:transparent"><img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}" width="${o.size}" height="${o.size}" style="display:block"></body></html>`,
    )
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode())
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: o.size, height: o.size } })
    writeFileSync(join(dir, o.png), png)
    console.log(`${o.png}: ${o.size}×${o.size}, ${png.length} bytes`)
    await page.close()
  }
} finally {
  await browser.close()
}
