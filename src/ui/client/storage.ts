/** Browser storage usage and the persistence request (StorageManager). */
import { NodeError, type StorageEstimate } from '../../node/contract'

function manager(): StorageManager {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) {
    throw new NodeError('storage/unsupported', 'This browser does not report storage usage (navigator.storage is missing).')
  }
  return navigator.storage
}

export async function estimateStorage(): Promise<StorageEstimate> {
  const m = manager()
  const [est, persisted] = await Promise.all([m.estimate(), m.persisted ? m.persisted() : Promise.resolve(false)])
  return { usageBytes: est.usage ?? 0, quotaBytes: est.quota ?? 0, persisted }
}

export async function requestPersistence(): Promise<boolean> {
  const m = manager()
  if (!m.persist) throw new NodeError('storage/unsupported', 'This browser cannot make storage persistent (navigator.storage.persist is missing).')
  return m.persist()
}
