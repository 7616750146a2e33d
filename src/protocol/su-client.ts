/**
 * Client for a legacynet Scheduler Unit (ao-protocol.md §1): the process record, the clock,
 * schedule pages (nonce or timestamp paging) and single messages. `process-id` is sent on
 * every read, as multi-tenant SUs require it.
 *
 * Paging facts (`servers/su/src/domain/clients/store.rs` get_messages): `from-nonce` is
 * exclusive and `to-nonce` inclusive; an absent `from-nonce` (or -1) makes the process's own
 * assignment edge 0. Timestamp paging: `from` exclusive, `to` inclusive, cursor = Timestamp,
 * which can skip messages sharing the boundary millisecond, so nonce paging is preferred.
 */
import { ProtocolError } from './errors'
import { HttpClient, joinUrl } from './http'
import { intLike, obj, str, sub, tagValue, type Validate } from './wire-types'
import {
  suMessageWithAssignment,
  suPage,
  suProcess,
  suTimestamp,
  type SuEdge,
  type SuPage,
  type SuProcess,
  type SuTimestamp,
} from './su-types'

export interface SchedulePageQuery {
  processId: string
  /** Wire `from-nonce`: *exclusive*; -1 or absent includes the process edge (nonce 0). */
  fromNonce?: number
  /** Wire `to-nonce`: inclusive. */
  toNonce?: number
  /** Wire `from` (ms), exclusive; timestamp paging. Ignored by the SU when a nonce bound is set. */
  from?: number
  /** Wire `to` (ms), inclusive. */
  to?: number
  /** Page size; the SU defaults to 100. */
  limit?: number
  /**
   * Ask for base64url anchors when they are not UTF-8 (default true). A real SU signs every
   * assignment with 32 random anchor bytes and shows them only when asked: without them no
   * assignment signature verifies. `false` gives the SU's plain JSON.
   */
  showAnchor?: boolean
  signal?: AbortSignal
}

export interface StreamOptions {
  /** 'nonce' (default) pages with from-nonce; 'timestamp' with from/to for SUs without it. */
  mode?: 'nonce' | 'timestamp'
  /** First nonce wanted, *inclusive* (resume point). Nonce mode. Default 0. */
  startNonce?: number
  /** Last nonce wanted, inclusive. Nonce mode. */
  toNonce?: number
  /** Exclusive lower timestamp bound (ms). Timestamp mode. */
  from?: number
  /** Inclusive upper timestamp bound (ms). Timestamp mode. */
  to?: number
  pageSize?: number
  /** see SchedulePageQuery.showAnchor (default true) */
  showAnchor?: boolean
  signal?: AbortSignal
}

/** A page from `streamSchedule`, with the numbers the continuity check read. */
export interface StreamedPage extends SuPage {
  /** 0-based index of the page in this stream. */
  index: number
  firstNonce?: number
  lastNonce?: number
  /**
   * How the page was asked for: by nonce, by timestamp (mode 'timestamp'), or by timestamp
   * because the SU ignored from-nonce (edges already yielded are dropped from such pages).
   */
  paging?: 'nonce' | 'timestamp' | 'timestamp-fallback'
}

export interface PostResult {
  id: string
  timestamp?: number
}

export class SuClient {
  constructor(
    readonly url: string,
    private readonly http: HttpClient = new HttpClient(),
  ) {}

  getProcess(processId: string, signal?: AbortSignal): Promise<SuProcess> {
    return this.http.json({ url: joinUrl(this.url, `/processes/${processId}`), signal }, suProcess)
  }

  getTimestamp(processId?: string, signal?: AbortSignal): Promise<SuTimestamp> {
    return this.http.json({ url: joinUrl(this.url, '/timestamp', { 'process-id': processId }), signal }, suTimestamp)
  }

  /** One message and its assignment by message id. */
  getMessage(messageId: string, processId: string, signal?: AbortSignal): Promise<SuEdge['node']> {
    return this.http.json({ url: joinUrl(this.url, `/${messageId}`, { 'process-id': processId }), signal }, suMessageWithAssignment)
  }

  /** The newest message of a process (what the reference CU dry-runs against). */
  getLatest(processId: string, signal?: AbortSignal): Promise<SuEdge['node']> {
    return this.http.json({ url: joinUrl(this.url, `/${processId}/latest`, { 'process-id': processId }), signal }, suMessageWithAssignment)
  }

  getSchedulePage(q: SchedulePageQuery): Promise<SuPage> {
    const url = joinUrl(this.url, `/${q.processId}`, {
      'process-id': q.processId,
      'from-nonce': q.fromNonce,
      'to-nonce': q.toNonce,
      from: q.from,
      to: q.to,
      limit: q.limit,
      'show-anchor': q.showAnchor === false ? undefined : 'true',
    })
    return this.http.json({ url, signal: q.signal }, suPage)
  }

