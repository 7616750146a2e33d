/**
 * The relay's persistent outgoing queue: exactly-once delivery of signed items to an SU.
 *
 * 1. `submit` stores the signed bytes under their id *before* the first post, so a reload or a
 *    network drop between signing and sending loses nothing.
 * 2. Posting goes to the MU (`POST /`) or straight to the target's SU, per the `route` setting
 *    (outbox pushes always go to the SU).
 *    Failures that can heal (network, timeout, 408/429/5xx) are retried with backoff; a 4xx is
 *    the SU/MU refusing the item: recorded (`lastError` starts with `refused:`) and not retried.
 * 3. An item is `sent` when a post is acknowledged, and `assigned` when the target's SU serves it
 *    with an assignment (`GET /{id}?process-id=`, or the process record for a spawn), or when the
 *    compute unit reports seeing it in the log (`observeAssigned`).
 * Exactly once: the id is the hash of the signature, so a re-post carries the same id; before a
 * re-post (after any uncertain attempt) the SU is asked whether it already has the id, and a
 * re-post answered "Message already exists" (ao `su` store.rs check_existing_message) is success.
 * One item is handled at a time per id; concurrent `flush` calls share the work.
 */
import { decodeDataItem } from '../protocol/ans104'
import { isProtocolError, type ProtocolError } from '../protocol/errors'
import { isRetriable } from '../protocol/http'
import { MuClient } from '../protocol/mu-client'
import { SuClient, edgeNonce } from '../protocol/su-client'
import { tagValue } from '../protocol/wire-types'
import { toB64Url } from '../protocol/base64url'
import type { OutboxRecord, OutboxStatus } from '../store/records'
import { RelayError, reasonOf } from './errors'

/** What the queue needs from storage; `OutboxStore` (IndexedDB) implements it. */
export interface QueueStore {
  enqueue(item: { id: string; target: string; raw: ArrayBuffer }): Promise<OutboxRecord>
  get(id: string): Promise<OutboxRecord | undefined>
  list(status: OutboxStatus): Promise<OutboxRecord[]>
  recordFailure(id: string, error: string): Promise<OutboxRecord>
  markSent(id: string): Promise<OutboxRecord>
  markAssigned(id: string, nonce: number): Promise<OutboxRecord>
}

export type SendRoute = 'mu' | 'su'

export interface SendQueueOptions {
  store: QueueStore
  /** where new posts go */
  route: () => SendRoute
  mu: () => MuClient
  /** the SU of a process; `scheduler` is the Scheduler tag when the item is a spawn */
  suFor: (processId: string, scheduler?: string) => Promise<SuClient>
  /** backoff before retry n (0-based), ms */
  backoffMs?: (attempt: number) => number
  /** how long to wait for an acknowledged item to appear on the SU before posting it again */
  confirmTimeoutMs?: number
  confirmPollMs?: number
  sleep?: (ms: number) => Promise<void>
}

export type QueueEvent =
  | { type: 'queued'; id: string; target: string }
  | { type: 'sent'; id: string; target: string; postedTo: string }
  | { type: 'assigned'; id: string; target: string; nonce: number }
  | { type: 'retry'; id: string; target: string; attempt: number; error: string }
  | { type: 'refused'; id: string; target: string; error: string }
  /** a push the SU already had from another MU (same content): nothing more to do */
  | { type: 'superseded'; id: string; target: string; postedTo: string }

export const REFUSED_PREFIX = 'refused: '
/** A push the SU refused because an equal push (deep hash, `Pushed-For` ignored) is scheduled: delivered by another MU. */
export const SUPERSEDED_PREFIX = 'superseded: '
// Real SU: "Message already exists" (same id), "Deep hash already exists" (same push content);
// the devnet SU: "... is already scheduled on process ...".
const DUPLICATE = /already exists|already scheduled|duplicate/i

export class SendQueue {
  private readonly inFlight = new Map<string, Promise<OutboxRecord>>()
  private readonly listeners = new Set<(e: QueueEvent) => void>()
  private readonly backoff: (n: number) => number
  private readonly sleep: (ms: number) => Promise<void>
  private readonly confirmTimeoutMs: number
  private readonly confirmPollMs: number

  constructor(private readonly opts: SendQueueOptions) {
    this.backoff = opts.backoffMs ?? ((n) => Math.min(30_000, 500 * 2 ** n))
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
    this.confirmTimeoutMs = opts.confirmTimeoutMs ?? 60_000
    this.confirmPollMs = opts.confirmPollMs ?? 500
  }

