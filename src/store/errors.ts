/**
 * Typed errors for src/store. Callers branch on `code`; the message says what failed and where
 * (which store, process, nonce, snapshot id).
 */
export type StoreErrorCode =
  /** the origin's storage quota is exhausted, even after evicting old snapshots */
  | 'store/quota'
  /** stored bytes don't match their recorded digest / can't be decoded */
  | 'store/corrupt'
  /** the record asked for does not exist */
  | 'store/not-found'
  /** another connection (tab, worker) holds an older version open and won't close it */
  | 'store/blocked'
  /** IndexedDB can't be used: missing, closed, version from newer code, or a browser failure */
  | 'store/unavailable'
  /** the caller passed something the store refuses (nonce gap, head going backwards, bad status move) */
  | 'store/invalid'

export class StoreError extends Error {
  override readonly name = 'StoreError'
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code)
}

/** DOMException names IndexedDB uses for a full disk / exhausted origin quota. */
export function isQuotaError(e: unknown): boolean {
  if (isStoreError(e, 'store/quota')) return true
  const name = (e as { name?: unknown } | null)?.name
  return name === 'QuotaExceededError'
}

/** Turn a raw IndexedDB / DOM failure into a StoreError that says where it happened. */
export function toStoreError(e: unknown, where: string): StoreError {
  if (e instanceof StoreError) return e
  const name = (e as { name?: unknown } | null)?.name
  const msg = (e as { message?: unknown } | null)?.message
  const detail = `${typeof name === 'string' ? name : 'Error'}: ${typeof msg === 'string' ? msg : String(e)}`
  if (name === 'QuotaExceededError') return new StoreError('store/quota', `${where}: storage quota exceeded (${detail})`, {}, { cause: e })
  if (name === 'DataError' || name === 'DataCloneError') return new StoreError('store/invalid', `${where}: value refused by IndexedDB (${detail})`, {}, { cause: e })
  return new StoreError('store/unavailable', `${where}: IndexedDB failed (${detail})`, {}, { cause: e })
}
