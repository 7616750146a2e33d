import { describe, it, expect, afterEach } from 'vitest'
import { MuClient } from '../../src/protocol/mu-client'
import { HttpClient } from '../../src/protocol/http'
import { sendJson, serve, closeTestServers, protocolFailure as failure } from './http-test-server'

afterEach(closeTestServers)
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 2000 })
const PID = 'P'.repeat(43)

describe('MuClient', () => {
  it('posts a signed item and reads the 202 answer', async () => {
    const s = await serve((_r, res) => sendJson(res, { message: 'Processing DataItem', id: 'I'.repeat(43) }, 202))
    const r = await new MuClient(s.url, http).postItem(new Uint8Array([1, 2, 3]))
    expect(r).toEqual({ message: 'Processing DataItem', id: 'I'.repeat(43) })
    expect(s.seen[0]!.headers['content-type']).toBe('application/octet-stream')
  })

  it('does not retry a failed post (not idempotent)', async () => {
    const s = await serve((_r, res) => sendJson(res, { error: 'x' }, 503))
    const mu = new MuClient(s.url, new HttpClient({ retry: { retries: 3, baseDelayMs: 1 } }))
    expect((await failure(mu.postItem(new Uint8Array([1])))).code).toBe('http/status')
    expect(s.seen).toHaveLength(1)
  })

  it('relays an assignment with its query parameters', async () => {
    const s = await serve((_r, res) => sendJson(res, { message: 'Processing', id: 'A'.repeat(43) }, 202))
    await new MuClient(s.url, http).postAssignment(PID, 'TX', { baseLayer: true, exclude: ['Data', 'Anchor'] })
    const q = s.seen[0]!.query
    expect([q.get('process-id'), q.get('assign'), q.has('base-layer'), q.get('exclude')]).toEqual([PID, 'TX', true, 'Data,Anchor'])
  })

  it('monitors and unmonitors with a signed item', async () => {
    const s = await serve((_r, res) => res.end('ok'))
    const mu = new MuClient(s.url, http)
    expect(await mu.monitor(PID, new Uint8Array([5]))).toBe('ok')
    expect(await mu.unmonitor(PID, new Uint8Array([6]))).toBe('ok')
    expect(s.seen.map((r) => [r.method, r.path, r.body[0]])).toEqual([
      ['POST', `/monitor/${PID}`, 5],
      ['DELETE', `/monitor/${PID}`, 6],
    ])
  })
})