  /**
   * Follows schedule pages until `has_next_page` is false, yielding each page. Each page must
   * continue where the previous one ended (nonce mode: first nonce = previous last + 1; timestamp
   * mode: timestamps never go back) and must make progress, or this throws `su/bad-page`: an SU
   * that ignores the paging bound would otherwise loop forever or silently skip messages.
   * Continuity *inside* a page is the log checker's job (it reports per-edge codes).
   *
   * Nonce mode falls back to timestamp paging when the SU evidently ignores `from-nonce` (a page
   * restarts at nonce 0 although a later nonce was asked for: SU builds before nonce paging,
   * whose query struct only has from/to and serde drops unknown keys, answer the first page
   * again). See `streamWithTimestampFallback`.
   */
  async *streamSchedule(processId: string, opts: StreamOptions = {}): AsyncGenerator<StreamedPage> {
    if ((opts.mode ?? 'nonce') === 'timestamp') {
      yield* this.streamByTimestamp(processId, opts)
      return
    }
    const pageSize = opts.pageSize ?? 1000
    let expectedNonce = opts.startNonce ?? 0
    for (let index = 0; ; index++) {
      const page = await this.getSchedulePage({
        processId,
        fromNonce: expectedNonce - 1,
        toNonce: opts.toNonce,
        limit: pageSize,
        showAnchor: opts.showAnchor,
        signal: opts.signal,
      })
      const where = `SU ${this.url} process ${processId} page ${index}`
      const span = pageSpan(page, where, processId, index, 'Nonce')
      if (!span) {
        yield { ...page, index }
        return
      }
      const { firstAt: firstNonce, lastAt: lastNonce } = span
      if (firstNonce < expectedNonce && firstNonce === 0) {
        // The SU ignored from-nonce and served the start of the log again. Continue by timestamp
        // from this very page, dropping what was already yielded. (Any other backward start, e.g.
        // a repeated edge at the boundary, stays an error below: it is not this SU quirk.)
        yield* this.streamWithTimestampFallback(processId, opts, { page, index, expectedNonce })
        return
      }
      if (firstNonce !== expectedNonce) {
        // details.nonce: where the page should have started, as the log checker's log/* faults name theirs.
        throw new ProtocolError('su/bad-page', `${where}: expected to start at nonce ${expectedNonce}, starts at ${firstNonce}`, { processId, page: index, nonce: expectedNonce, expected: expectedNonce, got: firstNonce })
      }
      expectedNonce = lastNonce + 1
      yield { ...page, index, firstNonce, lastNonce, paging: 'nonce' }
      if (!page.hasNextPage) return
      if (opts.toNonce !== undefined && lastNonce >= opts.toNonce) return
    }
  }

  /**
   * Timestamp paging for an SU that ignores `from-nonce`, starting from a page it already sent.
   * `from` is exclusive at ms resolution (ao-protocol.md pitfall 2), so asking `from = last
   * Timestamp` would lose later messages sharing that millisecond. Instead this asks
   * `from = last Timestamp - 1` (the boundary millisecond is served again) and drops edges whose
   * nonce was already yielded; only when a whole page sits in one millisecond does it step past
   * it. Each yielded page must start at the next nonce, so a message skipped anyway is
   * `su/bad-page` naming the nonce, never silence.
   */
  private async *streamWithTimestampFallback(
    processId: string,
    opts: StreamOptions,
    start: { page: SuPage; index: number; expectedNonce: number },
  ): AsyncGenerator<StreamedPage> {
    const pageSize = opts.pageSize ?? 1000
    let { page, index, expectedNonce } = start
    let from: number | undefined
    for (;;) {
      const where = `SU ${this.url} process ${processId} page ${index} (timestamp paging: the SU ignores from-nonce)`
      const numbered = page.edges.map((edge, i) => {
        const nonce = edgeNonce(edge)
        const timestamp = edgeTimestamp(edge)
        if (nonce === undefined || timestamp === undefined) {
          throw new ProtocolError('su/bad-page', `${where}: edge ${i} has no numeric Nonce or Timestamp tag`, { processId, page: index })
        }
        return { edge, nonce, timestamp }
      })
      const fresh = numbered.filter((e) => e.nonce >= expectedNonce && (opts.toNonce === undefined || e.nonce <= opts.toNonce))
      const head = fresh[0]
      const tail = fresh[fresh.length - 1]
      const lastSeen = numbered[numbered.length - 1]
      const reachedEnd = !page.hasNextPage || (opts.toNonce !== undefined && lastSeen !== undefined && lastSeen.nonce >= opts.toNonce)
      if (head && tail) {
        if (head.nonce !== expectedNonce) {
          throw new ProtocolError(
            'su/bad-page',
            `${where}: expected nonce ${expectedNonce} next, the page continues at ${head.nonce}: nonces ${expectedNonce}..${head.nonce - 1} were skipped`,
            { processId, page: index, nonce: expectedNonce, expected: expectedNonce, got: head.nonce },
          )
        }
        expectedNonce = tail.nonce + 1
        yield { hasNextPage: !reachedEnd, edges: fresh.map((e) => e.edge), index, firstNonce: head.nonce, lastNonce: tail.nonce, paging: 'timestamp-fallback' }
      } else if (reachedEnd) {
        yield { hasNextPage: false, edges: [], index, paging: 'timestamp-fallback' }
      }
      if (reachedEnd) return
      if (!lastSeen) throw new ProtocolError('su/bad-page', `${where}: empty page claims has_next_page`, { processId, page: index })
      // Re-ask the boundary millisecond; step past it only if that would repeat this request.
      let next = lastSeen.timestamp - 1
      if (from !== undefined && next <= from) next = lastSeen.timestamp
      if (from !== undefined && next <= from) {
        throw new ProtocolError('su/bad-page', `${where}: no progress: the page ends at timestamp ${lastSeen.timestamp}, not after the bound ${from}`, { processId, page: index, nonce: expectedNonce })
      }
      from = next
      index++
      page = await this.getSchedulePage({ processId, from, limit: pageSize, showAnchor: opts.showAnchor, signal: opts.signal })
    }
  }

