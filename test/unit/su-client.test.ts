import { describe, it, expect, afterEach } from 'vitest'
import { SuClient } from '../../src/protocol/su-client'
import { HttpClient } from '../../src/protocol/http'
import { sendJson, type Handler, type SeenRequest, serve, closeTestServers, protocolFailure as failure } from './http-test-server'

afterEach(closeTestServers)
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 2000 })
const PID = 'P'.repeat(43)
const owner = { address: 'A'.repeat(43), key: 'K'.repeat(43) }

/** An SU-shaped edge; the client does not verify signatures, the log checker does. */
function edge(nonce: number, timestamp: number) {
  return {
    cursor: String(nonce),
    node: {
      message: nonce === 0 ? null : { id: `m${nonce}`, owner, tags: [{ name: 'Type', value: 'Message' }], signature: 's', anchor: null, target: PID, data: `d${nonce}` },
      assignment: {
        id: `a${nonce}`,
        owner,
        signature: 'sig',
        anchor: null,
        target: '',
        tags: [
          { name: 'Process', value: PID },
          { name: 'Nonce', value: String(nonce) },
          { name: 'Timestamp', value: String(timestamp) },
        ],
      },
    },
  }
}

/** The reference SU's paging rules (store.rs get_messages) over `count` edges. */
function scheduleHandler(count: number, opts: { ignoreFrom?: boolean } = {}): Handler {
  const all = Array.from({ length: count }, (_, n) => edge(n, 1_000 + n * 10))
  return (r: SeenRequest, res) => {
    if (r.query.get('process-id') !== PID) return sendJson(res, { error: 'process-id required' }, 400)
    const limit = Number(r.query.get('limit') ?? 100)
    const fn = r.query.get('from-nonce')
    const tn = r.query.get('to-nonce')
    const from = r.query.get('from')
    let rows = all
    if (fn !== null || tn !== null) {
      if (fn !== null && !opts.ignoreFrom) rows = rows.filter((e) => Number(e.cursor) > Number(fn))
      if (tn !== null) rows = rows.filter((e) => Number(e.cursor) <= Number(tn))
    } else if (from !== null) rows = rows.filter((_e, i) => 1_000 + i * 10 > Number(from))
    const page = rows.slice(0, limit)
    sendJson(res, { page_info: { has_next_page: rows.length > limit }, edges: page.map((e) => (fn !== null || tn !== null ? e : { ...e, cursor: String(1_000 + Number(e.cursor) * 10) })) })
  }
}


