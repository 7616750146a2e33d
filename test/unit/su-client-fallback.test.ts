/**
 * SU builds without `from-nonce` (permaweb/ao servers/su main.rs before nonce paging: the query
 * struct has only from/to, and serde drops unknown keys) answer every nonce-paged request with
 * the first page again. The client must notice and continue by timestamp without losing the
 * messages that share the boundary millisecond. The log here is really signed (arbundles, devnet
 * keys) and goes through the log checker, so "nothing lost, nothing repeated" is checked end to end.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest'
import { SuClient, type StreamedPage } from '../../src/protocol/su-client'
import { HttpClient } from '../../src/protocol/http'
import { LogChecker } from '../../src/protocol/log-check'
import { tagValue } from '../../src/protocol/wire-types'
import type { SuEdge } from '../../src/protocol/su-types'
import { sendJson, serve, closeTestServers, protocolFailure, type Handler } from './http-test-server'
import { buildSignedLog, SU_ADDRESS, type SignedLog } from './su-signed-log'

afterEach(closeTestServers)
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 5000 })

/** The old SU's paging (store.rs before nonce paging): only from (exclusive), to and limit; cursor = Timestamp. */
function legacySu(log: { processId: string; edges: SuEdge[] }): Handler {
  const ts = (e: SuEdge) => Number(tagValue(e.node.assignment.tags, 'Timestamp'))
  return (r, res) => {
    if (r.path !== `/${log.processId}`) return sendJson(res, { error: 'not found' }, 404)
    const from = r.query.get('from')
    const to = r.query.get('to')
    const limit = Number(r.query.get('limit') ?? 100)
    const rows = log.edges.filter((e) => (from === null || ts(e) > Number(from)) && (to === null || ts(e) <= Number(to)))
    sendJson(res, { page_info: { has_next_page: rows.length > limit }, edges: rows.slice(0, limit).map((e) => ({ ...e, cursor: String(ts(e)) })) })
  }
}

async function collect(it: AsyncIterable<StreamedPage>): Promise<StreamedPage[]> {
  const out: StreamedPage[] = []
  for await (const p of it) out.push(p)
  return out
}
const nonces = (pages: StreamedPage[]) => pages.flatMap((p) => p.edges.map((e) => Number(tagValue(e.node.assignment.tags, 'Nonce'))))

// Groups of messages share a millisecond across the 4-edge page boundaries.
const BUSY = [1000, 1000, 1001, 1002, 1002, 1002, 1003, 1004, 1004, 1005, 1005, 1005, 1005, 1006]
let busy: SignedLog
beforeAll(async () => {
  busy = await buildSignedLog(BUSY)
}, 60_000)

describe('SuClient.streamSchedule on an SU that ignores from-nonce', () => {
  it('switches to timestamp paging and yields every nonce once, verified by the log checker', async () => {
    const s = await serve(legacySu(busy))
    const pages = await collect(new SuClient(s.url, http).streamSchedule(busy.processId, { pageSize: 4 }))
    expect(nonces(pages)).toEqual(BUSY.map((_, n) => n))
    expect(pages[0]!.paging).toBe('nonce')
    expect(pages.slice(1).every((p) => p.paging === 'timestamp-fallback')).toBe(true)
    expect(pages[pages.length - 1]!.hasNextPage).toBe(false)
    // After the ignored from-nonce, the client asks by timestamp and re-asks the boundary millisecond.
    expect(s.seen[1]!.query.get('from-nonce')).toBe('3')
    expect(s.seen.slice(2).every((r) => !r.query.has('from-nonce') && r.query.has('from'))).toBe(true)
    expect(s.seen[2]!.query.get('from')).toBe('1001') // page 0 ended at 1002: ask from 1001 (exclusive)
    const checker = new LogChecker({ processId: busy.processId, scheduler: { address: SU_ADDRESS } })
    for (const p of pages) {
      const c = await checker.checkPage(p.edges)
      expect(c.failure).toBeUndefined()
    }
    expect(checker.state.nonce).toBe(BUSY.length - 1)
  }, 30_000)

  it('resumes from a stored head: drops the nonces already held, continues after them', async () => {
    const s = await serve(legacySu(busy))
    const pages = await collect(new SuClient(s.url, http).streamSchedule(busy.processId, { startNonce: 6, pageSize: 4 }))
    expect(nonces(pages)).toEqual([6, 7, 8, 9, 10, 11, 12, 13])
    expect(s.seen[0]!.query.get('from-nonce')).toBe('5')
  })

  it('stops at to-nonce in timestamp paging too', async () => {
    const s = await serve(legacySu(busy))
    const pages = await collect(new SuClient(s.url, http).streamSchedule(busy.processId, { toNonce: 9, pageSize: 4 }))
    expect(nonces(pages)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(pages[pages.length - 1]!.hasNextPage).toBe(false)
  })

  it('a message lost to the millisecond boundary is su/bad-page naming the nonce, not silence', async () => {
    // Five messages in one millisecond and pages of 3: timestamp paging cannot split them, so the
    // client has to step past 1000 and nonces 3 and 4 are never served.
    const crowded = await buildSignedLog([1000, 1000, 1000, 1000, 1000, 1001, 1002])
    const s = await serve(legacySu(crowded))
    const got: number[] = []
    const e = await protocolFailure(
      (async () => {
        for await (const p of new SuClient(s.url, http).streamSchedule(crowded.processId, { pageSize: 3 })) got.push(...nonces([p]))
      })(),
    )
    expect(got).toEqual([0, 1, 2])
    expect(e.code).toBe('su/bad-page')
    expect(e.details).toMatchObject({ nonce: 3, expected: 3, got: 5 })
    expect(e.message).toContain('nonces 3..4 were skipped')
  }, 30_000)

  it('an SU ignoring both from-nonce and from is su/bad-page (no progress), not an endless loop', async () => {
    const s = await serve((r, res) => legacySu(busy)({ ...r, query: new URLSearchParams({ limit: r.query.get('limit') ?? '100' }) }, res))
    const e = await protocolFailure(collect(new SuClient(s.url, http).streamSchedule(busy.processId, { pageSize: 4 })))
    expect(e.code).toBe('su/bad-page')
    expect(e.message).toContain('no progress')
    expect(s.seen.length).toBeLessThan(6)
  })

  it('a page that starts at an earlier nonce other than 0 stays an error (not this SU quirk)', async () => {
    // Serves from-nonce - 1 onwards (repeats the last edge of the previous page).
    const s = await serve((r, res) => {
      const fn = Number(r.query.get('from-nonce') ?? -1)
      const limit = Number(r.query.get('limit'))
      const rows = busy.edges.slice(Math.max(0, fn))
      sendJson(res, { page_info: { has_next_page: rows.length > limit }, edges: rows.slice(0, limit) })
    })
    const e = await protocolFailure(collect(new SuClient(s.url, http).streamSchedule(busy.processId, { pageSize: 4 })))
    expect(e.code).toBe('su/bad-page')
    expect(e.message).toContain('expected to start at nonce 4, starts at 3')
  })
})
