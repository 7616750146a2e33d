/**
 * Client for a remote Compute Unit (ao-protocol.md §2), used to cross-check local results,
 * dry-run, and hot-start from `/state`. Result shape: ao `servers/cu/src/domain/model.js`.
 */
import { fromB64Url } from './base64url'
import { ProtocolError } from './errors'
import { HttpClient, joinUrl, parseJson, type HttpResponse } from './http'
import { arr, cursorPage, obj, optStr, sub, tags, type CursorPage, type Validate, type WireTag } from './wire-types'

/** An outbox message as the CU returns it (`Target`, `Anchor`, `Tags`, `Data`, …). */
export interface CuMessage {
  Target?: string
  Anchor?: string
  Data?: unknown
  Tags: WireTag[]
  [field: string]: unknown
}

export interface CuResult {
  Messages: CuMessage[]
  Spawns: CuMessage[]
  Assignments: unknown[]
  /** aos gives `{data:{output,prompt}}`; other modules a string. */
  Output: unknown
  Error?: unknown
  GasUsed?: number
}

export type CuResultsPage = CursorPage<CuResult>

/** Where an evaluation sits in a CU's order: what its `/results` and `/cron` cursors encode. */
export interface EvaluationPosition {
  timestamp: number
  /** the nonce for a scheduled message; for a cron, the nonce of the scheduled message it follows */
  ordinate?: string
  /** a cron's id, `${index}-${interval}`; absent for scheduled messages */
  cron?: string
}

/**
 * Reads a reference CU cursor: `btoa(JSON.stringify({timestamp, ordinate, cron, sort}))`
 * (cu domain/utils.js evaluationToCursor), or a bare timestamp (older CUs). Null when it is neither.
 */
