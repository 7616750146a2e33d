/** Ordering helpers for `Ordinate` ([nonce, cron]) and the IndexedDB key ranges built from it. */
import type { Ordinate } from './records'
import { StoreError } from './errors'

export function compareOrdinates(a: Ordinate, b: Ordinate): number {
  return a.nonce !== b.nonce ? a.nonce - b.nonce : a.cron - b.cron
}

export function checkOrdinate(o: Ordinate, where: string): void {
  if (!Number.isSafeInteger(o.nonce) || o.nonce < 0 || !Number.isSafeInteger(o.cron) || o.cron < 0) {
    throw new StoreError('store/invalid', `${where}: ordinate must be non-negative integers, got nonce=${String(o.nonce)} cron=${String(o.cron)}`, { ordinate: o })
  }
}

export const ordinateText = (o: Ordinate): string => (o.cron === 0 ? `${o.nonce}` : `${o.nonce}+cron${o.cron}`)

/** Compact, sortable-as-numbers cursor text for paging ("nonce.cron"). */
export const encodeCursor = (o: Ordinate): string => `${o.nonce}.${o.cron}`

export function decodeCursor(cursor: string): Ordinate {
  const m = /^(\d+)\.(\d+)$/.exec(cursor)
  if (!m) throw new StoreError('store/invalid', `bad results cursor "${cursor}" (expected "<nonce>.<cron>")`, { cursor })
  return { nonce: Number(m[1]), cron: Number(m[2]) }
}