async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('SuClient', () => {
  it('reads the process record (flat and nested forms)', async () => {
    const inner = { process_id: PID, block: '000001500000', owner, tags: [{ name: 'Type', value: 'Process' }], timestamp: 1700000000000, data: null, anchor: null, signature: 'sig', target: null }
    let nested = false
    const s = await serve((r, res) => (r.path === `/processes/${PID}` ? sendJson(res, nested ? { process: inner, assignment: edge(0, 5).node.assignment } : inner) : sendJson(res, {}, 404)))
    const su = new SuClient(s.url, http)
    const p = await su.getProcess(PID)
    expect(p).toEqual({ processId: PID, block: '000001500000', owner, tags: [{ name: 'Type', value: 'Process' }], timestamp: 1700000000000, signature: 'sig' })
    nested = true
    const q = await su.getProcess(PID)
    expect(q.processId).toBe(PID)
    expect(q.assignment?.id).toBe('a0')
  })

  it('parses /timestamp strings to numbers and sends process-id', async () => {
    const s = await serve((_r, res) => sendJson(res, { timestamp: '1732000000123', block_height: '000001393008' }))
    expect(await new SuClient(s.url, http).getTimestamp(PID)).toEqual({ timestamp: 1732000000123, blockHeight: 1393008 })
    expect(s.seen[0]!.query.get('process-id')).toBe(PID)
  })

  it('reads one message with its assignment; a bare assignment has message null', async () => {
    const s = await serve((r, res) => sendJson(res, r.path === '/m3' ? edge(3, 30).node : edge(0, 0).node))
    const su = new SuClient(s.url, http)
    const m = await su.getMessage('m3', PID)
    expect(m.message?.id).toBe('m3')
    expect(m.message?.anchor).toBeUndefined()
    expect(m.assignment.id).toBe('a3')
    expect((await su.getMessage('x', PID)).message).toBeNull()
    expect(s.seen[0]!.query.get('process-id')).toBe(PID)
  })

  it('sends process-id and nonce bounds on a schedule page', async () => {
    const s = await serve(scheduleHandler(30))
    const page = await new SuClient(s.url, http).getSchedulePage({ processId: PID, fromNonce: 4, toNonce: 8, limit: 100 })
    expect(page.edges.map((e) => e.cursor)).toEqual(['5', '6', '7', '8'])
    expect(page.hasNextPage).toBe(false)
    expect(s.seen[0]!.path).toBe(`/${PID}`)
    expect(Object.fromEntries(s.seen[0]!.query)).toEqual({ 'process-id': PID, 'from-nonce': '4', 'to-nonce': '8', limit: '100', 'show-anchor': 'true' })
    // showAnchor: false gives the SU's plain JSON (anchors that are not UTF-8 come back null)
    await new SuClient(s.url, http).getSchedulePage({ processId: PID, fromNonce: 4, limit: 1, showAnchor: false })
    expect(s.seen[1]!.query.has('show-anchor')).toBe(false)
  })

  it('streams all pages by nonce, each continuing the previous', async () => {
    const s = await serve(scheduleHandler(25))
    const pages = await collect(new SuClient(s.url, http).streamSchedule(PID, { pageSize: 10 }))
    expect(pages.map((p) => [p.firstNonce, p.lastNonce, p.hasNextPage])).toEqual([
      [0, 9, true],
      [10, 19, true],
      [20, 24, false],
    ])
    expect(s.seen.map((r) => r.query.get('from-nonce'))).toEqual(['-1', '9', '19'])
  })

  it('resumes from a given nonce (inclusive)', async () => {
    const s = await serve(scheduleHandler(25))
    const pages = await collect(new SuClient(s.url, http).streamSchedule(PID, { startNonce: 7, pageSize: 100 }))
    expect(pages).toHaveLength(1)
    expect(pages[0]!.firstNonce).toBe(7)
    expect(s.seen[0]!.query.get('from-nonce')).toBe('6')
  })

  it('falls back to timestamp paging when the SU ignores from-nonce (pages restart at nonce 0)', async () => {
    const s = await serve(scheduleHandler(25, { ignoreFrom: true }))
    const pages = await collect(new SuClient(s.url, http).streamSchedule(PID, { pageSize: 10 }))
    expect(pages.flatMap((p) => p.edges.map((e) => e.node.assignment.id))).toEqual(Array.from({ length: 25 }, (_, i) => `a${i}`))
    // The re-served first page adds nothing; then 10..18 and 19..24 (each re-asks the boundary ms).
    expect(pages.map((p) => [p.paging, p.firstNonce, p.lastNonce])).toEqual([
      ['nonce', 0, 9],
      ['timestamp-fallback', 10, 18],
      ['timestamp-fallback', 19, 24],
    ])
    // More in test/unit/su-client-fallback.test.ts (signed log, shared milliseconds, resume, skips).
  })

  it('a resumed stream on such an SU drops the nonces before the resume point', async () => {
    const s = await serve(scheduleHandler(25, { ignoreFrom: true }))
    const pages = await collect(new SuClient(s.url, http).streamSchedule(PID, { startNonce: 7, pageSize: 10 }))
    expect(pages.flatMap((p) => p.edges.map((e) => e.node.assignment.id))).toEqual(Array.from({ length: 18 }, (_, i) => `a${i + 7}`))
    expect(pages[0]!.firstNonce).toBe(7)
  })

  it('rejects an empty page that claims a next page', async () => {
    const s = await serve((_r, res) => sendJson(res, { page_info: { has_next_page: true }, edges: [] }))
    const e = await failure(collect(new SuClient(s.url, http).streamSchedule(PID)))
    expect(e.code).toBe('su/bad-page')
    expect(e.message).toContain('empty page')
  })

  it('streams by timestamp for SUs without nonce paging', async () => {
    const s = await serve(scheduleHandler(12))
    const pages = await collect(new SuClient(s.url, http).streamSchedule(PID, { mode: 'timestamp', pageSize: 5 }))
    expect(pages.flatMap((p) => p.edges.map((e) => e.node.assignment.id))).toEqual(Array.from({ length: 12 }, (_, i) => `a${i}`))
    expect(s.seen.map((r) => r.query.get('from'))).toEqual([null, '1040', '1090'])
    expect(s.seen.every((r) => !r.query.has('from-nonce'))).toBe(true)
  })

  it('names the bad field of a malformed edge', async () => {
    const good = edge(1, 10)
    const s = await serve((_r, res) => sendJson(res, { page_info: { has_next_page: false }, edges: [good, good, { cursor: '3', node: { message: null } }] }))
    const e = await failure(new SuClient(s.url, http).getSchedulePage({ processId: PID }))
    expect(e.code).toBe('http/bad-shape')
    expect(e.details.field).toBe('edges[2].node.assignment')
  })

  it('posts an item as octet-stream and reads {id, timestamp}', async () => {
    const s = await serve((_r, res) => sendJson(res, { id: 'X'.repeat(43), timestamp: 1732000000000 }))
    const r = await new SuClient(s.url, http).postItem(new Uint8Array([9, 8, 7]))
    expect(r).toEqual({ id: 'X'.repeat(43), timestamp: 1732000000000 })
    expect(s.seen[0]!.method).toBe('POST')
    expect(s.seen[0]!.headers['content-type']).toBe('application/octet-stream')
    expect([...s.seen[0]!.body]).toEqual([9, 8, 7])
  })
})
