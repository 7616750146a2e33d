/** Persistent storage and usage, through `navigator.storage` (main thread and Workers alike). */

export interface StorageUsage {
  usage: number
  quota: number
  /** granted persistent storage (not evicted by the browser under pressure); null when unknown */
  persisted: boolean | null
}

interface StorageManagerLike {
  persist?: () => Promise<boolean>
  persisted?: () => Promise<boolean>
  estimate?: () => Promise<{ usage?: number; quota?: number }>
}

const manager = (): StorageManagerLike | undefined =>
  (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage

/**
 * Ask the browser not to evict our data. `persist()` only exists on the main thread (Workers
 * have `persisted()`), and browsers may answer false without asking the user: that is not an
 * error, the app just shows it.
 */
export async function requestPersistence(): Promise<boolean | null> {
  const m = manager()
  if (m?.persist) return m.persist()
  if (m?.persisted) return m.persisted()
  return null
}

export async function storageUsage(): Promise<StorageUsage | null> {
  const m = manager()
  if (!m?.estimate) return null
  const e = await m.estimate()
  const persisted = m.persisted ? await m.persisted() : null
  return { usage: e.usage ?? 0, quota: e.quota ?? 0, persisted }
}
