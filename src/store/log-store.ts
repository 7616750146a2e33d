/**
 * The process's scheduled log, by nonce. Pages are appended only after verification and only
 * contiguously, in one transaction with the process's verified head, so the head always means
 * "every nonce 0..head is stored".
 */
import { requestAll, type StoreDb } from './db'
import type { LogRecord } from './records'
import { StoreError } from './errors'

export type NewLogEntry = Omit<LogRecord, 'processId'>

export class LogStore {
  constructor(private readonly db: StoreDb) {}

  /** Append a verified page; returns the new verified head. */
  async appendVerified(processId: string, entries: readonly NewLogEntry[]): Promise<number> {
    const where = `appending ${entries.length} log entries to process ${processId}`
    if (entries.length === 0) throw new StoreError('store/invalid', `${where}: empty page`, { processId })
    entries.forEach((e, i) => {
      if (!Number.isSafeInteger(e.nonce) || e.nonce < 0) throw new StoreError('store/invalid', `${where}: entry ${i} has bad nonce ${String(e.nonce)}`, { processId, index: i })
      const prev = entries[i - 1]
      if (prev && e.nonce !== prev.nonce + 1) {
        throw new StoreError('store/invalid', `${where}: nonce ${e.nonce} follows ${prev.nonce} inside the page`, { processId, nonce: e.nonce })
      }
    })
    const { value } = await this.db.write(['processes', 'log'], where, async (tx) => {
      const p = await tx.objectStore('processes').get(processId)
      if (!p) throw new StoreError('store/not-found', `${where}: process is not stored`, { processId })
      const first = entries[0]!.nonce
      if (first !== p.verifiedHead + 1) {
        throw new StoreError('store/invalid',
          `${where}: page starts at nonce ${first} but the verified head is ${p.verifiedHead} (expected ${p.verifiedHead + 1})`,
          { processId, nonce: first, head: p.verifiedHead })
      }
      const log = tx.objectStore('log')
      await requestAll(entries, (e) => log.put({ ...e, processId }))
      const head = entries[entries.length - 1]!.nonce
      await tx.objectStore('processes').put({ ...p, verifiedHead: head, updatedAt: Date.now() })
      return head
    })
    return value
  }

  /** Entries with from <= nonce <= to, ascending. */
  range(processId: string, from: number, to: number): Promise<LogRecord[]> {
    if (to < from) return Promise.resolve([])
    return this.db.read(['log'], `reading log of process ${processId} nonces ${from}..${to}`,
      (tx) => tx.objectStore('log').getAll(IDBKeyRange.bound([processId, from], [processId, to])))
  }

  async get(processId: string, nonce: number): Promise<LogRecord | undefined> {
    return this.db.read(['log'], `reading log entry ${nonce} of process ${processId}`, (tx) => tx.objectStore('log').get([processId, nonce]))
  }

  /** The verified head (-1 when nothing is stored). */
  async head(processId: string): Promise<number> {
    const p = await this.db.read(['processes'], `reading log head of process ${processId}`, (tx) => tx.objectStore('processes').get(processId))
    if (!p) throw new StoreError('store/not-found', `reading log head: process ${processId} is not stored`, { processId })
    return p.verifiedHead
  }

  byMessageId(processId: string, messageId: string): Promise<LogRecord | undefined> {
    return this.db.read(['log'], `looking up message ${messageId} in the log of process ${processId}`,
      (tx) => tx.objectStore('log').index('by-message').get([processId, messageId]))
  }
}
