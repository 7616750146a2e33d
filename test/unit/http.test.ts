import { describe, it, expect, afterEach } from 'vitest'
import { HttpClient, parseRetryAfter, joinUrl } from '../../src/protocol/http'
import { obj, str, num, sub } from '../../src/protocol/wire-types'
import { sendJson, serve, startServer, closeTestServers, protocolFailure as failure } from './http-test-server'

afterEach(closeTestServers)

const fast = { retry: { baseDelayMs: 5, maxDelayMs: 20 }, timeoutMs: 2_000 }
const point = (v: unknown, f = '') => {
  const o = obj(v, f)
  return { x: num(o.x, sub(f, 'x')), label: str(o.label, sub(f, 'label')) }
}


describe('HttpClient', () => {
  it('returns validated JSON', async () => {
    const s = await serve((_r, res) => sendJson(res, { x: 1, label: 'a' }))
    const http = new HttpClient(fast)
    expect(await http.json({ url: `${s.url}/p` }, point)).toEqual({ x: 1, label: 'a' })
    expect(s.seen[0]!.headers.accept).toBe('application/json')
  })

  it('names method, URL, status and a body excerpt on a non-2xx answer', async () => {
    const s = await serve((_r, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end('process-id is required')
    })
    const e = await failure(new HttpClient(fast).json({ url: `${s.url}/x?a=1` }, point))
    expect(e.code).toBe('http/status')
    expect(e.message).toContain(`GET ${s.url}/x?a=1`)
    expect(e.message).toContain('400')
    expect(e.message).toContain('process-id is required')
    expect(e.details.status).toBe(400)
    expect(s.seen).toHaveLength(1) // 400 is not retriable
  })

  it('gives http/not-found for 404 without retrying', async () => {
    const s = await serve((_r, res) => {
      res.statusCode = 404
      res.end('nope')
    })
    const e = await failure(new HttpClient(fast).bytes({ url: `${s.url}/raw/abc` }))
    expect(e.code).toBe('http/not-found')
    expect(s.seen).toHaveLength(1)
  })

  it('retries 5xx on idempotent requests, then succeeds', async () => {
    let n = 0
    const s = await serve((_r, res) => (++n < 3 ? ((res.statusCode = 503), res.end('busy')) : sendJson(res, { x: 2, label: 'b' })))
    expect(await new HttpClient(fast).json({ url: s.url }, point)).toEqual({ x: 2, label: 'b' })
    expect(s.seen).toHaveLength(3)
  })

  it('gives up after the retry budget with the last status', async () => {
    const s = await serve((_r, res) => ((res.statusCode = 502), res.end('bad gateway')))
    const e = await failure(new HttpClient({ ...fast, retry: { ...fast.retry, retries: 2 } }).text({ url: s.url }))
    expect(e.code).toBe('http/status')
    expect(e.details.status).toBe(502)
    expect(s.seen).toHaveLength(3)
  })

  it('never retries a non-idempotent POST', async () => {
    const s = await serve((_r, res) => ((res.statusCode = 503), res.end()))
    const e = await failure(new HttpClient(fast).request({ url: s.url, method: 'POST', body: new Uint8Array([1, 2]) }))
    expect(e.code).toBe('http/status')
    expect(s.seen).toHaveLength(1)
    expect([...s.seen[0]!.body]).toEqual([1, 2])
  })

  it('reports bad JSON', async () => {
    const s = await serve((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"x": 1,')
    })
    const e = await failure(new HttpClient(fast).json({ url: s.url }, point))
    expect(e.code).toBe('http/bad-json')
    expect(e.message).toContain('{"x": 1,')
  })

  it('reports a wrong shape naming the field', async () => {
    const s = await serve((_r, res) => sendJson(res, { x: '1', label: 'a' }))
    const e = await failure(new HttpClient(fast).json({ url: s.url }, point))
    expect(e.code).toBe('http/bad-shape')
    expect(e.details.field).toBe('x')
    expect(e.message).toMatch(/field x: expected finite number, got string "1"/)
  })

  it('detects a body shorter than Content-Length, and retries it', async () => {
    const s = await serve((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"x":1')
      setTimeout(() => res.destroy(), 10)
    })
    const e = await failure(new HttpClient({ ...fast, retry: { ...fast.retry, retries: 1 } }).json({ url: s.url }, point))
    expect(e.code).toBe('http/truncated')
    expect(s.seen).toHaveLength(2)
  })

  it('times out a slow response (headers never come)', async () => {
    const s = await serve(() => undefined) // never answers
    const t0 = Date.now()
    const e = await failure(new HttpClient({ timeoutMs: 150, retry: { retries: 0 } }).text({ url: s.url }))
    expect(e.code).toBe('http/timeout')
    expect(e.message).toContain('150 ms')
    expect(Date.now() - t0).toBeLessThan(1500)
  })

  it('times out a body that stalls after the headers', async () => {
    const s = await serve((_r, res) => {
      res.writeHead(200, { 'content-length': '10' })
      res.write('abc')
    })
    const e = await failure(new HttpClient({ timeoutMs: 150, retry: { retries: 0 } }).text({ url: s.url }))
    expect(e.code).toBe('http/timeout')
    expect(e.message).toContain('(body)')
  })

  it('follows a 307 redirect and reports the final URL', async () => {
    const target = await serve((r, res) => sendJson(res, { x: 3, label: r.query.get('process-id') ?? '' }))
    const router = await serve((r, res) => {
      res.writeHead(307, { location: `${target.url}/?process-id=${r.query.get('process-id')}` })
      res.end()
    })
    const res = await new HttpClient(fast).request({ url: `${router.url}/?process-id=P1` })
    expect(res.url).toBe(`${target.url}/?process-id=P1`)
    expect(res.requestUrl).toBe(`${router.url}/?process-id=P1`)
    expect(await new HttpClient(fast).json({ url: `${router.url}/?process-id=P2` }, point)).toEqual({ x: 3, label: 'P2' })
  })

  it('honours Retry-After on 429', async () => {
    let n = 0
    const s = await serve((_r, res) => {
      if (n++ === 0) {
        res.writeHead(429, { 'retry-after': '1' })
        return void res.end('slow down')
      }
      sendJson(res, { x: 4, label: 'd' })
    })
    const t0 = Date.now()
    expect(await new HttpClient(fast).json({ url: s.url }, point)).toEqual({ x: 4, label: 'd' })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950)
    expect(s.seen).toHaveLength(2)
  })

  it('fails at once when Retry-After exceeds the allowed wait', async () => {
    const s = await serve((_r, res) => {
      res.writeHead(429, { 'retry-after': '3600' })
      res.end()
    })
    const t0 = Date.now()
    const e = await failure(new HttpClient(fast).text({ url: s.url }))
    expect(e.code).toBe('http/status')
    expect(e.details.retryAfterMs).toBe(3_600_000)
    expect(Date.now() - t0).toBeLessThan(500)
    expect(s.seen).toHaveLength(1)
  })

  it('stops at once when the caller aborts during a request', async () => {
    const s = await serve(() => undefined)
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    const t0 = Date.now()
    const e = await failure(new HttpClient({ timeoutMs: 5_000 }).text({ url: s.url, signal: ac.signal }))
    expect(e.code).toBe('http/aborted')
    expect(Date.now() - t0).toBeLessThan(1000)
  })

  it('stops at once when the caller aborts during a backoff sleep', async () => {
    const s = await serve((_r, res) => {
      res.writeHead(503, { 'retry-after': '20' })
      res.end()
    })
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 100)
    const t0 = Date.now()
    const e = await failure(new HttpClient(fast).text({ url: s.url, signal: ac.signal }))
    expect(e.code).toBe('http/aborted')
    expect(e.message).toContain('backoff')
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(s.seen).toHaveLength(1)
  })

  it('gives http/network when nothing listens', async () => {
    // not registered for cleanup: this test closes it itself
    const s = await startServer(() => undefined)
    const url = s.url
    await s.close()
    const e = await failure(new HttpClient({ ...fast, retry: { ...fast.retry, retries: 1 } }).text({ url }))
    expect(e.code).toBe('http/network')
    expect(e.message).toContain(`GET ${url}`)
  })

  it('uses an injected fetch', async () => {
    const calls: string[] = []
    const http = new HttpClient({
      fetch: async (input, init) => {
        calls.push(`${init.method} ${input}`)
        return new Response('{"x":5,"label":"e"}', { status: 200 })
      },
    })
    expect(await http.json({ url: 'http://example.invalid/a' }, point)).toEqual({ x: 5, label: 'e' })
    expect(calls).toEqual(['GET http://example.invalid/a'])
  })
})

describe('helpers', () => {
  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('5')).toBe(5000)
    expect(parseRetryAfter(new Date(10_000 + 3000).toUTCString(), 10_000)).toBe(3000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(null)).toBeUndefined()
  })
  it('joins URLs and queries', () => {
    expect(joinUrl('http://a/', '/b', { 'process-id': 'P', x: undefined, n: 3 })).toBe('http://a/b?process-id=P&n=3')
    expect(joinUrl('http://a', 'b')).toBe('http://a/b')
  })
})
