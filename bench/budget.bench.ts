/**
 * Initial JavaScript budget: what the browser must download before the app is interactive, read from
 * the built dist/ (`npx vite build` first; BUDGET_DIST overrides the folder). Counts the module
 * scripts in index.html and their static imports (transitively), gzip level 9, excluding .wasm and
 * lazily imported chunks. The budget: ≤ 100 KB gzip.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { row, type Bench } from './lib'

export const BUDGET_KB = 100

export interface InitialJs {
  files: { path: string; bytes: number; gzipBytes: number }[]
  gzipKB: number
  rawKB: number
  cssGzipKB: number
  /** lazily loaded JS chunks (dynamic import), not in the initial budget */
  lazyGzipKB: number
}

const gz = (b: Buffer) => gzipSync(b, { level: 9 }).length

export function measureInitialJs(distDir: string): InitialJs {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8')
  const local = (src: string) => join(distDir, src.replace(/^\.?\//, ''))
  const entries = [...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)].map((m) => local(m[1]!))
  const preloads = [...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => local(m[1]!))
  const seen = new Set<string>()
  const queue = [...entries, ...preloads]
  while (queue.length > 0) {
    const file = queue.shift()!
    if (seen.has(file) || !existsSync(file)) continue
    seen.add(file)
    const code = readFileSync(file, 'utf8')
    // static imports only: `import … from "./x.js"` and `import "./x.js"` (not `import("…")`)
    for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[\w*${}\s,]+from\s*)?["']([^"']+\.js)["']/g)) {
      queue.push(resolve(dirname(file), m[1]!))
    }
  }
  const files = [...seen].map((p) => {
    const b = readFileSync(p)
    return { path: p.slice(distDir.length + 1), bytes: b.length, gzipBytes: gz(b) }
  })
  const css = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => gz(readFileSync(local(m[1]!))))
  // every JS chunk emitted next to the page; those not reached statically load on demand
  const assets = join(distDir, 'assets')
  const allJs = existsSync(assets) ? readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => join(assets, f)) : []
  const lazy = allJs.filter((p) => !seen.has(p)).map((p) => gz(readFileSync(p)))
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / 1024
  return {
    files,
    gzipKB: sum(files.map((f) => f.gzipBytes)),
    rawKB: sum(files.map((f) => f.bytes)),
    cssGzipKB: sum(css),
    lazyGzipKB: sum(lazy),
  }
}

const bench: Bench = async () => {
  const here = dirname(fileURLToPath(import.meta.url))
  const distDir = resolve(process.env.BUDGET_DIST ?? join(here, '..', 'dist'))
  if (!existsSync(join(distDir, 'index.html'))) throw new Error(`budget: ${distDir}/index.html not found; run \`npx vite build\` first`)
  const m = measureInitialJs(distDir)
  const within = m.gzipKB <= BUDGET_KB
  return [
    row({
      group: 'budget',
      name: 'initial JS (gzip -9)',
      value: m.gzipKB,
      unit: 'KB',
      reference: { name: 'budget', value: BUDGET_KB },
      higherIsBetter: false,
      note: `${within ? 'within' : 'OVER'} the ${BUDGET_KB} KB budget; ${m.files.map((f) => f.path).join(', ')}`,
    }),
    row({ group: 'budget', name: 'initial JS (raw)', value: m.rawKB, unit: 'KB' }),
    row({ group: 'budget', name: 'initial CSS (gzip -9)', value: m.cssGzipKB, unit: 'KB' }),
    row({ group: 'budget', name: 'lazy JS chunks (gzip -9)', value: m.lazyGzipKB, unit: 'KB', note: 'dynamic imports, e.g. workbox-window; not initial' }),
  ]
}
export default bench
