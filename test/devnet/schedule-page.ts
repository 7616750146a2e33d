/**
 * Schedule paging with the reference SU's bounds (ao servers/su store.rs get_messages):
 * timestamp mode (default) `from` exclusive / `to` inclusive, cursor = assignment Timestamp;
 * nonce mode (`from-nonce`/`to-nonce`) the same bounds on Nonce, cursor = Nonce. `limit`
 * defaults to 100 and one extra row decides `has_next_page`.
 */
import type { ScheduledEntry } from './scheduler-log'

export const DEFAULT_LIMIT = 100
/** The SU has no hard cap we know of; this keeps one request from serialising a huge log. */
export const MAX_LIMIT = 10_000

export type PageQuery =
  | { mode: 'timestamp'; from?: number; to?: number; limit: number }
  | { mode: 'nonce'; from?: number; to?: number; limit: number }

export class PageQueryError extends Error {
  override readonly name = 'PageQueryError'
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name)
  if (raw === null || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) throw new PageQueryError(`query parameter ${name}=${JSON.stringify(raw)} is not an integer`)
  return Number(raw)
}

export function parsePageQuery(query: URLSearchParams): PageQuery {
  const limit = intParam(query, 'limit') ?? DEFAULT_LIMIT
  if (limit < 1 || limit > MAX_LIMIT) throw new PageQueryError(`limit must be in 1..${MAX_LIMIT}, got ${limit}`)
  const fromNonce = intParam(query, 'from-nonce')
  const toNonce = intParam(query, 'to-nonce')
  if (fromNonce !== undefined || toNonce !== undefined) {
    return { mode: 'nonce', ...(fromNonce !== undefined ? { from: fromNonce } : {}), ...(toNonce !== undefined ? { to: toNonce } : {}), limit }
  }
  const from = intParam(query, 'from')
  const to = intParam(query, 'to')
  return { mode: 'timestamp', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), limit }
}

export interface Page {
  entries: ScheduledEntry[]
  hasNextPage: boolean
  cursorOf: (e: ScheduledEntry) => string
}

export function selectPage(entries: readonly ScheduledEntry[], q: PageQuery): Page {
  const key = q.mode === 'nonce' ? (e: ScheduledEntry) => e.nonce : (e: ScheduledEntry) => e.timestamp
  const matching = entries.filter((e) => (q.from === undefined || key(e) > q.from) && (q.to === undefined || key(e) <= q.to))
  return {
    entries: matching.slice(0, q.limit),
    hasNextPage: matching.length > q.limit,
    cursorOf: (e) => String(key(e)),
  }
}
