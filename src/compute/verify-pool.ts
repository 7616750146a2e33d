/**
 * A small pool of verify workers (workers/verify.worker.ts) behind the LogChecker's `verify`
 * hook, so a log check uses more than the compute worker's thread: in Chromium a WebCrypto
 * RSA-4096 verify (and the JS deep hash) runs on the calling thread, and they are most of the
 * cost of a log check (bench/verify.bench.ts).
 *
 * - Items are sent in batches (one structured clone per batch, not per item), each batch to the
 *   lane with the fewest items in flight; owners travel once per worker, then by number.
 * - Results come back per item; the LogChecker consumes them in nonce order, so the first failing
 *   nonce is the one reported whichever worker answers first.
 * - A worker that dies (script error, crash) never loses an item: its items, and later ones when
 *   no worker is left, are verified on the calling thread with the same `verifyDataItem`.
 * - Idle workers are stopped after `idleMs` and started again on demand.
 */
import { wrap, releaseProxy, type Remote } from 'comlink'
import { verifyDataItem, type SignedFields } from '../protocol/ans104'
import type { ItemVerifier } from '../protocol/log-check'
import { OwnerMemo } from '../protocol/owner-memo'
import type { VerifyJob, VerifyOutcome, VerifyWorkerApi } from './verify-worker-api'

export interface VerifyWorkerHandle {
  api: Remote<VerifyWorkerApi>
  terminate(): void
  /** Calls `listener` when the worker dies on its own, so its items are verified elsewhere. */
  onDeath(listener: (reason: string) => void): void
}

export type SpawnVerifyWorker = () => VerifyWorkerHandle

export interface VerifyPoolOptions {
  /** workers (default: navigator.hardwareConcurrency, 1..4) */
  size?: number
  /** items per message to a worker (default 32) */
  batch?: number
  /** stop the workers after this long without work (default 10 s) */
  idleMs?: number
}

interface Pending {
  job: VerifyJob
  fields: SignedFields
  resolve(ok: boolean): void
  reject(e: Error): void
}

interface Lane {
  handle: VerifyWorkerHandle
  inFlight: Set<Pending[]>
  knownOwners: Set<number>
  dead: boolean
}

// Owners registered before the tables are reset (the workers keep one copy each).
const OWNER_TABLE_LIMIT = 4096

export class VerifyPool {
  private readonly size: number
  private readonly batch: number
  private readonly idleMs: number
  private lanes: Lane[] = []
  private queue: Pending[] = []
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private ownerRefs = new OwnerMemo<number>()
  private ownerBytes = new Map<number, Uint8Array>()
  private nextRef = 0
  private closed = false