export function parseEvaluationCursor(cursor: string): EvaluationPosition | null {
  if (/^\d+$/.test(cursor)) return { timestamp: Number(cursor) }
  try {
    const json = new TextDecoder().decode(fromB64Url(cursor.replace(/\+/g, '-').replace(/\//g, '_')))
    const c = JSON.parse(json) as Record<string, unknown>
    const timestamp = Number(c.timestamp)
    if (!Number.isFinite(timestamp)) return null
    const out: EvaluationPosition = { timestamp }
    if (c.ordinate !== undefined && c.ordinate !== null) out.ordinate = String(c.ordinate)
    if (typeof c.cron === 'string') out.cron = c.cron
    return out
  } catch {
    return null
  }
}

export interface ResultsQuery {
  /** Cursor (exclusive) as returned in a previous page's edge. */
  from?: string
  to?: string
  sort?: 'ASC' | 'DESC'
  limit?: number
  signal?: AbortSignal
}

/** The dry-run body; every field optional (`POST /dry-run`). */
export interface DryRunMessage {
  Id?: string
  Owner?: string
  Target?: string
  Anchor?: string
  Data?: string
  Tags?: WireTag[]
  Signature?: string
  Timestamp?: number | string
  'Block-Height'?: number | string
}

export interface CuState {
  /** The process's raw, uncompressed linear memory. */
  memory: Uint8Array
  lastTimestamp?: number
  lastOrdinate?: string
  lastBlockHeight?: number
}

export class CuClient {
  constructor(
    readonly url: string,
    private readonly http: HttpClient = new HttpClient(),
  ) {}

  /** `GET /result/{msg}?process-id=P`. A 202 (the CU is still evaluating) is `cu/busy`. */
  async result(messageId: string, processId: string, opts: { noBusy?: boolean; signal?: AbortSignal } = {}): Promise<CuResult> {
    const url = joinUrl(this.url, `/result/${messageId}`, { 'process-id': processId, 'no-busy': opts.noBusy ? 1 : undefined })
    const res = await this.http.request({ url, headers: { accept: 'application/json' }, signal: opts.signal })
    busyCheck(res)
    return parseJson(res, cuResult)
  }

  /** One page of `GET /results/{P}`; errored evaluations are not listed by the CU. */
  results(processId: string, q: ResultsQuery = {}): Promise<CuResultsPage> {
    const url = joinUrl(this.url, `/results/${processId}`, { from: q.from, to: q.to, sort: q.sort, limit: q.limit })
    return this.http.json({ url, signal: q.signal }, resultsPage)
  }

  /** Follows `/results` pages by cursor until `hasNextPage` is false. */
  allResults(processId: string, q: ResultsQuery = {}): AsyncGenerator<{ cursor: string; node: CuResult }> {
    return followPages(q.from, (from) => this.results(processId, { ...q, from }))
  }

  /**
   * One page of `GET /cron/{P}?from&to&limit`: cron evaluations only, ascending (the reference
   * ignores any sort), `from` exclusive and `to` inclusive (cursors or bare timestamps), limit
   * capped at 1000 by the CU. Like `/results`, errored evaluations are not listed.
   */
  cron(processId: string, q: Omit<ResultsQuery, 'sort'> = {}): Promise<CuResultsPage> {
    const url = joinUrl(this.url, `/cron/${processId}`, { from: q.from, to: q.to, limit: q.limit })
    return this.http.json({ url, signal: q.signal }, resultsPage)
  }

  /** Follows `/cron` pages by cursor until `hasNextPage` is false. */
  allCron(processId: string, q: Omit<ResultsQuery, 'sort'> = {}): AsyncGenerator<{ cursor: string; node: CuResult }> {
    return followPages(q.from, (from) => this.cron(processId, { ...q, from }))
  }

  /** `POST /dry-run?process-id=P[&to=msg]`: evaluated read-only, never saved; safe to retry. */
  dryRun(processId: string, msg: DryRunMessage, opts: { to?: string; maxAgeMs?: number; signal?: AbortSignal } = {}): Promise<CuResult> {
    const url = joinUrl(this.url, '/dry-run', { 'process-id': processId, to: opts.to })
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (opts.maxAgeMs !== undefined) headers['x-max-age'] = String(opts.maxAgeMs)
    return this.http.json({ url, method: 'POST', idempotent: true, headers, body: JSON.stringify(msg), signal: opts.signal }, cuResult)
  }

  /** `GET /state/{P}[?to=]`: the whole memory (often 100+ MB), so the timeout is generous. */
  async state(processId: string, opts: { to?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<CuState> {
    const url = joinUrl(this.url, `/state/${processId}`, { to: opts.to })
    const res = await this.http.request({ url, timeoutMs: opts.timeoutMs ?? 300_000, signal: opts.signal })
    const out: CuState = { memory: res.body }
    const ts = intHeader(res, 'last-timestamp')
    const bh = intHeader(res, 'last-block-height')
    const ord = res.headers.get('last-ordinate')
    if (ts !== undefined) out.lastTimestamp = ts
    if (bh !== undefined) out.lastBlockHeight = bh
    if (ord !== null) out.lastOrdinate = ord
    return out
  }
}

/** Yields every edge, asking for the page after the last cursor until `hasNextPage` is false (or the cursor stalls). */
async function* followPages(start: string | undefined, page: (from: string | undefined) => Promise<CuResultsPage>): AsyncGenerator<{ cursor: string; node: CuResult }> {
  let from = start
  for (;;) {
    const p = await page(from)
    for (const e of p.edges) yield e
    const last = p.edges[p.edges.length - 1]
    if (!p.hasNextPage || !last || last.cursor === from) return
    from = last.cursor
  }
}

function busyCheck(res: HttpResponse): void {
  if (res.status !== 202) return
  let message = ''
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(res.body))
    if (typeof v === 'object' && v !== null && 'message' in v) message = String(v.message)
  } catch {
    // a 202 without a JSON body is still "busy"
  }
  throw new ProtocolError('cu/busy', `${res.method} ${res.requestUrl} → 202: CU still evaluating${message ? `: ${message}` : ''}`, { url: res.requestUrl, status: 202 })
}

function intHeader(res: HttpResponse, name: string): number | undefined {
  const v = res.headers.get(name)
  if (v === null || !/^\d+$/.test(v.trim())) return undefined
  return Number(v.trim())
}

const cuMessage: Validate<CuMessage> = (v, f = '') => {
  const o = obj(v, f)
  const m: CuMessage = { ...o, Tags: o.Tags === undefined ? [] : tags(o.Tags, sub(f, 'Tags')) }
  const target = optStr(o.Target, sub(f, 'Target'))
  const anchor = optStr(o.Anchor, sub(f, 'Anchor'))
  if (target === undefined) delete m.Target
  else m.Target = target
  if (anchor === undefined) delete m.Anchor
  else m.Anchor = anchor
  return m
}

export const cuResult: Validate<CuResult> = (v, f = '') => {
  const o = obj(v, f)
  const r: CuResult = {
    Messages: o.Messages === undefined ? [] : arr(o.Messages, sub(f, 'Messages'), cuMessage),
    Spawns: o.Spawns === undefined ? [] : arr(o.Spawns, sub(f, 'Spawns'), cuMessage),
    Assignments: o.Assignments === undefined ? [] : arr(o.Assignments, sub(f, 'Assignments'), (x) => x),
    Output: o.Output,
  }
  if (o.Error !== undefined && o.Error !== null) r.Error = o.Error
  if (typeof o.GasUsed === 'number') r.GasUsed = o.GasUsed
  return r
}

const resultsPage: Validate<CuResultsPage> = (v, f = '') => cursorPage(v, f, cuResult)
