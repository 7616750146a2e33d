/**
 * The database layout: one table constant (store names, key paths, indexes) from which the store
 * name type is derived, the typed idb schema, and the ordered list of migrations.
 *
 * One database `aolight`; its IndexedDB version is the number of migrations. A migration runs
 * inside the upgrade transaction and must only use that transaction (no awaits on anything else).
 * Never edit a shipped migration: append a new one.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import type {
  CheckRecord, CheckVerdict, LogRecord, ModuleRecord, OutboxRecord, OutboxStatus, ProcessRecord,
  ResultRecord, SettingRecord, SnapshotDataRecord, SnapshotRecord,
} from './records'

export const DB_NAME = 'aolight'

interface IndexDef { readonly keyPath: string | readonly string[]; readonly unique?: boolean }
interface StoreDef {
  readonly keyPath: string | readonly string[]
  readonly autoIncrement?: boolean
  readonly indexes: Readonly<Record<string, IndexDef>>
}

/** Every object store of version 1. */
export const STORES = {
  processes: { keyPath: 'id', indexes: {} },
  modules: { keyPath: 'id', indexes: {} },
  /** key [processId, nonce] */
  log: { keyPath: ['processId', 'nonce'], indexes: { 'by-message': { keyPath: ['processId', 'messageId'] } } },
  /** key [processId, nonce, cron] (see Ordinate) */
  results: { keyPath: ['processId', 'nonce', 'cron'], indexes: { 'by-message': { keyPath: ['processId', 'messageId'] } } },
  /** snapshot metadata; key = auto-increment id, so id order is write order */
  snapshots: {
    keyPath: 'id', autoIncrement: true,
    indexes: { 'by-ordinate': { keyPath: ['processId', 'nonce', 'cron'] } },
  },
  /** compressed snapshot pages, same id as the metadata; kept apart so listing metadata stays cheap */
  snapshotData: { keyPath: 'id', indexes: {} },
  /** key [processId, nonce, cron, remote] */
  checks: {
    keyPath: ['processId', 'nonce', 'cron', 'remote'],
    indexes: { 'by-verdict': { keyPath: ['processId', 'verdict'] } },
  },
  outbox: { keyPath: 'id', indexes: { 'by-status': { keyPath: 'status' } } },
  settings: { keyPath: 'key', indexes: {} },
} as const satisfies Record<string, StoreDef>

export type StoreName = keyof typeof STORES

type Key3 = [string, number, number]

/** The same layout for idb's typed API. */
export interface AolightSchema extends DBSchema {
  processes: { key: string; value: ProcessRecord }
  modules: { key: string; value: ModuleRecord }
  log: { key: [string, number]; value: LogRecord; indexes: { 'by-message': [string, string] } }
  results: { key: Key3; value: ResultRecord; indexes: { 'by-message': [string, string] } }
  snapshots: { key: number; value: SnapshotRecord; indexes: { 'by-ordinate': Key3 } }
  snapshotData: { key: number; value: SnapshotDataRecord }
  checks: { key: [string, number, number, string]; value: CheckRecord; indexes: { 'by-verdict': [string, CheckVerdict] } }
  outbox: { key: string; value: OutboxRecord; indexes: { 'by-status': OutboxStatus } }
  settings: { key: string; value: SettingRecord }
}

// Compile-time check that the table constant and the typed schema name the same stores.
type _SameStores = [StoreName] extends [StoreNames<AolightSchema>] ? ([StoreNames<AolightSchema>] extends [StoreName] ? true : never) : never
const _sameStores: _SameStores = true
void _sameStores

export type Db = IDBPDatabase<AolightSchema>
export type UpgradeTx = IDBPTransaction<AolightSchema, StoreName[], 'versionchange'>
/** Upgrades the database from version `oldVersion` (its index in the list) to the next one. */
export type Migration = (db: Db, tx: UpgradeTx, oldVersion: number) => void | Promise<void>

/** Create the stores and indexes of a table constant that don't exist yet. */
function createStores(db: Db, tables: Readonly<Record<string, StoreDef>>): void {
  const raw = db as unknown as IDBDatabase
  for (const [name, def] of Object.entries(tables)) {
    if (raw.objectStoreNames.contains(name)) continue
    const store = raw.createObjectStore(name, {
      keyPath: def.keyPath as string | string[],
      autoIncrement: def.autoIncrement ?? false,
    })
    for (const [index, idx] of Object.entries(def.indexes)) {
      store.createIndex(index, idx.keyPath as string | string[], { unique: idx.unique ?? false })
    }
  }
}

/** Migration i takes the database from version i to i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  // v1: every store of STORES
  (db) => createStores(db, STORES),
]

export const DB_VERSION = MIGRATIONS.length
