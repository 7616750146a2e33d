/**
 * The store's public API: one object with a repository per concept over one connection.
 * Used by the compute and relay workers; the UI never touches IndexedDB in bulk.
 */
import { StoreDb, type OpenOptions } from './db'
import { ProcessStore } from './process-store'
import { ModuleStore } from './module-store'
import { LogStore } from './log-store'
import { ResultStore } from './result-store'
import { SnapshotStore } from './snapshot-store'
import { CheckStore } from './check-store'
import { OutboxStore } from './outbox-store'
import { SettingsStore } from './settings-store'

export interface AolightStore {
  readonly db: StoreDb
  readonly processes: ProcessStore
  readonly modules: ModuleStore
  readonly log: LogStore
  readonly results: ResultStore
  readonly snapshots: SnapshotStore
  readonly checks: CheckStore
  readonly outbox: OutboxStore
  readonly settings: SettingsStore
  close(): void
  pending(): Promise<void>
}

export async function openAolightStore(opts?: OpenOptions): Promise<AolightStore> {
  const db = await StoreDb.open(opts)
  return {
    db,
    processes: new ProcessStore(db),
    modules: new ModuleStore(db),
    log: new LogStore(db),
    results: new ResultStore(db),
    snapshots: new SnapshotStore(db),
    checks: new CheckStore(db),
    outbox: new OutboxStore(db),
    settings: new SettingsStore(db),
    close: () => db.close(),
    pending: () => db.pending(),
  }
}

export { StoreDb, type OpenOptions } from './db'
export { StoreError, isStoreError, type StoreErrorCode } from './errors'
export type * from './records'
export type { EvictedSnapshot } from './snapshot-eviction'
export { requestPersistence, storageUsage } from './storage-quota'
export * from './snapshot-policy'
