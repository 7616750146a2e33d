/**
 * Harness page for log verification in a Worker (bench/verify.bench.ts, test/e2e/verify.spec.ts):
 * `window.verifyHarness` is the comlink proxy of ./verify.worker.ts; the title says when it is up.
 */
import { wrap, type Remote } from 'comlink'
import type { VerifyHarnessApi } from './verify.worker'

declare global {
  interface Window {
    verifyHarness: Remote<VerifyHarnessApi>
  }
}

const worker = new Worker(new URL('./verify.worker.ts', import.meta.url), { type: 'module', name: 'aolight-verify' })
window.verifyHarness = wrap<VerifyHarnessApi>(worker)
document.title = 'verify harness ready'
