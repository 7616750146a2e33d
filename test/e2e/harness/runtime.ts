/**
 * Harness page for test/e2e/runtime-worker.spec.ts: starts a RuntimeHost (src/compute) whose
 * runtime (src/wasm) runs in a real dedicated Worker, spawns an aos process in it and evaluates
 * Lua. The page shows each result in #result and counts animation frames and timer ticks, so
 * the test can tell the main thread never blocked while the module spun.
 */
import { RuntimeHost, spawnBrowserRuntimeWorker, type RuntimeHostEvent } from '../../../src/compute/runtime-host'
import { LogBuilder } from '../../fixtures/runtime-logs/log-builder'
import { MODULES, type ModuleName } from '../../fixtures/runtime-logs/modules'

const $ = (id: string) => document.getElementById(id)!
let frames = 0
let timerTicks = 0
const onFrame = () => {
  frames++
  $('frames').textContent = String(frames)
  requestAnimationFrame(onFrame)
}
requestAnimationFrame(onFrame)
setInterval(() => timerTicks++, 20)

let host: RuntimeHost | undefined
let builder: LogBuilder | undefined
const events: RuntimeHostEvent[] = []

export type EvalReply = { kind: 'result'; output: string; ms: number } | { kind: 'error'; code: string; message: string; ms: number }

function outputText(out: unknown): string {
  const data = typeof out === 'object' && out !== null ? (out as { data?: unknown }).data : out
  const text = typeof data === 'object' && data !== null ? (data as { output?: unknown }).output : data
  return typeof text === 'string' ? text : JSON.stringify(text)
}

const harness = {
  /** Fetch the module, start the host and evaluate the process message (spawn). */
  async start(module: ModuleName, moduleUrl: string, timeoutMs: number): Promise<{ memoryByteLength: number; ms: number }> {
    const t0 = performance.now()
    const res = await fetch(moduleUrl)
    if (!res.ok) throw new Error(`GET ${moduleUrl}: ${res.status}`)
    const bytes = new Uint8Array(await res.arrayBuffer())
    const fixture = MODULES[module]
    builder = new LogBuilder(fixture, `e2e-${module}`)
    host = await RuntimeHost.start({
      bytes,
      options: { format: fixture.format },
      spawnWorker: spawnBrowserRuntimeWorker,
      timeoutMs,
      onEvent: (e) => events.push(e),
    })
    const spawn = await host.handle(builder.entries[0]!.msg, builder.env)
    if (spawn.kind !== 'result') throw new Error(`spawn failed: ${spawn.error.code}: ${spawn.error.message}`)
    $('status').textContent = 'ready'
    return { memoryByteLength: host.memoryByteLength, ms: performance.now() - t0 }
  },
  /** Eval `code` as the owner; the reply is also shown in #result. */
  async evalLua(code: string): Promise<EvalReply> {
    if (!host || !builder) throw new Error('runtime harness: call start() first')
    const t0 = performance.now()
    $('status').textContent = 'evaluating'
    const o = await host.handle(builder.eval('eval', code), builder.env)
    const ms = performance.now() - t0
    const reply: EvalReply = o.kind === 'result'
      ? { kind: 'result', output: o.result.Error ? `Error: ${String(o.result.Error)}` : outputText(o.result.Output), ms }
      : { kind: 'error', code: o.error.code, message: o.error.message, ms }
    $('result').textContent = reply.kind === 'result' ? reply.output : `${reply.code}`
    $('status').textContent = 'ready'
    return reply
  },
  /** The host inside a Worker (as the compute worker runs it), the runtime in a nested Worker. */
  async nested(moduleUrl: string, codes: string[], timeoutMs: number): Promise<import('./runtime-nested').NestedReply> {
    const bytes = new Uint8Array(await (await fetch(moduleUrl)).arrayBuffer())
    const w = new Worker(new URL('./runtime-nested.ts', import.meta.url), { type: 'module' })
    try {
      return await new Promise((resolve, reject) => {
        w.onmessage = (e) => resolve(e.data)
        w.onerror = (e) => reject(new Error(`nested harness worker: ${e.message}`))
        w.postMessage({ bytes, codes, timeoutMs }, [bytes.buffer])
      })
    } finally {
      w.terminate()
    }
  },
  ticks: () => ({ frames, timerTicks }),
  events: () => events.map((e) => ({ ...e })),
  restarts: () => host?.restarts ?? 0,
}
export type RuntimeHarness = typeof harness
;(window as unknown as { runtime: RuntimeHarness }).runtime = harness
document.title = 'runtime harness ready'
