/**
 * The outgoing queue's state machine without persistence: for Node (tests, benches) and for a
 * browser where IndexedDB is unavailable (the UI must then say that a reload loses the queue).
 * Same rules as `store/outbox-store.ts`: known ids keep their record; status only moves forward
 * (cancelled is terminal but for → assigned).
 */
import type { OutboxRecord, OutboxStatus } from '../store/records'
import type { QueueStore } from './send-queue'
import { RelayError } from './errors'

const RANK: Record<OutboxStatus, number> = { queued: 0, sent: 1, assigned: 2, cancelled: 3 }

export class MemoryQueueStore implements QueueStore {
  private readonly records = new Map<string, OutboxRecord>()

  async enqueue(item: { id: string; target: string; raw: ArrayBuffer }): Promise<OutboxRecord> {
    const old = this.records.get(item.id)
    if (old) return { ...old }
    const now = Date.now()
    const rec: OutboxRecord = { id: item.id, target: item.target, raw: item.raw, status: 'queued', attempts: 0, createdAt: now, updatedAt: now }
    this.records.set(item.id, rec)
    return { ...rec }
  }

  async get(id: string): Promise<OutboxRecord | undefined> {
    const r = this.records.get(id)
    return r && { ...r }
  }

  async list(status: OutboxStatus): Promise<OutboxRecord[]> {
    return [...this.records.values()].filter((r) => r.status === status).sort((a, b) => a.createdAt - b.createdAt).map((r) => ({ ...r }))
  }

  recordFailure(id: string, error: string): Promise<OutboxRecord> {
    return this.update(id, (r) => ({ ...r, attempts: r.attempts + 1, lastError: error }))
  }

  markSent(id: string): Promise<OutboxRecord> {
    return this.update(id, (r) => ({ ...advance(r, 'sent'), attempts: r.attempts + 1 }))
  }

  markAssigned(id: string, nonce: number): Promise<OutboxRecord> {
    return this.update(id, (r) => ({ ...advance(r, 'assigned'), assignedNonce: nonce }))
  }

  markCancelled(id: string, opts: { discarded?: boolean } = {}): Promise<OutboxRecord> {
    return this.update(id, (r) => {
      if (r.status !== 'queued') throw new RelayError('send/not-cancellable', `outbox item ${id} is ${r.status}, only a queued item can be cancelled`, { id, status: r.status })
      return { ...r, status: 'cancelled', cancelledAt: Date.now(), ...(opts.discarded && { discarded: true }) }
    })
  }

  private async update(id: string, f: (r: OutboxRecord) => OutboxRecord): Promise<OutboxRecord> {
    const r = this.records.get(id)
    if (!r) throw new RelayError('send/unknown-item', `no outbox item ${id}`, { id })
    const next = { ...f(r), updatedAt: Date.now() }
    this.records.set(id, next)
    return { ...next }
  }
}

function advance(r: OutboxRecord, to: OutboxStatus): OutboxRecord {
  if (r.status === 'cancelled' && to === 'assigned') return { ...r, status: to } // the log is the truth
  if (RANK[to] < RANK[r.status] || (to === r.status && to !== 'sent')) {
    throw new RelayError('send/unknown-item', `outbox item ${r.id}: cannot move from ${r.status} to ${to}`, { id: r.id })
  }
  return { ...r, status: to }
}
