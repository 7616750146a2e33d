/** Processes: the process record, its module and scheduler, and the two heads (verified log, evaluated results). */
import type { StoreDb } from './db'
import type { ProcessRecord, ProcessStatus } from './records'
import { StoreError } from './errors'

/** What the caller knows when it first loads a process; heads start empty. */
export type NewProcess = Pick<ProcessRecord, 'id' | 'record' | 'tags' | 'moduleId' | 'scheduler'>

export class ProcessStore {
  constructor(private readonly db: StoreDb) {}

  /** Add a process, or refresh its record/tags of an existing one without touching its heads. */
  async put(p: NewProcess): Promise<ProcessRecord> {
    if (!p.id || !p.moduleId || !p.scheduler) {
      throw new StoreError('store/invalid', `process record needs id, moduleId and scheduler (got id="${p.id}", moduleId="${p.moduleId}", scheduler="${p.scheduler}")`)
    }
    const where = `storing process ${p.id}`
    const { value } = await this.db.write(['processes'], where, async (tx) => {
      const old = await tx.objectStore('processes').get(p.id)
      const rec: ProcessRecord = {
        verifiedHead: -1, evaluatedHead: null, status: 'new', ...old,
        id: p.id, record: p.record, tags: p.tags, moduleId: p.moduleId, scheduler: p.scheduler, updatedAt: Date.now(),
      }
      await tx.objectStore('processes').put(rec)
      return rec
    })
    return value
  }

  get(id: string): Promise<ProcessRecord | undefined> {
    return this.db.read(['processes'], `reading process ${id}`, (tx) => tx.objectStore('processes').get(id))
  }

  async require(id: string): Promise<ProcessRecord> {
    const p = await this.get(id)
    if (!p) throw new StoreError('store/not-found', `process ${id} is not stored`, { processId: id })
    return p
  }

  list(): Promise<ProcessRecord[]> {
    return this.db.read(['processes'], 'listing processes', (tx) => tx.objectStore('processes').getAll())
  }

  async setStatus(id: string, status: ProcessStatus, error?: string): Promise<void> {
    await this.db.write(['processes'], `setting status of process ${id}`, async (tx) => {
      const p = await tx.objectStore('processes').get(id)
      if (!p) throw new StoreError('store/not-found', `setting status of process ${id}: process is not stored`, { processId: id })
      const next: ProcessRecord = { ...p, status, updatedAt: Date.now() }
      if (error === undefined) delete next.error
      else next.error = error
      await tx.objectStore('processes').put(next)
    })
  }
}
