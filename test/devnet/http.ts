/**
 * A tiny HTTP layer for the devnet units (node:http, no framework): pattern routes, CORS `*`,
 * bounded bodies, and every failure answered as a JSON `{error}` with a 4xx/5xx status, so a
 * bad request can never crash the devnet. Servers bind to loopback and close every socket on stop.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Req {
  method: string
  path: string
  params: Record<string, string>
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: Buffer
}

export interface Res {
  status?: number
  json?: unknown
  body?: Uint8Array | string
  headers?: Record<string, string>
}

export type Handler = (req: Req) => Promise<Res> | Res

export class HttpError extends Error {
  override readonly name = 'HttpError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

interface Route {
  method: string
  parts: string[]
  handler: Handler
}

export function route(method: string, pattern: string, handler: Handler): Route {
  return { method, parts: pattern.split('/').filter(Boolean), handler }
}

function match(r: Route, segments: string[]): Record<string, string> | undefined {
  if (r.parts.length !== segments.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < r.parts.length; i++) {
    const p = r.parts[i]!
    const s = segments[i]!
    if (p.startsWith(':')) params[p.slice(1)] = s
    else if (p !== s) return undefined
  }
  return params
}

const MAX_BODY = 16 * 1024 * 1024

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new HttpError(413, `request body larger than ${MAX_BODY} bytes`))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function jsonBody(req: Req): Record<string, unknown> {
  if (req.body.length === 0) return {}
  try {
    const v: unknown = JSON.parse(req.body.toString('utf8'))
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new HttpError(400, 'request body is not a JSON object')
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET,POST,DELETE,OPTIONS',
  'access-control-allow-headers': '*',
  'access-control-expose-headers': '*',
}

function send(res: ServerResponse, out: Res): void {
  const headers: Record<string, string> = { ...CORS, ...out.headers }
  let payload: Uint8Array | string
  if (out.json !== undefined) {
    payload = JSON.stringify(out.json)
    headers['content-type'] ??= 'application/json; charset=utf-8'
  } else {
    payload = out.body ?? ''
  }
  res.writeHead(out.status ?? 200, headers)
  res.end(payload)
}

export interface Unit {
  name: string
  url: string
  close(): Promise<void>
}

export async function listen(name: string, port: number, routes: Route[], log: boolean): Promise<Unit> {
  const server = createServer((req, res) => {
    void (async () => {
      const started = performance.now()
      let status = 500
      try {
        const url = new URL(req.url ?? '/', 'http://localhost')
        const method = req.method ?? 'GET'
        if (method === 'OPTIONS') {
          status = 204
          return send(res, { status })
        }
        const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s))
        let allowed = false
        for (const r of routes) {
          const params = match(r, segments)
          if (!params) continue
          allowed = true
          if (r.method !== method) continue
          const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req)
          const out = await r.handler({ method, path: url.pathname, params, query: url.searchParams, headers: req.headers, body })
          status = out.status ?? 200
          return send(res, out)
        }
        throw allowed ? new HttpError(405, `${method} not allowed on ${url.pathname}`) : new HttpError(404, `no route for ${method} ${url.pathname}`)
      } catch (e) {
        status = e instanceof HttpError ? e.status : 500
        if (status >= 500) console.error(`[devnet ${name}] ${req.method} ${req.url}:`, e)
        if (!res.headersSent) send(res, { status, json: { error: (e as Error).message ?? String(e) } })
        else res.end()
      } finally {
        if (log) console.log(`[devnet ${name}] ${req.method} ${req.url} ${status} ${(performance.now() - started).toFixed(0)}ms`)
      }
    })()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const actual = (server.address() as AddressInfo).port
  return {
    name,
    url: `http://localhost:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