  constructor(private readonly spawn: SpawnVerifyWorker, opts: VerifyPoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? defaultPoolSize())
    this.batch = Math.max(1, opts.batch ?? 32)
    this.idleMs = opts.idleMs ?? 10_000
  }

  /** The LogChecker `verify` hook: same answer as `verifyDataItem(fields)`. */
  readonly verify: ItemVerifier = (fields) =>
    new Promise<boolean>((resolve, reject) => {
      const p: Pending = { job: this.jobOf(fields), fields, resolve, reject }
      if (this.closed) return this.local([p])
      this.queue.push(p)
      if (this.queue.length >= this.batch) this.flush()
      else this.flushTimer ??= setTimeout(() => this.flush(), 0)
    })

  /** Workers running now (test hook). */
  get workers(): number {
    return this.lanes.filter((l) => !l.dead).length
  }

  /** Stops the workers; items still queued or in flight are verified on the calling thread. */
  close(): void {
    this.closed = true
    this.flush()
    this.stopLanes()
  }

  private jobOf(fields: SignedFields): VerifyJob {
    if (this.nextRef >= OWNER_TABLE_LIMIT && this.inFlightCount() === 0 && this.queue.length === 0) this.stopLanes()
    const ownerRef = this.ownerRefs.get(fields.owner, (owner) => {
      const ref = this.nextRef++
      this.ownerBytes.set(ref, owner.slice())
      return ref
    })
    const { owner: _owner, ...rest } = fields
    return { ...rest, ownerRef }
  }

  private flush(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
    while (this.queue.length > 0) {
      const items = this.queue.splice(0, this.batch)
      const lane = this.closed ? undefined : this.pickLane()
      if (lane) this.send(lane, items)
      else this.local(items)
    }
  }

  private pickLane(): Lane | undefined {
    this.lanes = this.lanes.filter((l) => !l.dead)
    if (this.lanes.length < this.size) {
      try {
        const lane: Lane = { handle: this.spawn(), inFlight: new Set(), knownOwners: new Set(), dead: false }
        lane.handle.onDeath(() => this.kill(lane))
        this.lanes.push(lane)
      } catch {
        // No worker can start here (e.g. blocked by policy): the calling thread verifies.
      }
    }
    let best: Lane | undefined
    for (const l of this.lanes) if (!best || load(l) < load(best)) best = l
    return best
  }

  private send(lane: Lane, items: Pending[]): void {
    const owners: [number, Uint8Array][] = []
    for (const { job } of items) {
      if (lane.knownOwners.has(job.ownerRef)) continue
      lane.knownOwners.add(job.ownerRef)
      owners.push([job.ownerRef, this.ownerBytes.get(job.ownerRef)!])
    }
    lane.inFlight.add(items)
    lane.handle.api.verifyBatch({ owners, jobs: items.map((p) => p.job) }).then(
      (outcomes) => {
        if (!lane.inFlight.delete(items)) return // the lane died meanwhile: already handed over
        items.forEach((p, i) => settle(p, outcomes[i]))
        this.maybeIdle()
      },
      () => {
        if (!lane.inFlight.delete(items)) return
        this.local(items)
        this.maybeIdle()
      },
    )
  }

  /** A dead worker's items in flight go to the calling thread; the lane is replaced on the next flush. */
  private kill(lane: Lane): void {
    if (lane.dead) return
    lane.dead = true
    const stranded = [...lane.inFlight]
    lane.inFlight.clear()
    lane.handle.terminate()
    for (const items of stranded) this.local(items)
  }

  private local(items: Pending[]): void {
    for (const p of items) verifyDataItem(p.fields).then(p.resolve, p.reject)
  }

  private inFlightCount(): number {
    let n = 0
    for (const l of this.lanes) n += load(l)
    return n
  }

  private maybeIdle(): void {
    if (this.queue.length > 0 || this.inFlightCount() > 0 || this.idleTimer !== undefined) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.queue.length === 0 && this.inFlightCount() === 0) this.stopLanes()
    }, this.idleMs)
  }

  /** Terminates every worker (none has work in flight, or close() hands it over) and forgets owners. */
  private stopLanes(): void {
    for (const lane of this.lanes) {
      const stranded = [...lane.inFlight]
      lane.inFlight.clear()
      lane.dead = true
      lane.handle.api[releaseProxy]()
      lane.handle.terminate()
      for (const items of stranded) this.local(items)
    }
    this.lanes = []
    this.ownerRefs = new OwnerMemo<number>()
    this.ownerBytes.clear()
    this.nextRef = 0
  }
}

function load(lane: Lane): number {
  let n = 0
  for (const items of lane.inFlight) n += items.length
  return n
}

function settle(p: Pending, outcome: VerifyOutcome | undefined): void {
  if (typeof outcome === 'boolean') p.resolve(outcome)
  else p.reject(new Error(outcome?.error ?? 'verify worker returned no outcome for an item'))
}

function defaultPoolSize(): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2
  return Math.min(4, Math.max(1, cores))
}

/** The browser's dedicated module Worker for verification (Vite bundles the URL). */
export function spawnBrowserVerifyWorker(): VerifyWorkerHandle {
  const worker = new Worker(new URL('../../workers/verify.worker.ts', import.meta.url), { type: 'module', name: 'aolight-verify' })
  return {
    api: wrap<VerifyWorkerApi>(worker),
    terminate: () => worker.terminate(),
    onDeath: (listener) => worker.addEventListener('error', (e) => listener(`verify worker error: ${e.message || 'script failed to load'}`)),
  }
}

let shared: VerifyPool | undefined

/** One pool per thread where Workers exist (the compute worker); undefined elsewhere (Node). */
export function sharedVerifyPool(): VerifyPool | undefined {
  if (typeof Worker === 'undefined') return undefined
  shared ??= new VerifyPool(spawnBrowserVerifyWorker)
  return shared
}
