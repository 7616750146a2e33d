/** Small key/value settings (endpoints, policy knobs, UI choices). */
import type { StoreDb } from './db'

export class SettingsStore {
  constructor(private readonly db: StoreDb) {}

  async get<T>(key: string): Promise<T | undefined> {
    const rec = await this.db.read(['settings'], `reading setting "${key}"`, (tx) => tx.objectStore('settings').get(key))
    return rec?.value as T | undefined
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db.write(['settings'], `writing setting "${key}"`, async (tx) => { await tx.objectStore('settings').put({ key, value }) })
  }

  async delete(key: string): Promise<void> {
    await this.db.write(['settings'], `deleting setting "${key}"`, async (tx) => { await tx.objectStore('settings').delete(key) })
  }
}
