/**
 * The connection: open with migrations, give way to other tabs that upgrade, typed transactions
 * that map IndexedDB failures to StoreError, quota recovery (evict old snapshots, retry once),
 * an idempotent `close()` and a `pending()` hook for tests.
 */
import { openDB, type IDBPTransaction } from 'idb'
import { DB_NAME, MIGRATIONS, type AolightSchema, type Db, type Migration, type StoreName } from './schema'
import { StoreError, isQuotaError, toStoreError } from './errors'
import { evictOldSnapshots, type EvictedSnapshot } from './snapshot-eviction'

export interface OpenOptions {
  /** database name; tests use their own */
  name?: string
  /** defaults to MIGRATIONS; the database version is their count */
  migrations?: readonly Migration[]
  /**
   * Close this connection when another one wants to upgrade (default true), so a newer tab is
   * never stuck. Later calls then fail with 'store/unavailable'.
   */
  closeOnVersionChange?: boolean
  /** give up opening after this long if older connections don't close (default 10 s) */
  blockedTimeoutMs?: number
  /** told when this connection closed itself for another connection's upgrade */
  onVersionChange?: (info: { from: number; to: number | null }) => void
  /** told whenever a write had to evict snapshots to fit */
  onEvicted?: (evicted: EvictedSnapshot[]) => void
}

export type Tx<N extends StoreName, M extends IDBTransactionMode> = IDBPTransaction<AolightSchema, N[], M>

export interface WriteOutcome<T> {
  value: T
  /** snapshots deleted to make room for this write (empty when none were needed) */
  evicted: EvictedSnapshot[]
}

export class StoreDb {
  private db: Db | null
  private readonly inFlight = new Set<Promise<unknown>>()
  private closedReason: string | null = null

  private constructor(db: Db, readonly name: string, readonly version: number, private readonly opts: OpenOptions) {
    this.db = db
  }

  static async open(opts: OpenOptions = {}): Promise<StoreDb> {
    const name = opts.name ?? DB_NAME
    const migrations = opts.migrations ?? MIGRATIONS
    const version = migrations.length
    if (typeof indexedDB === 'undefined') {
      throw new StoreError('store/unavailable', `cannot open database "${name}": IndexedDB is not available in this context`)
    }
    if (version < 1) throw new StoreError('store/invalid', `cannot open database "${name}": no migrations`)
    let store: StoreDb | undefined
    let gaveUp = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let armBlocked: (current: number) => void = () => {}
    let upgradeError: unknown
    const blockedMs = opts.blockedTimeoutMs ?? 10_000
    const blocked = new Promise<never>((_, reject) => {
      // Armed only if the browser reports older connections holding the upgrade up.
      armBlocked = (current: number) => {
        timer ??= setTimeout(() => {
          gaveUp = true
          reject(new StoreError('store/blocked',
            `cannot upgrade database "${name}" from version ${current} to ${version}: another tab or worker keeps it open (waited ${blockedMs} ms); close other aolight tabs`,
            { name, current, wanted: version }))
        }, blockedMs)
      }
    })
    const opening = openDB<AolightSchema>(name, version, {
      upgrade(db, oldVersion, _newVersion, tx) {
        // We already reported store/blocked: don't upgrade behind the caller's back.
        void tx.done.catch(() => {}) // an aborted upgrade is reported through the open promise
        if (gaveUp) {
          tx.abort()
          return
        }
        // A failing migration aborts the upgrade transaction: the database stays at oldVersion.
        void (async () => {
          for (let v = oldVersion; v < version; v++) await migrations[v]!(db, tx, v)
        })().catch((e: unknown) => {
          upgradeError = e
          try { tx.abort() } catch { /* already finished */ }
        })
      },
      blocked(current) { armBlocked(current) },
      blocking(current, next) {
        if (opts.closeOnVersionChange === false || !store) return
        store.closeFor(`another connection upgrades database "${name}" from version ${current} to ${String(next)}`)
        opts.onVersionChange?.({ from: current, to: next })
      },
      terminated() { store?.closeFor(`the browser closed database "${name}" unexpectedly`) },
    })
    try {
      const db = await Promise.race([opening, blocked])
      store = new StoreDb(db, name, version, opts)
      return store
    } catch (e) {
      if (gaveUp) void opening.then((db) => db.close(), () => {})
      if ((e as { name?: unknown }).name === 'VersionError') {
        throw new StoreError('store/unavailable',
          `database "${name}" is at a newer version than this code knows (${version}); a newer aolight is open elsewhere, reload this tab`,
          { name, version }, { cause: e })
      }
      if (upgradeError !== undefined) {
        throw new StoreError('store/unavailable',
          `upgrading database "${name}" to version ${version} failed, it stays at its old version: ${String(upgradeError)}`,
          { name, version }, { cause: upgradeError })
      }
      throw toStoreError(e, `opening database "${name}" at version ${version}`)
    } finally {
      clearTimeout(timer)
    }
  }

