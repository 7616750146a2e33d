/**
 * Dedicated Worker for the wasm-exact harness: generates a differential log (the same code the
 * Node tests use), runs it through our runtime and reports, per message, the result and the
 * memory size, and SHA-256 of linear memory (WebCrypto) at the hash points.
 */
import { loadAoModule, moduleOptionsFromTags } from '../../../src/wasm/index'
import { generateLog } from '../../fixtures/runtime-logs/generate-log'
import type { WasmExactReply, WasmExactRequest, WasmExactStep } from './wasm-exact-protocol'

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('')

/** Chromium's final memory64 JS API: Memory.grow on an i64 memory takes a BigInt. */
function memoryGrowTakesBigInt(): boolean {
  try {
    const m = new WebAssembly.Memory({ initial: 1n, maximum: 2n, address: 'i64' } as unknown as WebAssembly.MemoryDescriptor)
    m.grow(1n as unknown as number)
    return true
  } catch {
    return false
  }
}

async function run(req: WasmExactRequest): Promise<WasmExactReply> {
  const res = await fetch(req.moduleUrl)
  if (!res.ok) return { ok: false, error: `GET ${req.moduleUrl}: ${res.status}` }
  const bytes = new Uint8Array(await res.arrayBuffer())
  const log = generateLog(req.module)
  const options = { ...moduleOptionsFromTags(log.module.tags, log.env.Process.Tags), format: log.module.format }
  const inst = await loadAoModule(bytes, options)
  const steps: WasmExactStep[] = []
  const t0 = performance.now()
  for (const [i, e] of log.entries.entries()) {
    let outcome: string
    try {
      const r = await inst.handle(e.msg, log.env)
      outcome = JSON.stringify({ Output: r.Output, Messages: r.Messages ?? [], Spawns: r.Spawns ?? [], Assignments: r.Assignments ?? [], Error: r.Error })
    } catch {
      outcome = JSON.stringify({ thrown: true })
    }
    const step: WasmExactStep = { outcome, memoryByteLength: inst.memoryByteLength }
    if (i % req.hashEvery === 0 || i === log.entries.length - 1) {
      step.sha256 = hex(await crypto.subtle.digest('SHA-256', inst.memoryView() as Uint8Array<ArrayBuffer>))
    }
    steps.push(step)
  }
  return { ok: true, steps, ms: performance.now() - t0, memoryGrowTakesBigInt: memoryGrowTakesBigInt() }
}

self.onmessage = async (ev: MessageEvent<WasmExactRequest>) => {
  let reply: WasmExactReply
  try {
    reply = await run(ev.data)
  } catch (e) {
    reply = { ok: false, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }
  }
  self.postMessage(reply)
}
