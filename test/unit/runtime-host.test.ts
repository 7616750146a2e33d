/**
 * The runtime host (src/compute/runtime-host.ts) with real worker threads and real aos2_0_6:
 * a runaway Eval is stopped by the watchdog (the worker is terminated), reported as
 * runtime/timeout, and the next message runs on the last good state, both from the journal
 * (no checkpoint since) and from a checkpoint. The event loop of the supervising thread keeps
 * ticking throughout. Runs on our runtime and, as a control, on the reference loader.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { RuntimeHost, type HostOutcome, type RuntimeHostEvent } from '../../src/compute/runtime-host'
import { spawnNodeRuntimeWorker } from './runtime-host-node-worker'
import { LogBuilder } from '../fixtures/runtime-logs/log-builder'
import { readModuleBytes } from '../fixtures/runtime-logs/module-bytes'
import { MODULES } from '../fixtures/runtime-logs/modules'


function evalOutput(o: HostOutcome): unknown {
  if (o.kind !== 'result') throw new Error(`expected a result, got ${o.error.code}: ${o.error.message}`)
  const out = o.result.Output as { data?: unknown }
  const d = out?.data
  return typeof d === 'object' && d !== null ? (d as { output?: unknown }).output : d
}

let host: RuntimeHost | undefined
afterEach(() => host?.close())

describe.each(['ours', 'reference'])('runtime host on %s runtime', (runtime) => {
  const mod = MODULES.aos2_0_6
  const bytes = readModuleBytes('aos2_0_6')

  async function startHost(checkpointEvery: number, events: RuntimeHostEvent[]) {
    const b = new LogBuilder(mod, `host-${runtime}-${checkpointEvery}`)
    host = await RuntimeHost.start({
      bytes,
      options: { format: mod.format },
      spawnWorker: () => spawnNodeRuntimeWorker(runtime),
      timeoutMs: 4000,
      checkpointEvery,
      onEvent: (e) => events.push(e),
    })
    const spawn = await host.handle(b.entries[0]!.msg, b.env)
    expect(spawn.kind).toBe('result')
    return b
  }

  for (const checkpointEvery of [1000, 1]) {
    test(`Eval 1 + 41, runaway stopped, state kept (${checkpointEvery === 1 ? 'from a checkpoint' : 'by journal replay'})`, async () => {
      const events: RuntimeHostEvent[] = []
      const b = await startHost(checkpointEvery, events)
      expect(evalOutput(await host!.handle(b.eval('eval', '1 + 41'), b.env))).toBe('42')
      expect(evalOutput(await host!.handle(b.eval('eval', 'Kept = "before the runaway"; return Kept'), b.env))).toBe('before the runaway')
      // a Lua error is an ordinary result (memory rolled back by the runtime): no restart, not journaled
      const failed = await host!.handle(b.eval('eval-error', 'Kept = "overwritten"; error("deliberate")'), b.env)
      expect(failed.kind === 'result' && failed.result.Error).toBeTruthy()
      expect(host!.restarts).toBe(0)

      let ticks = 0
      const ticker = setInterval(() => ticks++, 50)
      const runaway = b.eval('eval', 'while true do end')
      const t0 = performance.now()
      const stuck = await host!.handle(runaway, b.env)
      clearInterval(ticker)
      expect(stuck.kind).toBe('error')
      if (stuck.kind === 'error') {
        expect(stuck.error.code).toBe('runtime/timeout')
        expect(stuck.error.message).toContain(runaway.Id!)
        // timers may fire a hair early against performance.now
        expect(stuck.elapsedMs).toBeGreaterThanOrEqual(4000 - 50)
      }
      // the supervising thread stayed responsive while the module spun
      expect(ticks).toBeGreaterThan(((performance.now() - t0) / 50) * 0.5)
      expect(events.some((e) => e.type === 'timeout' && e.messageId === runaway.Id)).toBe(true)
      const restarted = events.find((e) => e.type === 'restarted')
      expect(restarted).toBeDefined()
      if (checkpointEvery === 1) expect(events.some((e) => e.type === 'checkpoint')).toBe(true)
      else expect(restarted).toMatchObject({ replayed: 3 })
      expect(host!.restarts).toBe(1)

      expect(evalOutput(await host!.handle(b.eval('eval', 'return Kept .. " / " .. (1 + 41)'), b.env))).toBe('before the runaway / 42')
      expect(host!.memoryByteLength).toBeGreaterThan(100_000_000)
    }, 90_000)
  }
})