  get closed(): boolean {
    return this.db === null
  }

  /** Idempotent. Writes already started finish (IndexedDB commits them); new calls fail. */
  close(): void {
    this.closeFor('closed by this code')
  }

  private closeFor(reason: string): void {
    if (!this.db) return
    this.closedReason = reason
    this.db.close()
    this.db = null
  }

  /** Resolves when every transaction started so far has settled (for tests and clean shutdown). */
  async pending(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  /** The raw idb handle, for migrations tests and eviction. */
  raw(where: string): Db {
    if (!this.db) throw new StoreError('store/unavailable', `${where}: database "${this.name}" is closed (${this.closedReason ?? 'closed'})`)
    return this.db
  }

  /** A read-only transaction; `fn` must only await requests of `tx`. */
  read<N extends StoreName, T>(stores: N[], where: string, fn: (tx: Tx<N, 'readonly'>) => Promise<T>): Promise<T> {
    return this.track(this.once(stores, 'readonly', where, fn))
  }

  /**
   * A read-write transaction, atomic: either everything `fn` did is stored or nothing is.
   * On a quota error, old snapshots are evicted and the transaction is run again once.
   */
  write<N extends StoreName, T>(stores: N[], where: string, fn: (tx: Tx<N, 'readwrite'>) => Promise<T>, opts: { protectSnapshots?: readonly number[] } = {}): Promise<WriteOutcome<T>> {
    return this.track((async () => {
      try {
        return { value: await this.once(stores, 'readwrite', where, fn), evicted: [] }
      } catch (e) {
        if (!isQuotaError(e)) throw e
        const evicted = await evictOldSnapshots(this.raw(where), opts.protectSnapshots).catch((err: unknown) => { throw toStoreError(err, `${where}: evicting snapshots`) })
        if (evicted.length === 0) {
          throw new StoreError('store/quota', `${where}: storage quota exceeded and no old snapshot is left to evict; nothing was written`, {}, { cause: e })
        }
        this.opts.onEvicted?.(evicted)
        try {
          return { value: await this.once(stores, 'readwrite', where, fn), evicted }
        } catch (e2) {
          if (!isQuotaError(e2)) throw e2
          throw new StoreError('store/quota',
            `${where}: storage quota exceeded even after evicting ${evicted.length} old snapshot(s); nothing was written`,
            { evicted }, { cause: e2 })
        }
      }
    })())
  }

  private async once<N extends StoreName, M extends IDBTransactionMode, T>(stores: N[], mode: M, where: string, fn: (tx: Tx<N, M>) => Promise<T>): Promise<T> {
    const db = this.raw(where)
    let tx: Tx<N, M>
    try {
      tx = db.transaction(stores, mode) as Tx<N, M>
    } catch (e) {
      throw toStoreError(e, where)
    }
    let value: T
    try {
      value = await fn(tx)
    } catch (e) {
      try { tx.abort() } catch { /* already aborted by the browser */ }
      await tx.done.catch(() => {})
      if (e instanceof StoreError) throw e
      // A request failed because the whole transaction aborted (e.g. quota): report the cause.
      throw toStoreError(tx.error ?? e, where)
    }
    try {
      await tx.done
    } catch (e) {
      throw toStoreError(tx.error ?? e, where)
    }
    return value
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p)
    const done = () => this.inFlight.delete(p)
    p.then(done, done)
    return p
  }
}

export function openStore(opts?: OpenOptions): Promise<StoreDb> {
  return StoreDb.open(opts)
}

/**
 * Queue many requests in one transaction and wait for all. If queueing throws synchronously
 * (e.g. DataCloneError), the requests already queued will reject when the transaction aborts:
 * their rejections are consumed here so they don't surface as unhandled.
 */
export async function requestAll<T>(values: readonly T[], request: (v: T) => Promise<unknown>): Promise<void> {
  const queued: Promise<unknown>[] = []
  try {
    for (const v of values) queued.push(request(v))
  } catch (e) {
    for (const q of queued) q.catch(() => {})
    throw e
  }
  await Promise.all(queued)
}
