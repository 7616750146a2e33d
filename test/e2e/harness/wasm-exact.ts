/**
 * Harness page for test/e2e/wasm-exact.spec.ts: runs one differential log in a fresh dedicated
 * Worker (wasm-exact.worker.ts) and hands its per-message report to the test.
 */
import type { WasmExactReply, WasmExactRequest } from './wasm-exact-protocol'

const harness = {
  run(req: WasmExactRequest): Promise<WasmExactReply> {
    const worker = new Worker(new URL('./wasm-exact.worker.ts', import.meta.url), { type: 'module', name: 'wasm-exact' })
    document.getElementById('status')!.textContent = `running ${req.module}`
    return new Promise<WasmExactReply>((resolve) => {
      worker.onmessage = (ev: MessageEvent<WasmExactReply>) => resolve(ev.data)
      worker.onerror = (ev) => resolve({ ok: false, error: `worker error: ${ev.message || 'script failed to load'}` })
      worker.postMessage(req)
    }).finally(() => {
      worker.terminate()
      document.getElementById('status')!.textContent = 'idle'
    })
  },
}

export type WasmExactHarness = typeof harness
;(window as unknown as { wasmExact: WasmExactHarness }).wasmExact = harness
document.getElementById('status')!.textContent = 'idle'
document.title = 'wasm-exact harness ready'
