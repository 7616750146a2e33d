import { describe, it, expect, afterEach } from 'vitest'
import { CuClient } from '../../src/protocol/cu-client'
import { HttpClient } from '../../src/protocol/http'
import { sendJson, serve, closeTestServers, protocolFailure as failure } from './http-test-server'

afterEach(closeTestServers)
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 2000 })
const PID = 'P'.repeat(43)
const aosResult = {
  Output: { data: { output: '42', prompt: 'aos> ' } },
  Messages: [{ Target: 'T'.repeat(43), Anchor: '00000000000000000000000000000001', Tags: [{ name: 'Action', value: 'Hi' }], Data: 'x' }],
  Spawns: [],
  Assignments: [],
  GasUsed: 12,
}


describe('CuClient', () => {
  it('reads /result with process-id', async () => {
    const s = await serve((_r, res) => sendJson(res, aosResult))
    const r = await new CuClient(s.url, http).result('M1', PID)
    expect(r.Output).toEqual({ data: { output: '42', prompt: 'aos> ' } })
    expect(r.Messages[0]!.Tags).toEqual([{ name: 'Action', value: 'Hi' }])
    expect(r.GasUsed).toBe(12)
    expect(s.seen[0]!.path).toBe('/result/M1')
    expect(s.seen[0]!.query.get('process-id')).toBe(PID)
  })

  it('gives cu/busy on 202', async () => {
    const s = await serve((_r, res) => sendJson(res, { message: 'Evaluation in progress' }, 202))
    const e = await failure(new CuClient(s.url, http).result('M1', PID))
    expect(e.code).toBe('cu/busy')
    expect(e.message).toContain('Evaluation in progress')
  })

  it('names a malformed outbox message', async () => {
    const s = await serve((_r, res) => sendJson(res, { ...aosResult, Messages: [{ Target: 5, Tags: [] }] }))
    const e = await failure(new CuClient(s.url, http).result('M1', PID))
    expect(e.code).toBe('http/bad-shape')
    expect(e.details.field).toBe('Messages[0].Target')
  })

  it('pages /results by cursor', async () => {
    const cursors = ['c1', 'c2', 'c3', 'c4', 'c5']
    const s = await serve((r, res) => {
      const from = r.query.get('from')
      const start = from === null ? 0 : cursors.indexOf(from) + 1
      const limit = Number(r.query.get('limit'))
      const page = cursors.slice(start, start + limit)
      sendJson(res, { pageInfo: { hasNextPage: start + limit < cursors.length }, edges: page.map((c) => ({ cursor: c, node: { ...aosResult, Output: c } })) })
    })
    const got: unknown[] = []
    for await (const e of new CuClient(s.url, http).allResults(PID, { limit: 2, sort: 'ASC' })) got.push(e.node.Output)
    expect(got).toEqual(cursors)
    expect(s.seen.map((r) => r.query.get('from'))).toEqual([null, 'c2', 'c4'])
    expect(s.seen[0]!.query.get('sort')).toBe('ASC')
  })

  it('dry-runs with a JSON body and x-max-age, retrying on 429', async () => {
    let n = 0
    const s = await serve((_r, res) => (n++ === 0 ? (res.writeHead(429, { 'retry-after': '0' }), res.end()) : sendJson(res, aosResult)))
    const cu = new CuClient(s.url, new HttpClient({ retry: { retries: 2, baseDelayMs: 1 } }))
    const r = await cu.dryRun(PID, { Tags: [{ name: 'Action', value: 'Info' }], Data: '' }, { maxAgeMs: 500 })
    expect(r.Messages).toHaveLength(1)
    expect(s.seen).toHaveLength(2)
    const req = s.seen[1]!
    expect(req.method).toBe('POST')
    expect(req.query.get('process-id')).toBe(PID)
    expect(req.headers['x-max-age']).toBe('500')
    expect(JSON.parse(req.body.toString())).toEqual({ Tags: [{ name: 'Action', value: 'Info' }], Data: '' })
  })

  it('reads /state bytes and Last-* headers', async () => {
    const mem = Buffer.alloc(70_000, 7)
    const s = await serve((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': mem.length, 'last-timestamp': '1732000000000', 'last-ordinate': '17', 'last-block-height': '1500000' })
      res.end(mem)
    })
    const st = await new CuClient(s.url, http).state(PID)
    expect(st.memory.length).toBe(70_000)
    expect(st.memory[69_999]).toBe(7)
    expect(st).toMatchObject({ lastTimestamp: 1732000000000, lastOrdinate: '17', lastBlockHeight: 1500000 })
  })
})
