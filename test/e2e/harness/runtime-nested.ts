/**
 * A dedicated Worker standing in for the compute worker: it runs the RuntimeHost, which starts
 * the runtime as a nested Worker, as the app will. One request: spawn aos and Eval each code.
 */
import { RuntimeHost, spawnBrowserRuntimeWorker } from '../../../src/compute/runtime-host'
import { LogBuilder } from '../../fixtures/runtime-logs/log-builder'
import { MODULES } from '../../fixtures/runtime-logs/modules'

export interface NestedRequest { bytes: Uint8Array; codes: string[]; timeoutMs: number }
export type NestedReply = { ok: true; outcomes: { kind: string; output?: string; code?: string }[]; restarts: number } | { ok: false; error: string }

addEventListener('message', async (e: MessageEvent<NestedRequest>) => {
  try {
    const fixture = MODULES.aos2_0_6
    const b = new LogBuilder(fixture, 'e2e-nested')
    const host = await RuntimeHost.start({ bytes: e.data.bytes, options: { format: fixture.format }, spawnWorker: spawnBrowserRuntimeWorker, timeoutMs: e.data.timeoutMs })
    const spawn = await host.handle(b.entries[0]!.msg, b.env)
    if (spawn.kind !== 'result') throw new Error(`spawn: ${spawn.error.message}`)
    const outcomes: { kind: string; output?: string; code?: string }[] = []
    for (const code of e.data.codes) {
      const o = await host.handle(b.eval('eval', code), b.env)
      if (o.kind === 'result') {
        const data = (o.result.Output as { data?: unknown } | undefined)?.data
        outcomes.push({ kind: 'result', output: typeof data === 'string' ? data : JSON.stringify(data) })
      } else outcomes.push({ kind: 'error', code: o.error.code })
    }
    const reply: NestedReply = { ok: true, outcomes, restarts: host.restarts }
    host.close()
    postMessage(reply)
  } catch (err) {
    postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) } satisfies NestedReply)
  }
})
