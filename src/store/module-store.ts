/** Module binaries with their tags, and whether their bytes were checked against the signed item. */
import type { StoreDb } from './db'
import type { ModuleRecord } from './records'
import { StoreError } from './errors'

export class ModuleStore {
  constructor(private readonly db: StoreDb) {}

  async put(m: Omit<ModuleRecord, 'storedAt'>): Promise<void> {
    if (!m.id || !(m.bytes instanceof ArrayBuffer) || m.bytes.byteLength === 0) {
      throw new StoreError('store/invalid', `module ${m.id || '(no id)'}: bytes must be a non-empty ArrayBuffer`, { moduleId: m.id })
    }
    await this.db.write(['modules'], `storing module ${m.id}`, async (tx) => {
      await tx.objectStore('modules').put({ ...m, storedAt: Date.now() })
    })
  }

  get(id: string): Promise<ModuleRecord | undefined> {
    return this.db.read(['modules'], `reading module ${id}`, (tx) => tx.objectStore('modules').get(id))
  }

  async has(id: string): Promise<boolean> {
    const key = await this.db.read(['modules'], `looking up module ${id}`, (tx) => tx.objectStore('modules').getKey(id))
    return key !== undefined
  }
}
