import { describe, it, expect, afterEach } from 'vitest'
import { Locator } from '../../src/protocol/locate'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { HttpClient } from '../../src/protocol/http'
import { sendJson, type Handler, serve, closeTestServers, protocolFailure as failure } from './http-test-server'

afterEach(closeTestServers)
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 2000 })
const PID = 'P'.repeat(43)
const SU_WALLET = 'S'.repeat(43)

interface GatewayData {
  processTags?: { name: string; value: string }[]
  location?: { name: string; value: string }[]
}

/** A gateway answering the two GraphQL queries locate makes. */
function gatewayHandler(d: GatewayData): Handler {
  return (r, res) => {
    const { variables } = JSON.parse(r.body.toString()) as { variables: Record<string, unknown> }
    const node = (id: string, tags: { name: string; value: string }[]) => ({ id, signature: '', anchor: '', recipient: '', owner: { address: SU_WALLET, key: 'k' }, tags, block: null })
    let edges: unknown[] = []
    if (variables.ids && d.processTags) edges = [{ cursor: 'c', node: node(PID, d.processTags) }]
    if (variables.owners && d.location) {
      expect(variables.owners).toEqual([SU_WALLET])
      expect(variables.tags).toEqual([
        { name: 'Data-Protocol', values: ['ao'] },
        { name: 'Type', values: ['Scheduler-Location'] },
      ])
      edges = [{ cursor: 'c', node: node('LOC', d.location) }]
    }
    sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: false }, edges } } })
  }
}


describe('Locator', () => {
  it('follows Scheduler tag -> Scheduler-Location, and caches for the TTL', async () => {
    const gw = await serve(
      gatewayHandler({
        processTags: [{ name: 'Scheduler', value: SU_WALLET }],
        location: [
          { name: 'Url', value: 'https://su.example/' },
          { name: 'Time-To-Live', value: '60000' },
        ],
      }),
    )
    let now = 1_000_000
    const loc = new Locator({ gateway: new GatewayClient(gw.url, http), http, now: () => now })
    expect(await loc.locate(PID)).toEqual({ url: 'https://su.example', address: SU_WALLET, ttlMs: 60000, source: 'scheduler-location' })
    expect(gw.seen).toHaveLength(2)
    now += 59_000
    await loc.locate(PID)
    expect(gw.seen).toHaveLength(2) // cached
    now += 2_000
    await loc.locate(PID)
    expect(gw.seen).toHaveLength(4) // expired: asked again
  })

  it('uses a given scheduler hint without reading the process', async () => {
    const gw = await serve(gatewayHandler({ location: [{ name: 'Url', value: 'http://localhost:5003' }, { name: 'Time-To-Live', value: '3600000' }] }))
    const r = await new Locator({ gateway: new GatewayClient(gw.url, http), http }).locate(PID, { schedulerHint: SU_WALLET })
    expect(r.url).toBe('http://localhost:5003')
    expect(gw.seen).toHaveLength(1)
  })

  it('names a process without a Scheduler tag', async () => {
    const gw = await serve(gatewayHandler({ processTags: [{ name: 'Type', value: 'Process' }] }))
    const e = await failure(new Locator({ gateway: new GatewayClient(gw.url, http), http }).locate(PID))
    expect(e.code).toBe('locate/no-scheduler')
    expect(e.message).toContain(PID)
  })

  it('names a Scheduler-Location without Url / TTL', async () => {
    const gw = await serve(gatewayHandler({ processTags: [{ name: 'Scheduler', value: SU_WALLET }], location: [{ name: 'Time-To-Live', value: '5' }] }))
    const e = await failure(new Locator({ gateway: new GatewayClient(gw.url, http), http }).locate(PID))
    expect(e.code).toBe('locate/no-location')
    expect(e.message).toContain('no Url tag')
  })

  it('falls back to the SU router, following its 307 to the owning SU', async () => {
    const gw = await serve(gatewayHandler({}))
    const su = await serve((r, res) => sendJson(res, { address: SU_WALLET, timestamp: 1, pid: r.query.get('process-id') }))
    const router = await serve((r, res) => {
      res.writeHead(307, { location: `${su.url}/?process-id=${r.query.get('process-id')}` })
      res.end()
    })
    const r = await new Locator({ gateway: new GatewayClient(gw.url, http), http, routerUrl: router.url, routerTtlMs: 1000 }).locate(PID)
    expect(r).toEqual({ url: su.url, address: SU_WALLET, ttlMs: 1000, source: 'router' })
    expect(router.seen[0]!.query.get('process-id')).toBe(PID)
    expect(su.seen[0]!.query.get('process-id')).toBe(PID)
  })

  it('reports both failures when the router fails too', async () => {
    const gw = await serve(gatewayHandler({}))
    const router = await serve((_r, res) => sendJson(res, { error: 'process not found' }, 404))
    const e = await failure(new Locator({ gateway: new GatewayClient(gw.url, http), http, routerUrl: router.url }).locate(PID))
    expect(e.code).toBe('locate/no-scheduler')
    expect(e.message).toContain('router fallback failed too')
    expect(e.message).toContain('404')
  })
})
