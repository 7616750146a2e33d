/**
 * Client for a remote Compute Unit (ao-protocol.md §2), used to cross-check local results,
 * dry-run, and hot-start from `/state`. Result shape: ao `servers/cu/src/domain/model.js`.
 */
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
  async *allResults(processId: string, q: ResultsQuery = {}): AsyncGenerator<{ cursor: string; node: CuResult }> {
    let from = q.from
    for (;;) {
      const page = await this.results(processId, { ...q, from })
      for (const e of page.edges) yield e
      const last = page.edges[page.edges.length - 1]
      if (!page.hasNextPage || !last || last.cursor === from) return
      from = last.cursor
    }
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
