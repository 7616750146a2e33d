/** Harness page: exposes src/store and test helpers on `window.store` for test/e2e/store.spec.ts. */
import * as store from '../../../src/store/index'
import { StoreDb } from '../../../src/store/db'
import { MIGRATIONS, type Migration } from '../../../src/store/schema'
import { sha256Hex } from '../../../src/store/snapshot-codec'
import { aosLikeMemory, evaluateMessages, AOS_NONZERO_PAGES } from './store-memory'
import type { AosTiming } from './store-aos-worker'

const harness = {
  ...store, StoreDb, MIGRATIONS, sha256Hex, aosLikeMemory, evaluateMessages, AOS_NONZERO_PAGES,
  /** A test-only v2 migration: adds a field to every process and an index, using the upgrade tx. */
  testMigrationV2: (async (_db, tx) => {
    const procs = tx.objectStore('processes')
    ;(procs as unknown as IDBObjectStore).createIndex('by-module', 'moduleId')
    for (let c = await procs.openCursor(); c; c = await c.continue()) {
      await c.update({ ...c.value, status: 'ready', error: 'migrated-v2' })
    }
  }) as Migration,
  /** Time an incremental snapshot write inside a dedicated Worker (what compute will do). */
  workerTiming(dbName: string): Promise<unknown> {
    const w = new Worker(new URL('./store-worker.ts', import.meta.url), { type: 'module' })
    return new Promise((resolve, reject) => {
      w.onmessage = (e) => { w.terminate(); resolve(e.data) }
      w.onerror = (e) => { w.terminate(); reject(new Error(e.message)) }
      w.postMessage({ dbName })
    })
  },
  /** Snapshot timings on a real aos memory made by our runtime inside a dedicated Worker. */
  aosTiming(dbName: string, moduleUrl: string, rounds: number, perRound: number): Promise<AosTiming> {
    const w = new Worker(new URL('./store-aos-worker.ts', import.meta.url), { type: 'module' })
    return new Promise((resolve, reject) => {
      w.onmessage = (e: MessageEvent<{ ok: true; timing: AosTiming } | { ok: false; error: string }>) => {
        w.terminate()
        if (e.data.ok) resolve(e.data.timing)
        else reject(new Error(e.data.error))
      }
      w.onerror = (e) => { w.terminate(); reject(new Error(e.message)) }
      w.postMessage({ dbName, moduleUrl, rounds, perRound })
    })
  },
}
export type StoreHarness = typeof harness
;(window as unknown as { store: StoreHarness }).store = harness
document.title = 'store harness ready'
