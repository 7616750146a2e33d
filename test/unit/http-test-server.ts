/**
 * A real HTTP server on 127.0.0.1 (port 0) for client tests: each test gives a handler that
 * can return any fault (status, bad JSON, short bodies, slow answers, redirects).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'
import { ProtocolError } from '../../src/protocol/errors'

export interface SeenRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: Buffer
}

export type Handler = (req: SeenRequest, res: ServerResponse) => unknown

export interface TestServer {
  url: string
  seen: SeenRequest[]
  close(): Promise<void>
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const seen: SeenRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x')
      const r: SeenRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks) }
      seen.push(r)
      Promise.resolve(handler(r, res)).catch((e: unknown) => {
        res.statusCode = 599
        res.end(String(e))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

const started: TestServer[] = []

/** Starts a test server that `closeTestServers` (call it in `afterEach`) will close. */
export async function serve(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler)
  started.push(s)
  return s
}

export async function closeTestServers(): Promise<void> {
  await Promise.all(started.splice(0).map((s) => s.close()))
}

/** Awaits `p`, which must reject with a ProtocolError, and returns that error. */
export async function protocolFailure(p: Promise<unknown>): Promise<ProtocolError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError)
    return e as ProtocolError
  }
  throw new Error('expected a ProtocolError, got success')
}
