/**
 * The relay's persistent outgoing queue, keyed by item id. Status only moves forward:
 * queued → sent → assigned (seen in the target's SU log), or queued → cancelled (the person's
 * stop, checked here inside the write so a concurrent acknowledgement and a cancel can't both win).
 * `cancelled` is terminal except for → assigned: an item whose earlier attempt reached the MU/SU
 * may be scheduled anyway, and the log is the truth. Enqueueing an id that is already known keeps
 * the existing record, so a restarted tab never sends an item twice.
 */
import type { StoreDb } from './db'
import type { OutboxRecord, OutboxStatus } from './records'
import { StoreError } from './errors'

// cancelled ranks highest: nothing moves out of it (but see the assigned exception in `advance`).
const RANK: Record<OutboxStatus, number> = { queued: 0, sent: 1, assigned: 2, cancelled: 3 }

export class OutboxStore {
  constructor(private readonly db: StoreDb) {}

  /** Queue a signed item; returns the stored record (the existing one if the id was known). */
  async enqueue(item: { id: string; target: string; raw: ArrayBuffer }): Promise<OutboxRecord> {
    if (!item.id || !item.target || !(item.raw instanceof ArrayBuffer) || item.raw.byteLength === 0) {
      throw new StoreError('store/invalid', `queueing item ${item.id || '(no id)'}: needs id, target and non-empty raw bytes`, { id: item.id })
    }
    const { value } = await this.db.write(['outbox'], `queueing item ${item.id} for ${item.target}`, async (tx) => {
      const old = await tx.objectStore('outbox').get(item.id)
      if (old) return old
      const now = Date.now()
      const rec: OutboxRecord = { id: item.id, target: item.target, raw: item.raw, status: 'queued', attempts: 0, createdAt: now, updatedAt: now }
      await tx.objectStore('outbox').add(rec)
      return rec
    })
    return value
  }

  get(id: string): Promise<OutboxRecord | undefined> {
    return this.db.read(['outbox'], `reading outbox item ${id}`, (tx) => tx.objectStore('outbox').get(id))
  }

  /** Items in one status, oldest first. */
  async list(status: OutboxStatus): Promise<OutboxRecord[]> {
    const all = await this.db.read(['outbox'], `listing ${status} outbox items`, (tx) => tx.objectStore('outbox').index('by-status').getAll(status))
    return all.sort((a, b) => a.createdAt - b.createdAt)
  }

  /** A send attempt failed: count it and keep the error; the item stays queued. */
  recordFailure(id: string, error: string): Promise<OutboxRecord> {
    return this.update(id, `recording a failed send of item ${id}`, (r) => ({ ...r, attempts: r.attempts + 1, lastError: error }))
  }

  markSent(id: string): Promise<OutboxRecord> {
    return this.update(id, `marking item ${id} sent`, (r) => ({ ...this.advance(r, 'sent'), attempts: r.attempts + 1 }))
  }

  markAssigned(id: string, nonce: number): Promise<OutboxRecord> {
    return this.update(id, `marking item ${id} assigned at nonce ${nonce}`, (r) => ({ ...this.advance(r, 'assigned'), assignedNonce: nonce }))
  }

  /**
   * The person stops a `queued` item (`discarded`: one the network refused). Refused for any other
   * status, so an item acknowledged a moment earlier stays `sent`.
   */
  markCancelled(id: string, opts: { discarded?: boolean } = {}): Promise<OutboxRecord> {
    return this.update(id, `cancelling item ${id}`, (r) => {
      if (r.status !== 'queued') throw new StoreError('store/invalid', `outbox item ${id} is ${r.status}, only a queued item can be cancelled`, { id, from: r.status, to: 'cancelled' })
      return { ...r, status: 'cancelled', cancelledAt: Date.now(), ...(opts.discarded && { discarded: true }) }
    })
  }

  private advance(r: OutboxRecord, to: OutboxStatus): OutboxRecord {
    if (r.status === 'cancelled' && to === 'assigned') return { ...r, status: to } // the log is the truth
    if (RANK[to] < RANK[r.status] || (to === r.status && to !== 'sent')) {
      throw new StoreError('store/invalid', `outbox item ${r.id}: cannot move from ${r.status} to ${to}`, { id: r.id, from: r.status, to })
    }
    return { ...r, status: to }
  }

  private async update(id: string, where: string, f: (r: OutboxRecord) => OutboxRecord): Promise<OutboxRecord> {
    const { value } = await this.db.write(['outbox'], where, async (tx) => {
      const r = await tx.objectStore('outbox').get(id)
      if (!r) throw new StoreError('store/not-found', `${where}: no such outbox item`, { id })
      const next = { ...f(r), updatedAt: Date.now() }
      await tx.objectStore('outbox').put(next)
      return next
    })
    return value
  }
}