  /** Plain timestamp paging (`from` exclusive) for SUs known to lack nonce paging. */
  private async *streamByTimestamp(processId: string, opts: StreamOptions): AsyncGenerator<StreamedPage> {
    const pageSize = opts.pageSize ?? 1000
    let from = opts.from
    let lastTimestamp: number | undefined
    for (let index = 0; ; index++) {
      const page = await this.getSchedulePage({ processId, from, to: opts.to, limit: pageSize, showAnchor: opts.showAnchor, signal: opts.signal })
      const where = `SU ${this.url} process ${processId} page ${index}`
      const span = pageSpan(page, where, processId, index, 'Timestamp')
      if (!span) {
        yield { ...page, index }
        return
      }
      const { first, last, firstAt: firstTs, lastAt: lastTs } = span
      if (lastTimestamp !== undefined && firstTs <= lastTimestamp) {
        throw new ProtocolError('su/bad-page', `${where}: page starts at timestamp ${firstTs}, not after the previous page's ${lastTimestamp}`, { processId, page: index })
      }
      lastTimestamp = lastTs
      from = lastTs
      const out: StreamedPage = { ...page, index, paging: 'timestamp' }
      const firstNonce = edgeNonce(first)
      const lastNonce = edgeNonce(last)
      if (firstNonce !== undefined) out.firstNonce = firstNonce
      if (lastNonce !== undefined) out.lastNonce = lastNonce
      yield out
      if (!page.hasNextPage) return
    }
  }

  /** `POST /` with a signed ANS-104 item (Type Message or Process). Not retried: not idempotent. */
  postItem(item: Uint8Array, signal?: AbortSignal): Promise<PostResult> {
    return this.http.json(
      { url: joinUrl(this.url, '/'), method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: item, signal },
      postResult,
    )
  }
}

/**
 * A page's first and last edge with their `tag` (the paging key), or null when the page is empty.
 * Refused: an empty page that claims a next page, an end edge without a numeric `tag`.
 */
function pageSpan(page: SuPage, where: string, processId: string, index: number, tag: 'Nonce' | 'Timestamp') {
  const first = page.edges[0]
  const last = page.edges[page.edges.length - 1]
  if (!first || !last) {
    if (page.hasNextPage) throw new ProtocolError('su/bad-page', `${where}: empty page claims has_next_page`, { processId, page: index })
    return null
  }
  const firstAt = intTag(first, tag)
  const lastAt = intTag(last, tag)
  if (firstAt === undefined || lastAt === undefined) {
    throw new ProtocolError('su/bad-page', `${where}: assignment without a numeric ${tag} tag in ${tag.toLowerCase()} paging`, { processId, page: index })
  }
  return { first, last, firstAt, lastAt }
}

/** The assignment's Nonce tag as a number, or undefined when absent or not an integer. */
export function edgeNonce(edge: SuEdge): number | undefined {
  return intTag(edge, 'Nonce')
}

export function edgeTimestamp(edge: SuEdge): number | undefined {
  return intTag(edge, 'Timestamp')
}

function intTag(edge: SuEdge, name: string): number | undefined {
  const v = tagValue(edge.node.assignment.tags, name)
  if (v === undefined || !/^\d+$/.test(v)) return undefined
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : undefined
}

/** `{id, timestamp?}` as returned by SU and MU writes (MU adds `message`, `processId`). */
export const postResult: Validate<PostResult> = (v, f = '') => {
  const o = obj(v, f)
  const r: PostResult = { id: str(o.id, sub(f, 'id')) }
  if (o.timestamp !== undefined && o.timestamp !== null) r.timestamp = intLike(o.timestamp, sub(f, 'timestamp'))
  return r
}
