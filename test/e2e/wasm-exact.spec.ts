/**
 * Our ao module runtime (src/wasm) is exact in Chromium too: each differential log
 * (test/fixtures/runtime-logs) runs in a real dedicated Worker, and for EVERY message the result
 * must equal @permaweb/ao-loader's (run here in Node with the CU's rollback), the memory size
 * must match, and SHA-256 of linear memory must match every HASH_EVERY messages and at the end.
 * Covers wasm64 (aos2_0_6, sqlite: memory64 with BigInt Memory.grow in Chromium) and wasm32
 * (aos2_0_4_32). The module bytes are served to the page from node_modules by Playwright.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test, expect } from '@playwright/test'
import { harnessUrl } from './env'
import type { WasmExactHarness } from './harness/wasm-exact'
import type { WasmExactStep } from './harness/wasm-exact-protocol'
import { generateLog } from '../fixtures/runtime-logs/generate-log'
import { readModuleBytes } from '../fixtures/runtime-logs/module-bytes'
import { MODULES, type ModuleName } from '../fixtures/runtime-logs/modules'
import { ReferenceRunner } from '../fixtures/runtime-logs/reference-runner'

declare global {
  interface Window { wasmExact: WasmExactHarness }
}

const HASH_EVERY = 10

/** The reference's report in the Worker's shape, computed here in Node. */
async function referenceSteps(name: ModuleName): Promise<WasmExactStep[]> {
  const log = generateLog(name)
  const ref = await ReferenceRunner.create(readModuleBytes(name), log.module.format)
  const steps: WasmExactStep[] = []
  for (const [i, e] of log.entries.entries()) {
    const o = await ref.handle(e.msg, log.env)
    const r = o.result
    const outcome = o.thrown !== undefined || !r
      ? JSON.stringify({ thrown: true })
      : JSON.stringify({ Output: r.Output, Messages: r.Messages ?? [], Spawns: r.Spawns ?? [], Assignments: r.Assignments ?? [], Error: r.Error })
    const mem = ref.memory()
    const step: WasmExactStep = { outcome, memoryByteLength: mem.byteLength }
    if (i % HASH_EVERY === 0 || i === log.entries.length - 1) step.sha256 = createHash('sha256').update(mem).digest('hex')
    steps.push(step)
  }
  return steps
}

for (const name of ['aos2_0_6', 'aos2_0_4_32', 'sqlite'] as ModuleName[]) {
  test(`${name}: in a Chromium Worker, every result and memory hash equal to ao-loader's`, async ({ page }) => {
    test.setTimeout(300_000)
    const want = await referenceSteps(name)
    const moduleUrl = `${harnessUrl}/__module__/${name}.wasm`
    await page.route(moduleUrl, (route) => route.fulfill({ body: readFileSync(MODULES[name].file), contentType: 'application/wasm' }))
    page.on('pageerror', (e) => console.log('pageerror:', e.message))
    await page.goto(`${harnessUrl}/wasm-exact.html`)
    await page.waitForFunction(() => document.title === 'wasm-exact harness ready')
    const reply = await page.evaluate((req) => window.wasmExact.run(req), { module: name, moduleUrl, hashEvery: HASH_EVERY })
    if (!reply.ok) throw new Error(`worker failed: ${reply.error}`)
    if (MODULES[name].format.startsWith('wasm64')) expect(reply.memoryGrowTakesBigInt, 'this Chromium should have the final memory64 API').toBe(true)

    expect(reply.steps.length).toBe(want.length)
    const mismatches: string[] = []
    for (const [i, w] of want.entries()) {
      const got = reply.steps[i]!
      if (got.outcome !== w.outcome) mismatches.push(`#${i}: result ${got.outcome.slice(0, 200)} vs reference ${w.outcome.slice(0, 200)}`)
      if (got.memoryByteLength !== w.memoryByteLength) mismatches.push(`#${i}: memory ${got.memoryByteLength} bytes vs reference ${w.memoryByteLength}`)
      if (got.sha256 !== w.sha256) mismatches.push(`#${i}: memory SHA-256 ${got.sha256} vs reference ${w.sha256}`)
    }
    expect(mismatches.slice(0, 20), mismatches.slice(0, 20).join('\n')).toEqual([])
    expect(want.filter((s) => s.sha256).length).toBeGreaterThan(want.length / HASH_EVERY)
    console.log(`${name}: ${want.length} messages in a Chromium Worker in ${reply.ms.toFixed(0)} ms (hashing included), all equal to ao-loader`)
  })
}
