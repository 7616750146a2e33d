/**
 * Drops everything cached for one process (log, results, snapshots, checks, the process record)
 * in one transaction, so the next open re-fetches and re-verifies from scratch. Modules stay:
 * they are shared by processes and verified by id.
 */
import type { AolightStore } from '../store/index'

export async function clearProcessCache(store: AolightStore, processId: string): Promise<{ snapshots: number }> {
  const { value } = await store.db.write(['processes', 'log', 'results', 'snapshots', 'snapshotData', 'checks'], `clearing the cache of process ${processId}`, async (tx) => {
    const big = [processId, Infinity, Infinity]
    await tx.objectStore('log').delete(IDBKeyRange.bound([processId, 0], [processId, Infinity]))
    await tx.objectStore('results').delete(IDBKeyRange.bound([processId, 0, 0], big))
    await tx.objectStore('checks').delete(IDBKeyRange.bound([processId, 0, 0, ''], [processId, Infinity, Infinity, '\uffff']))
    const ids = await tx.objectStore('snapshots').index('by-ordinate').getAllKeys(IDBKeyRange.bound([processId, 0, 0], big))
    for (const id of ids) {
      await tx.objectStore('snapshots').delete(id)
      await tx.objectStore('snapshotData').delete(id)
    }
    await tx.objectStore('processes').delete(processId)
    return ids.length
  })
  return { snapshots: value }
}
