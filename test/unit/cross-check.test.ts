/**
 * Cross-check: result comparison rules, the queue against real local HTTP servers that answer
 * with every CU failure (busy 202, 404, 500, unreachable), and end to end against the devnet CU
 * (real aos, reference ao-loader) with our own runtime's results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, sendJson, type TestServer } from './http-test-server'
import { diffResults, canonicalJson, ABSENT } from '../../src/compute/result-diff'
import { CrossCheckQueue, checkAgainst, crossCheckerFor, toCheckRecord, type CheckOutcome } from '../../src/compute/cross-check'
import { CuClient } from '../../src/protocol/cu-client'
import { HttpClient } from '../../src/protocol/http'
import type { CheckRecord } from '../../src/store/records'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { fillProcess, foldLocally, readLog } from '../e2e/support/proof-log'

// Helper 10's ports.
const DEVNET_PORT = 17000

const aosResult = (data: string, extra: Record<string, unknown> = {}) => ({
  Output: { data, prompt: 'aos> ', print: true },
  Messages: [{ Target: 'T'.repeat(43), Anchor: '00000000000000000000000000000001', Tags: [{ name: 'Action', value: 'Ping' }], Data: 'p' }],
  Spawns: [],
  Assignments: [],
  ...extra,
})

describe('diffResults', () => {
  it('equal results (key order aside) agree', () => {
    const a = aosResult('42')
    const b = JSON.parse(JSON.stringify({ Spawns: [], Assignments: [], Messages: a.Messages, Output: { print: true, prompt: 'aos> ', data: '42' } }))
    expect(diffResults(a, b)).toEqual([])
  })

  it('names the Output key that differs, with JSON text of both values', () => {
    expect(diffResults(aosResult('42'), aosResult('43'))).toEqual([{ field: 'Output.data', local: '"42"', remote: '"43"' }])
    expect(diffResults({ Output: 'a' }, { Output: { data: 'a' } })).toEqual([{ field: 'Output', local: '"a"', remote: '{"data":"a"}' }])
  })

  it('compares outbox messages by content: Tags, Data, Target, count; never by id', () => {
    const a = aosResult('x')
    const b = aosResult('x')
    b.Messages = [{ ...b.Messages[0]!, Tags: [{ name: 'Action', value: 'Pong' }] }]
    expect(diffResults(a, b)).toEqual([{ field: 'Messages[0].Tags', local: '[{"name":"Action","value":"Ping"}]', remote: '[{"name":"Action","value":"Pong"}]' }])
    const c = aosResult('x')
    c.Messages = [...c.Messages, { ...c.Messages[0]!, Data: 'q' }]
    expect(diffResults(a, c)).toEqual([{ field: 'Messages.length', local: '1', remote: '2' }])
    const d = aosResult('x', { Spawns: [{ Tags: [], Data: 'code' }] })
    expect(diffResults(a, d)).toEqual([{ field: 'Spawns.length', local: '0', remote: '1' }])
    const e = aosResult('x')
    e.Messages = [{ ...e.Messages[0]!, Target: 'U'.repeat(43) }]
    expect(diffResults(a, e).map((x) => x.field)).toEqual(['Messages[0].Target'])
  })

  it('Error: present vs absent, and value; null counts as absent', () => {
    expect(diffResults({ Output: '' }, { Output: '', Error: 'boom' })).toEqual([{ field: 'Error', local: ABSENT, remote: '"boom"' }])
    expect(diffResults({ Output: '', Error: 'a' }, { Output: '', Error: 'b' })).toEqual([{ field: 'Error', local: '"a"', remote: '"b"' }])
    expect(diffResults({ Output: '', Error: null }, { Output: '' })).toEqual([])
  })

  it('canonical JSON sorts keys and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, undefined] } })).toBe('{"a":{"c":[2,null]},"b":1}')
  })
})

describe('checking against CUs over real HTTP', () => {
  let server: TestServer
  const busyCount = new Map<string, number>()
  const ids = { same: 'S'.repeat(43), other: 'O'.repeat(43), busy: 'B'.repeat(43), gone: 'G'.repeat(43), broken: 'X'.repeat(43), alwaysBusy: 'Y'.repeat(43) }
  const pid = 'P'.repeat(43)
  const http = new HttpClient({ timeoutMs: 2_000, retry: { retries: 0 } })

  beforeAll(async () => {
    server = await startServer((req, res) => {
      const id = req.path.split('/')[2] ?? ''
      if (req.query.get('process-id') !== pid) return sendJson(res, { error: 'process-id missing' }, 400)
      if (id === ids.same) return sendJson(res, aosResult('42'))
      if (id === ids.other) return sendJson(res, aosResult('41'))
      if (id === ids.busy) {
        const n = (busyCount.get(id) ?? 0) + 1
        busyCount.set(id, n)
        return n < 3 ? sendJson(res, { message: 'Evaluation in progress' }, 202) : sendJson(res, aosResult('42'))
      }
      if (id === ids.alwaysBusy) return sendJson(res, { message: 'Evaluation in progress' }, 202)
      if (id === ids.gone) return sendJson(res, { error: 'not found' }, 404)
      return sendJson(res, { error: 'internal' }, 500)
    })
  })
  afterAll(async () => {
    await server?.close()
  })

  const target = (messageId: string, nonce: number) => ({ processId: pid, messageId, nonce, local: aosResult('42') })

  it('agreed / diverged / unavailable (busy, 404, 500, unreachable)', async () => {
    const cu = new CuClient(server.url, http)
    expect(await checkAgainst(cu, target(ids.same, 1))).toMatchObject({ verdict: 'agreed', cu: server.url })
    const d = await checkAgainst(cu, target(ids.other, 2))
    expect(d).toMatchObject({ verdict: 'diverged', divergences: [{ messageId: ids.other, nonce: 2, cu: server.url, field: 'Output.data', local: '"42"', remote: '"41"' }] })
    expect(await checkAgainst(cu, target(ids.alwaysBusy, 3))).toMatchObject({ verdict: 'unavailable', reason: 'busy', status: 202 })
    expect(await checkAgainst(cu, target(ids.gone, 4))).toMatchObject({ verdict: 'unavailable', reason: 'not-found', status: 404 })
    const e = await checkAgainst(cu, target(ids.broken, 5))
    expect(e).toMatchObject({ verdict: 'unavailable', reason: 'status', status: 500 })
    if (e.verdict === 'unavailable') expect(e.message).toContain(`nonce 5`)
    // A closed port: nobody listens there.
    const dead = await startServer(() => undefined)
    const deadUrl = dead.url
    await dead.close()
    expect(await checkAgainst(new CuClient(deadUrl, http), target(ids.same, 6))).toMatchObject({ verdict: 'unavailable', reason: 'unreachable', cu: deadUrl })
  })

  it('the queue checks in the background against two CUs, retries the unavailable, and records every final verdict', async () => {
    const records: CheckRecord[] = []
    const seen: { o: CheckOutcome; attempt: number; final: boolean }[] = []
    const second = await startServer((req, res) => sendJson(res, aosResult(req.path.includes(ids.other) ? '41' : '42')))
    let inFlight = 0
    let maxInFlight = 0
    const counting = new HttpClient({
      timeoutMs: 2_000,
      retry: { retries: 0 },
      fetch: async (u, init) => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        try {
          return await fetch(u, init)
        } finally {
          inFlight--
        }
      },
    })
    const q = new CrossCheckQueue({
      cus: [new CuClient(server.url, counting), new CuClient(second.url, counting)],
      concurrency: 2,
      retryDelaysMs: [20, 20, 20],
      sink: { put: async (r) => void records.push(r) },
      onOutcome: (o, info) => seen.push({ o, ...info }),
      now: () => 1234,
    })
    busyCount.clear()
    q.add(target(ids.same, 1))
    q.add(target(ids.other, 2))
    q.add(target(ids.busy, 3))
    q.add(target(ids.gone, 4))
    expect(q.pending).toBeGreaterThan(0)
    await q.idle()
    await second.close()
    expect(maxInFlight).toBeLessThanOrEqual(2)
    const byKey = (cu: string, nonce: number) => records.find((r) => r.remote === cu && r.nonce === nonce)
    expect(records).toHaveLength(8)
    expect(byKey(server.url, 1)).toMatchObject({ verdict: 'agreed', processId: pid, cron: 0, checkedAt: 1234 })
    expect(byKey(second.url, 2)).toMatchObject({ verdict: 'diverged', divergences: [{ field: 'Output.data', local: '"42"', remote: '"41"' }] })
    // Busy twice, then answered: two warnings, then agreed.
    expect(seen.filter((s) => s.o.target.nonce === 3 && s.o.cu === server.url).map((s) => [s.o.verdict, s.final])).toEqual([['unavailable', false], ['unavailable', false], ['agreed', true]])
    expect(byKey(server.url, 3)?.verdict).toBe('agreed')
    // 404 every time: retried 3 times, then recorded as an error, never as a divergence.
    expect(seen.filter((s) => s.o.target.nonce === 4 && s.o.cu === server.url)).toHaveLength(4)
    expect(byKey(server.url, 4)).toMatchObject({ verdict: 'error', divergences: [] })
    expect(byKey(server.url, 4)?.error).toMatch(/404/)
    expect(byKey(second.url, 4)?.verdict).toBe('agreed')
  })

  it('close() drops pending retries and resolves idle()', async () => {
    const q = new CrossCheckQueue({ cus: [new CuClient(server.url, http)], retryDelaysMs: [60_000] })
    q.add(target(ids.alwaysBusy, 9))
    await new Promise((r) => setTimeout(r, 100))
    expect(q.pending).toBe(1)
    const idle = q.idle()
    q.close()
    await idle
    expect(q.pending).toBe(0)
  })

  it('crossCheckerFor: every CU at once, unavailable ones as error outcomes', async () => {
    const dead = await startServer(() => undefined)
    await dead.close()
    const out = await crossCheckerFor([new CuClient(server.url, http), new CuClient(dead.url, http)]).check({ processId: pid, messageId: ids.other, nonce: 2, result: aosResult('42') })
    expect(out[0]).toMatchObject({ verdict: 'diverged', cu: server.url, divergences: [{ field: 'Output.data' }] })
    expect(out[1]).toMatchObject({ verdict: 'error', cu: dead.url })
    if (out[1]!.verdict === 'error') expect(out[1]!.reason).toContain('nonce 2')
  })

  it('toCheckRecord keeps the field and both texts', () => {
    const r = toCheckRecord({ verdict: 'diverged', cu: 'http://cu', target: target(ids.other, 7), divergences: [{ messageId: ids.other, nonce: 7, cu: 'http://cu', field: 'Error', local: ABSENT, remote: '"x"' }] }, 5)
    expect(r).toEqual({ processId: pid, nonce: 7, cron: 0, remote: 'http://cu', checkedAt: 5, verdict: 'diverged', divergences: [{ field: 'Error', local: ABSENT, remote: '"x"' }] })
  })
})

describe('against the devnet CU', () => {
  let devnet: Devnet
  let pid = ''
  let local: Awaited<ReturnType<typeof foldLocally>>

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: DEVNET_PORT })
    pid = (await fillProcess(devnet, { messages: 12 })).processId
    const edges = await readLog(devnet.urls.su, pid)
    local = await foldLocally(devnet.urls.gateway, devnet.urls.su, pid, edges)
  }, 180_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  it('our runtime agrees with the devnet CU on every message, including errors and outbox pushes', async () => {
    const kinds = { error: 0, messages: 0 }
    for (const r of local.results) {
      if (r.result.Error) kinds.error++
      if ((r.result.Messages ?? []).length > 0) kinds.messages++
    }
    expect(kinds.error).toBeGreaterThan(0)
    expect(kinds.messages).toBeGreaterThan(0)
    const outcomes: CheckOutcome[] = []
    const q = new CrossCheckQueue({ cus: [new CuClient(devnet.urls.cu)], concurrency: 3, onOutcome: (o) => outcomes.push(o) })
    for (const r of local.results) q.add({ processId: pid, messageId: r.messageId, nonce: r.nonce, local: r.result })
    await q.idle()
    expect(outcomes).toHaveLength(local.results.length)
    expect(outcomes.filter((o) => o.verdict !== 'agreed')).toEqual([])
  })

  it('a result that differs from the devnet CU is a divergence naming the field', async () => {
    const r = local.results.find((x) => (x.result.Messages ?? []).length > 0)!
    const changed = structuredClone(r.result)
    const m = changed.Messages[0] as { Tags: { name: string; value: string }[] }
    m.Tags = m.Tags.map((t) => (t.name === 'Action' ? { ...t, value: t.value + '-tampered' } : t))
    const o = await checkAgainst(new CuClient(devnet.urls.cu), { processId: pid, messageId: r.messageId, nonce: r.nonce, local: changed })
    expect(o.verdict).toBe('diverged')
    if (o.verdict === 'diverged') {
      expect(o.divergences.map((d) => d.field)).toEqual(['Messages[0].Tags'])
      expect(o.divergences[0]!.local).toContain('-tampered')
      expect(o.divergences[0]!.remote).not.toContain('-tampered')
    }
  })
})
