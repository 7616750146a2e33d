/**
 * What a verify worker does (workers/verify.worker.ts; the client is verify-pool.ts): check
 * batches of ANS-104 signatures with `verifyDataItem` (deep hash + signature), off the compute
 * worker's thread. In Chromium a WebCrypto RSA verify runs on the calling thread, so spreading
 * items over a few workers is what lets a log check use more than one core.
 *
 * Owners are sent once per worker and referred to by number afterwards: the worker keeps one
 * array per owner, so its per-owner memos (deep-hash blob hash, CryptoKey, RSA salt) hit.
 */
import { verifyDataItem, type SignedFields } from '../protocol/ans104'

/** An item to verify; `owner` is replaced by `ownerRef`, a number registered with `owners`. */
export type VerifyJob = Omit<SignedFields, 'owner'> & { ownerRef: number }

export interface VerifyBatch {
  /** Owners this worker has not seen yet: [ref, key bytes]. */
  owners: [number, Uint8Array][]
  jobs: VerifyJob[]
}

/** true / false as `verifyDataItem` returned; `error` when it threw (its message, e.g. a bad key length). */
export type VerifyOutcome = boolean | { error: string }

export function createVerifyWorkerApi() {
  const owners = new Map<number, Uint8Array>()
  return {
    async verifyBatch(batch: VerifyBatch): Promise<VerifyOutcome[]> {
      for (const [ref, bytes] of batch.owners) owners.set(ref, bytes)
      return Promise.all(
        batch.jobs.map(async ({ ownerRef, ...rest }): Promise<VerifyOutcome> => {
          const owner = owners.get(ownerRef)
          if (!owner) return { error: `verify worker: owner ${ownerRef} was never registered` }
          try {
            return await verifyDataItem({ ...rest, owner })
          } catch (e) {
            return { error: (e as Error).message }
          }
        }),
      )
    },
  }
}

export type VerifyWorkerApi = ReturnType<typeof createVerifyWorkerApi>