  subscribe(listener: (e: QueueEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Persists a signed item, then delivers it. Resolves with the record once the item is
   * `sent` (acknowledged) — pass `untilAssigned` to wait for the SU assignment too.
   * If the network is down the promise keeps retrying; the item is safe in the store either way.
   */
  async submit(bytes: Uint8Array, opts: { untilAssigned?: boolean; signal?: AbortSignal } = {}): Promise<OutboxRecord> {
    const { id, target } = describe(bytes)
    const raw = bytes.slice().buffer as ArrayBuffer
    const rec = await this.opts.store.enqueue({ id, target, raw })
    if (rec.status === 'queued' && rec.attempts === 0) this.emit({ type: 'queued', id, target })
    return this.deliver(id, opts)
  }

  /** Delivers one stored item (idempotent; shares an in-flight delivery of the same id). */
  deliver(id: string, opts: { untilAssigned?: boolean; signal?: AbortSignal } = {}): Promise<OutboxRecord> {
    let p = this.inFlight.get(id)
    if (!p) {
      p = this.run(id, opts.signal).finally(() => this.inFlight.delete(id))
      this.inFlight.set(id, p)
    }
    const settled = (r: OutboxRecord) => r.status === 'assigned' || (r.lastError ?? '').startsWith(SUPERSEDED_PREFIX)
    return opts.untilAssigned ? p.then((r) => (settled(r) ? r : this.confirm(r, opts.signal))) : p
  }

  /** Resumes everything not yet assigned (call on start and when the network comes back). */
  async resume(signal?: AbortSignal): Promise<OutboxRecord[]> {
    const pending = [...(await this.opts.store.list('queued')), ...(await this.opts.store.list('sent'))]
    const todo = pending.filter((r) => !(r.lastError ?? '').startsWith(REFUSED_PREFIX) && !(r.lastError ?? '').startsWith(SUPERSEDED_PREFIX))
    return Promise.all(todo.map((r) => this.deliver(r.id, { untilAssigned: true, signal })))
  }

  /** The compute unit saw the item in the target's log: no SU round trip needed. */
  async observeAssigned(id: string, nonce: number): Promise<void> {
    const rec = await this.opts.store.get(id)
    if (!rec || rec.status === 'assigned') return
    if (rec.status === 'queued') await this.opts.store.markSent(id)
    const done = await this.opts.store.markAssigned(id, nonce)
    this.emit({ type: 'assigned', id, target: done.target, nonce })
  }

  list(status: OutboxStatus): Promise<OutboxRecord[]> {
    return this.opts.store.list(status)
  }

  private async run(id: string, signal?: AbortSignal): Promise<OutboxRecord> {
    for (let attempt = 0; ; attempt++) {
      const rec = await this.opts.store.get(id)
      if (!rec) throw new RelayError('send/unknown-item', `item ${id} is not in the outgoing queue`, { id })
      if (rec.status !== 'queued') return rec
      if ((rec.lastError ?? '').startsWith(REFUSED_PREFIX)) throw new RelayError('send/refused', `item ${id} was refused: ${rec.lastError!.slice(REFUSED_PREFIX.length)}`, { id })
      signal?.throwIfAborted()
      const bytes = new Uint8Array(rec.raw)
      const { scheduler, pushed } = describe(bytes)
      // An earlier attempt may have reached the SU before the answer got lost: ask before re-posting.
      if (rec.attempts > 0) {
        const nonce = await this.lookup(rec, scheduler, signal).catch(() => undefined)
        if (nonce !== undefined) return this.finishFound(rec, nonce)
      }
      // Pushes (From-Process) go to the SU: an MU would crank them a second time.
      const route = pushed ? 'su' : this.opts.route()
      let postedTo = ''
      try {
        if (route === 'mu') {
          const mu = this.opts.mu()
          postedTo = mu.url
          await mu.postItem(bytes, signal)
        } else {
          const su = await this.opts.suFor(rec.target, scheduler)
          postedTo = su.url
          await su.postItem(bytes, signal)
        }
      } catch (e) {
        if (isProtocolError(e, 'http/aborted')) throw e
        const why = reasonOf(e)
        if (isProtocolError(e) && e.code === 'http/status' && DUPLICATE.test(String(e.details.excerpt ?? ''))) {
          // The SU already has this id (an earlier attempt got through), or, for a push, an equal
          // push from the network's MU: either way the message is delivered once.
          if (pushed && !/message already exists/i.test(String(e.details.excerpt ?? ''))) {
            await this.opts.store.recordFailure(id, SUPERSEDED_PREFIX + why)
            const sent = await this.opts.store.markSent(id)
            this.emit({ type: 'superseded', id, target: sent.target, postedTo })
            return sent
          }
        } else if (isProtocolError(e) && !isRetriable(e as ProtocolError) && (e.code === 'http/status' || e.code === 'http/not-found')) {
          await this.opts.store.recordFailure(id, REFUSED_PREFIX + why)
          this.emit({ type: 'refused', id, target: rec.target, error: why })
          throw new RelayError('send/refused', `${postedTo || route} refused item ${id}: ${why}`, { id, status: Number(e.details.status ?? 0) }, { cause: e })
        } else {
          await this.opts.store.recordFailure(id, why)
          this.emit({ type: 'retry', id, target: rec.target, attempt: attempt + 1, error: why })
          await this.sleep(this.backoff(attempt))
          continue
        }
      }
      const sent = await this.opts.store.markSent(id)
      this.emit({ type: 'sent', id, target: sent.target, postedTo })
      return sent
    }
  }

  /** Polls the SU until the item is assigned; re-delivers if it never shows up. */
  private async confirm(rec: OutboxRecord, signal?: AbortSignal): Promise<OutboxRecord> {
    const { scheduler } = describe(new Uint8Array(rec.raw))
    const started = Date.now()
    for (;;) {
      signal?.throwIfAborted()
      const now = await this.opts.store.get(rec.id)
      if (now?.status === 'assigned') return now
      const nonce = await this.lookup(rec, scheduler, signal).catch(() => undefined)
      if (nonce !== undefined) return this.finishFound(now ?? rec, nonce)
      if (Date.now() - started > this.confirmTimeoutMs) {
        // Acknowledged but never scheduled (an MU that lost it): post again; the SU dedupes by id.
        await this.opts.store.recordFailure(rec.id, `not on the SU ${this.confirmTimeoutMs} ms after it was acknowledged`)
        return this.postAgain(rec, signal)
      }
      await this.sleep(this.confirmPollMs)
    }
  }

  private async postAgain(rec: OutboxRecord, signal?: AbortSignal): Promise<OutboxRecord> {
    const bytes = new Uint8Array(rec.raw)
    const { scheduler } = describe(bytes)
    const su = await this.opts.suFor(rec.target, scheduler)
    await su.postItem(bytes, signal).catch((e: unknown) => {
      if (!(isProtocolError(e) && DUPLICATE.test(String(e.details.excerpt ?? '')))) throw e
    })
    return this.confirm(rec, signal)
  }

  private async finishFound(rec: OutboxRecord, nonce: number): Promise<OutboxRecord> {
    if (rec.status === 'queued') await this.opts.store.markSent(rec.id)
    const done = await this.opts.store.markAssigned(rec.id, nonce)
    this.emit({ type: 'assigned', id: rec.id, target: rec.target, nonce })
    return done
  }

  /** The item's nonce on its SU, or undefined when the SU does not have it (404). */
  private async lookup(rec: OutboxRecord, scheduler: string | undefined, signal?: AbortSignal): Promise<number | undefined> {
    const su = await this.opts.suFor(rec.target, scheduler)
    try {
      if (rec.id === rec.target) {
        await su.getProcess(rec.id, signal)
        return 0 // a process is nonce 0 of its own log
      }
      const node = await su.getMessage(rec.id, rec.target, signal)
      if (node.message && node.message.id !== rec.id) return undefined
      const nonce = edgeNonce({ cursor: '', node })
      if (nonce === undefined) throw new RelayError('send/unknown-item', `SU ${su.url} serves item ${rec.id} without a numeric Nonce`, { id: rec.id })
      return nonce
    } catch (e) {
      if (isProtocolError(e, 'http/not-found')) return undefined
      throw e
    }
  }

  private emit(e: QueueEvent): void {
    for (const l of this.listeners) l(e)
  }
}

/** Id, the process the item goes to (its target, or itself for a spawn), and a spawn's Scheduler. */
export function describe(bytes: Uint8Array): { id: string; target: string; scheduler?: string; pushed: boolean } {
  const item = decodeDataItem(bytes)
  const type = tagValue(item.tags, 'Type')
  const pushed = tagValue(item.tags, 'From-Process') !== undefined
  if (type === 'Process') {
    const scheduler = tagValue(item.tags, 'Scheduler')
    return scheduler ? { id: item.id, target: item.id, scheduler, pushed } : { id: item.id, target: item.id, pushed }
  }
  if (!item.target) throw new RelayError('item/invalid', `item ${item.id} is a ${type ?? 'untyped'} item without a target process`, { id: item.id })
  return { id: item.id, target: toB64Url(item.target), pushed }
}
