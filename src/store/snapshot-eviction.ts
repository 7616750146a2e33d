/**
 * Making room under quota pressure: delete old snapshots, never the newest usable snapshot of a
 * process nor the base chain it needs, and never log entries or results (those are what a
 * snapshot can be rebuilt from).
 */
import type { Db } from './schema'
import type { SnapshotRecord } from './records'
import { compareOrdinates } from './ordinate'

export interface EvictedSnapshot {
  id: number
  processId: string
  nonce: number
  cron: number
  compressedSize: number
}

/** The snapshots eviction must keep: per process, the newest non-corrupt one and its chain. */
export function protectedSnapshotIds(metas: readonly SnapshotRecord[]): Set<number> {
  const byId = new Map(metas.map((m) => [m.id, m]))
  const newest = new Map<string, SnapshotRecord>()
  for (const m of metas) {
    if (m.corrupt) continue
    const cur = newest.get(m.processId)
    if (!cur || compareOrdinates(m, cur) > 0 || (compareOrdinates(m, cur) === 0 && m.id > cur.id)) newest.set(m.processId, m)
  }
  const keep = new Set<number>()
  for (const m of newest.values()) {
    for (let s: SnapshotRecord | undefined = m; s && !keep.has(s.id); s = s.baseId === null ? undefined : byId.get(s.baseId)) keep.add(s.id)
  }
  return keep
}

/**
 * One process's snapshots that pruning to the newest `keep` deletes: all but the newest `keep`
 * non-corrupt ones (by ordinate, then id) and the chains those need, and `alsoKeep` (with chains).
 */
export function snapshotsToPrune(metas: readonly SnapshotRecord[], keep: number, alsoKeep: readonly number[] = []): SnapshotRecord[] {
  const byId = new Map(metas.map((m) => [m.id, m]))
  const newestFirst = metas.filter((m) => !m.corrupt).sort((a, b) => compareOrdinates(b, a) || b.id - a.id)
  const kept = new Set<number>()
  const withChain = (id: number) => {
    for (let s = byId.get(id); s && !kept.has(s.id); s = s.baseId === null ? undefined : byId.get(s.baseId)) kept.add(s.id)
  }
  for (const m of newestFirst.slice(0, keep)) withChain(m.id)
  for (const id of alsoKeep) withChain(id)
  return metas.filter((m) => !kept.has(m.id))
}

/** Delete every unprotected snapshot (and any not in `alsoKeep`), oldest first, in one transaction. */
export async function evictOldSnapshots(db: Db, alsoKeep: readonly number[] = []): Promise<EvictedSnapshot[]> {
  const tx = db.transaction(['snapshots', 'snapshotData'], 'readwrite')
  const metas = await tx.objectStore('snapshots').getAll()
  const keep = protectedSnapshotIds(metas)
  for (const id of alsoKeep) keep.add(id)
  const evicted: EvictedSnapshot[] = []
  for (const m of metas) {
    if (keep.has(m.id)) continue
    void tx.objectStore('snapshots').delete(m.id)
    void tx.objectStore('snapshotData').delete(m.id)
    evicted.push({ id: m.id, processId: m.processId, nonce: m.nonce, cron: m.cron, compressedSize: m.compressedSize })
  }
  await tx.done
  return evicted
}
