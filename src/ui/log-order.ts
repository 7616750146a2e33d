/**
 * The order of a process's log as the page lists it: newest first, by time, then by the position
 * in the evaluation (nonce, then the cron index after it). Cron ticks have no nonce of their own:
 * they are named `cron:<nonce>.<index>` (evaluated after that nonce, before the next), so they
 * sort among the scheduled messages where they happened, not below them all.
 */
import type { LoggedMessage } from '../node/contract'

const CRON_NAME = /^cron:(\d+)\.(\d+)$/

/** (nonce, cron index) of a log row; null when a cron row carries no parsable name. */
export function ordinateOf(m: Pick<LoggedMessage, 'id' | 'nonce' | 'cron'>): { nonce: number; cron: number } | null {
  if (m.nonce !== null) return { nonce: m.nonce, cron: 0 }
  const c = CRON_NAME.exec(m.id)
  return c ? { nonce: Number(c[1]), cron: Number(c[2]) } : null
}

/** Newest first: timestamp descending, then ordinate descending. */
export function compareNewestFirst(a: LoggedMessage, b: LoggedMessage): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp
  const oa = ordinateOf(a)
  const ob = ordinateOf(b)
  if (oa && ob) return ob.nonce - oa.nonce || ob.cron - oa.cron
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Scheduled messages and cron ticks counted apart (a tick is not a message of the log). */
export function countRows(ms: readonly LoggedMessage[]): { messages: number; cronTicks: number } {
  let cronTicks = 0
  for (const m of ms) if (m.cron) cronTicks++
  return { messages: ms.length - cronTicks, cronTicks }
}
