/**
 * `cli.ts --seed --demo-out`: the real CLI starts the devnet, seeds the demo processes and
 * writes the demo JSON; every listed process's SU log then verifies with aolight's own
 * LogChecker (signatures, nonces, hash chain, SU key), and the demo flows really happened.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SuClient } from '../../src/protocol/su-client'
import { LogChecker } from '../../src/protocol/log-check'
import type { DemoFile } from '../devnet/seed'

const BASE_PORT = 15830

describe('devnet --seed', () => {
  let child: ChildProcess
  let demo: DemoFile
  let seedMs = 0
  const out = join(mkdtempSync(join(tmpdir(), 'aolight-seed-')), 'demo-processes.json')

  beforeAll(async () => {
    const t0 = performance.now()
    child = spawn(process.execPath, ['--experimental-wasm-memory64', '--import', 'tsx', 'test/devnet/cli.ts', '--port', String(BASE_PORT), '--seed', '--demo-out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let log = ''
    await new Promise<void>((resolve, reject) => {
      // A generous bound: this guards against a hang, not a speed goal (seed time is printed; ~10 s idle).
      const timer = setTimeout(() => reject(new Error(`seeding did not finish in 150 s:\n${log}`)), 150_000)
      child.stdout!.on('data', (d: Buffer) => {
        log += d.toString()
        if (log.includes('demo list written')) (clearTimeout(timer), resolve())
      })
      child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
      child.on('exit', (code) => (clearTimeout(timer), reject(new Error(`cli exited with ${code}:\n${log}`))))
    })
    seedMs = performance.now() - t0
    console.log(`cli start + seed: ${Math.round(seedMs)} ms; ${/seeded .*/.exec(log)?.[0]}`)
    demo = JSON.parse(readFileSync(out, 'utf8')) as DemoFile
  }, 160_000)
  afterAll(() => {
    child?.kill('SIGTERM')
  })

  it('writes the network and the four demo processes', () => {
    expect(demo.network).toEqual({
      gateway: `http://127.0.0.1:${BASE_PORT}`,
      mu: `http://127.0.0.1:${BASE_PORT + 2}`,
      su: `http://127.0.0.1:${BASE_PORT + 3}`,
      cu: `http://127.0.0.1:${BASE_PORT + 4}`,
    })
    expect(demo.processes.map((p) => p.kind)).toEqual(['token', 'chat-speaker', 'chat-room', 'cron'])
    for (const p of demo.processes) {
      expect(p.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(p.name.length).toBeGreaterThan(0)
      expect(p.description.length).toBeGreaterThan(0)
    }
  })

  it("every demo process's log verifies with aolight's LogChecker", async () => {
    const su = new SuClient(demo.network.su)
    const counts: Record<string, number> = {}
    for (const p of demo.processes) {
      const proc = await su.getProcess(p.id)
      const scheduler = proc.tags.find((t) => t.name === 'Scheduler')!.value
      const checker = new LogChecker({ processId: p.id, scheduler: { address: scheduler } })
      let n = 0
      for await (const page of su.streamSchedule(p.id, { pageSize: 50 })) {
        const r = await checker.checkPage(page.edges)
        expect(r.failure).toBeUndefined()
        expect(r.verified.every((v) => v.level === 'chained')).toBe(true)
        n += r.verified.length
      }
      counts[p.kind] = n
    }
    // token: spawn + 12 transfers + Balance; speaker: spawn + 3 Say + 3 Posted + 3 Credit-Notice.
    expect(counts.token).toBe(14)
    expect(counts['chat-speaker']).toBe(10)
    expect(counts['chat-room']).toBeGreaterThanOrEqual(1 + 3 + 3 + 1)
    expect(counts.cron).toBe(1)
  })

  it('the flows ran: room history, token balances, monitored cron', async () => {
    const room = demo.processes.find((p) => p.kind === 'chat-room')!.id
    const token = demo.processes.find((p) => p.kind === 'token')!.id
    const dry = async (pid: string, action: string) => {
      const res = await fetch(`${demo.network.cu}/dry-run?process-id=${pid}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ Target: pid, Owner: 'x'.repeat(43), Tags: [{ name: 'Action', value: action }] }),
      })
      return (await res.json()) as { Messages: { Data: string }[] }
    }
    const history = JSON.parse((await dry(room, 'History')).Messages[0]!.Data) as { text: string }[]
    expect(history.map((h) => h.text)).toEqual(['gm from the devnet', 'every message here is signed and scheduled', 'and evaluated by a local CU'])
    const balances = JSON.parse((await dry(token, 'Balances')).Messages[0]!.Data) as Record<string, number>
    const sent = Array.from({ length: 12 }, (_, i) => 100 + i * 25).reduce((a, b) => a + b, 0)
    expect(Object.values(balances).reduce((a, b) => a + b, 0)).toBe(1_000_000)
    expect(1_000_000 - Math.max(...Object.values(balances))).toBe(sent)
    const cron = demo.processes.find((p) => p.kind === 'cron')!.id
    const crons = await fetch(`${demo.network.cu}/cron/${cron}`)
    expect(crons.status).toBe(200)
  })
})
