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
 *
 * Cancel: a `queued` item can be cancelled (`cancel`) or, once refused, discarded (`discard`); it
 * becomes `cancelled` and is never posted again (`resume` skips it, a delivery loop stops at its
 * next step: a backoff sleep wakes at once, a post in flight is aborted). A cancel waits for a post
 * in flight to settle: if the MU/SU acknowledged it first the cancel is refused (`send/not-cancellable`),
 * otherwise the delivery rejects with `send/cancelled`. An item with attempts > 0 may still have
 * reached the network before the cancel (the answer lost, or the abort too late); if the compute
 * unit later sees it in the log (`observeAssigned`) it is recorded `assigned` after all.
 *
 * Uploads: an item submitted with `upload` (an outbox push whose Target is not a process) goes to
 * the uploader instead of an SU, as the reference MU does. That choice is persisted in the upload
 * ledger *before* the item is queued, so a reload resumes it as an upload. It is delivered when
 * the uploader returns a receipt for its id: the receipt is kept in the ledger and the record ends
 * `assigned` with `assignedNonce` = UPLOADED_NONCE (no SU log holds it). Network faults, 408/429
 * and 5xx are retried with backoff; another 4xx is recorded as refused and tried again on each
 * `resume()` (a bundler that wanted funds may take it later): nothing is lost.
 */
import { decodeDataItem } from '../protocol/ans104'
import { isProtocolError, type ProtocolError } from '../protocol/errors'
import { isRetriable } from '../protocol/http'
import { MuClient } from '../protocol/mu-client'
import { SuClient, edgeNonce } from '../protocol/su-client'
import { tagValue } from '../protocol/wire-types'
import { toB64Url } from '../protocol/base64url'
import type { OutboxRecord, OutboxStatus } from '../store/records'
import { RelayError, isRelayError, reasonOf } from './errors'
import type { UploadReceipt, UploaderClient } from './uploader'

/** What the queue needs from storage; `OutboxStore` (IndexedDB) implements it. */
export interface QueueStore {
  enqueue(item: { id: string; target: string; raw: ArrayBuffer }): Promise<OutboxRecord>
  get(id: string): Promise<OutboxRecord | undefined>
  list(status: OutboxStatus): Promise<OutboxRecord[]>
  recordFailure(id: string, error: string): Promise<OutboxRecord>
  markSent(id: string): Promise<OutboxRecord>
  markAssigned(id: string, nonce: number): Promise<OutboxRecord>
  /** queued → cancelled; throws for any other status */
  markCancelled(id: string, opts?: { discarded?: boolean }): Promise<OutboxRecord>
}

export type SendRoute = 'mu' | 'su'

/** `assignedNonce` of an uploaded item: it is on Arweave (through the uploader), in no SU log. */
export const UPLOADED_NONCE = -1

export type UploadState = { state: 'pending' } | { state: 'uploaded'; receipt: UploadReceipt }

/** Which items go to the uploader, and their receipts; persisted (the relay's settings store). */
export interface UploadLedger {
  get(id: string): Promise<UploadState | undefined>
  set(id: string, state: UploadState): Promise<void>
}

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
  /** where items submitted with `upload` go; without it (and `uploads`) `upload` is refused */
  uploader?: () => UploaderClient | null
  uploads?: UploadLedger
}

export type QueueEvent =
  | { type: 'queued'; id: string; target: string }
  | { type: 'sent'; id: string; target: string; postedTo: string }
  /** `afterCancel`: the item was cancelled, but an earlier attempt had reached the network */
  | { type: 'assigned'; id: string; target: string; nonce: number; afterCancel?: boolean }
  /** the person stopped a queued item (`discarded`: a refused one) */
  | { type: 'cancelled'; id: string; target: string; discarded: boolean; attempts: number }
  | { type: 'retry'; id: string; target: string; attempt: number; error: string }
  | { type: 'refused'; id: string; target: string; error: string }
  /** a push the SU already had from another MU (same content): nothing more to do */
  | { type: 'superseded'; id: string; target: string; postedTo: string }
  /** an item for a non-process target accepted by the uploader */
  | { type: 'uploaded'; id: string; target: string; receipt: UploadReceipt }

export const REFUSED_PREFIX = 'refused: '
/** A push the SU refused because an equal push (deep hash, `Pushed-For` ignored) is scheduled: delivered by another MU. */
export const SUPERSEDED_PREFIX = 'superseded: '
// Real SU: "Message already exists" (same id), "Deep hash already exists" (same push content);
// the devnet SU: "... is already scheduled on process ...".
const DUPLICATE = /already exists|already scheduled|duplicate/i

/** A delivery loop running in this queue: its cancel switch, and the post it is waiting on. */
interface Running {
  cancel: AbortController
  /** settles when the current attempt (lookup + post + bookkeeping) is over; null between attempts */
  attempt: Promise<void> | null
}

export class SendQueue {
  private readonly inFlight = new Map<string, Promise<OutboxRecord>>()
  private readonly running = new Map<string, Running>()
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
  async submit(bytes: Uint8Array, opts: { untilAssigned?: boolean; signal?: AbortSignal; upload?: boolean } = {}): Promise<OutboxRecord> {
    const rec = await this.enqueue(bytes, opts)
    return this.deliver(rec.id, opts)
  }

  /** Persists a signed item (and, with `upload`, that it goes to the uploader) without sending it. */
  async enqueue(bytes: Uint8Array, opts: { upload?: boolean } = {}): Promise<OutboxRecord> {
    const { id, target } = describe(bytes)
    const raw = bytes.slice().buffer as ArrayBuffer
    if (opts.upload) {
      if (!this.canUpload) throw new RelayError('send/refused', `item ${id} for ${target} needs an uploader, and none is configured`, { id })
      // Persisted first: a reload between here and the first attempt must still upload it.
      if ((await this.opts.uploads!.get(id)) === undefined) await this.opts.uploads!.set(id, { state: 'pending' })
    }
    const rec = await this.opts.store.enqueue({ id, target, raw })
    if (rec.status === 'queued' && rec.attempts === 0) this.emit({ type: 'queued', id, target })
    return rec
  }

  /** Delivers one stored item (idempotent; shares an in-flight delivery of the same id). */
  deliver(id: string, opts: { untilAssigned?: boolean; signal?: AbortSignal; retryRefused?: boolean } = {}): Promise<OutboxRecord> {
    let p = this.inFlight.get(id)
    if (!p) {
      p = this.run(id, opts.signal, opts.retryRefused ?? false).finally(() => this.inFlight.delete(id))
      this.inFlight.set(id, p)
    }
    const settled = (r: OutboxRecord) => r.status === 'assigned' || (r.lastError ?? '').startsWith(SUPERSEDED_PREFIX)
    return opts.untilAssigned ? p.then((r) => (settled(r) ? r : this.confirm(r, opts.signal))) : p
  }

  /** Whether items can be submitted with `upload`. */
  get canUpload(): boolean {
    return !!this.opts.uploads && !!this.opts.uploader?.()
  }

  /** The upload receipt of item `id`, once the uploader accepted it. */
  async uploadReceipt(id: string): Promise<UploadReceipt | undefined> {
    const s = await this.opts.uploads?.get(id)
    return s?.state === 'uploaded' ? s.receipt : undefined
  }

  /**
   * Resumes everything not yet assigned (call on start and when the network comes back). Refused
   * uploads are tried again; refused SU/MU posts are not (the SU's verdict on an item is final).
   */
  async resume(signal?: AbortSignal): Promise<OutboxRecord[]> {
    const pending = [...(await this.opts.store.list('queued')), ...(await this.opts.store.list('sent'))]
    const todo: OutboxRecord[] = []
    for (const r of pending) {
      const err = r.lastError ?? ''
      if (err.startsWith(SUPERSEDED_PREFIX)) continue
      if (err.startsWith(REFUSED_PREFIX) && !(await this.isUpload(r.id))) continue
      todo.push(r)
    }
    // A refused upload stays refused until the next resume: report its record, don't fail the others.
    const one = (r: OutboxRecord) =>
      this.deliver(r.id, { untilAssigned: true, signal, retryRefused: true }).catch(async (e: unknown) => {
        if (isRelayError(e, 'send/refused') && (await this.isUpload(r.id))) return (await this.opts.store.get(r.id)) ?? r
        // Cancelled by the person while resuming: that is its final record, not a failure of resume.
        if (isRelayError(e, 'send/cancelled')) return (await this.opts.store.get(r.id)) ?? r
        throw e
      })
    return Promise.all(todo.map(one))
  }

  /**
   * The compute unit saw the item in the target's log: no SU round trip needed. Also for a
   * cancelled item (an attempt before the cancel got through): the log is the truth.
   */
  async observeAssigned(id: string, nonce: number): Promise<void> {
    const rec = await this.opts.store.get(id)
    if (!rec || rec.status === 'assigned') return
    if (rec.status === 'queued') await this.opts.store.markSent(id)
    const done = await this.opts.store.markAssigned(id, nonce)
    this.emit(rec.status === 'cancelled' ? { type: 'assigned', id, target: done.target, nonce, afterCancel: true } : { type: 'assigned', id, target: done.target, nonce })
  }

  /**
   * Stops a `queued` item for good. A backoff sleep of its delivery wakes at once; a post in flight
   * is aborted and awaited: if it was acknowledged first, the item is `sent` and this rejects with
   * `send/not-cancellable`. The delivery (and `submit`) then rejects with `send/cancelled`.
   */
  cancel(id: string): Promise<OutboxRecord> {
    return this.stop(id, false)
  }

  /** Drops an item the MU/SU (or the uploader) refused, so it is never tried again. */
  discard(id: string): Promise<OutboxRecord> {
    return this.stop(id, true)
  }

  private async stop(id: string, discard: boolean): Promise<OutboxRecord> {
    const verb = discard ? 'discard' : 'cancel'
    const before = await this.opts.store.get(id)
    if (!before) throw new RelayError('send/unknown-item', `cannot ${verb} item ${id}: it is not in the outgoing queue`, { id })
    this.checkStoppable(before, verb)
    const refused = (before.lastError ?? '').startsWith(REFUSED_PREFIX)
    if (discard && !refused) throw new RelayError('send/not-cancellable', `cannot discard item ${id}: it was not refused (${before.lastError ? `last error: ${before.lastError}` : 'no error yet'}); cancel it instead`, { id, status: before.status })
    const run = this.running.get(id)
    if (run) {
      run.cancel.abort(new RelayError('send/cancelled', `item ${id} was cancelled`, { id }))
      await run.attempt // the post in flight settles: acknowledged, or aborted
    }
    const now = await this.opts.store.get(id)
    if (!now) throw new RelayError('send/unknown-item', `cannot ${verb} item ${id}: it left the outgoing queue`, { id })
    this.checkStoppable(now, verb)
    let done: OutboxRecord
    try {
      done = await this.opts.store.markCancelled(id, { discarded: discard })
    } catch (e) {
      // Another tab's delivery moved it on between our read and the write.
      const last = await this.opts.store.get(id)
      if (last) this.checkStoppable(last, verb)
      throw e
    }
    this.emit({ type: 'cancelled', id, target: done.target, discarded: discard, attempts: done.attempts })
    return done
  }

  private checkStoppable(r: OutboxRecord, verb: string): void {
    if (r.status === 'queued') return
    const why =
      r.status === 'cancelled' ? 'it is already cancelled'
      : r.status === 'sent' ? 'the network already acknowledged it (sent, waiting for its assignment)'
      : `it is already in the log of ${r.target}${r.assignedNonce !== undefined && r.assignedNonce >= 0 ? ` at nonce ${r.assignedNonce}` : ''}`
    throw new RelayError('send/not-cancellable', `cannot ${verb} item ${r.id}: ${why}`, { id: r.id, status: r.status })
  }

  get(id: string): Promise<OutboxRecord | undefined> {
    return this.opts.store.get(id)
  }

  list(status: OutboxStatus): Promise<OutboxRecord[]> {
    return this.opts.store.list(status)
  }

  private async isUpload(id: string): Promise<boolean> {
    return (await this.opts.uploads?.get(id)) !== undefined
  }

  private async run(id: string, outer: AbortSignal | undefined, retryRefused: boolean): Promise<OutboxRecord> {
    const me: Running = { cancel: new AbortController(), attempt: null }
    this.running.set(id, me)
    const signal = outer ? AbortSignal.any([outer, me.cancel.signal]) : me.cancel.signal
    try {
      return await this.attempts(id, me, signal, retryRefused)
    } catch (e) {
      if (me.cancel.signal.aborted) {
        const rec = await this.opts.store.get(id)
        throw this.cancelledError(id, rec?.attempts ?? 0, e)
      }
      throw e
    } finally {
      this.running.delete(id)
    }
  }

  private cancelledError(id: string, attempts: number, cause?: unknown): RelayError {
    const maybe = attempts > 0 ? ` (after ${attempts} attempt${attempts === 1 ? '' : 's'}: one may have reached the network, so it can still be scheduled)` : ''
    return new RelayError('send/cancelled', `item ${id} was cancelled before the network acknowledged it${maybe}`, { id, attempts }, cause === undefined ? undefined : { cause })
  }

  /** Sleeps unless cancelled (a cancel wakes it at once; the next step then sees the cancel). */
  private pause(ms: number, me: Running): Promise<void> {
    const c = me.cancel.signal
    if (c.aborted) return Promise.resolve()
    return new Promise((done) => {
      const wake = () => done()
      c.addEventListener('abort', wake, { once: true })
      void this.sleep(ms).then(() => {
        c.removeEventListener('abort', wake)
        done()
      })
    })
  }

  private async attempts(id: string, me: Running, signal: AbortSignal, retryRefused: boolean): Promise<OutboxRecord> {
    const upload = await this.isUpload(id)
    for (let attempt = 0; ; attempt++) {
      const rec = await this.opts.store.get(id)
      if (!rec) throw new RelayError('send/unknown-item', `item ${id} is not in the outgoing queue`, { id })
      // Cancelled here or in another tab (the loop re-reads the record before every attempt).
      if (rec.status === 'cancelled' || me.cancel.signal.aborted) throw this.cancelledError(id, rec.attempts)
      if (upload && rec.status === 'sent') {
        // Uploaded, then the tab went away before the record was closed.
        const receipt = await this.uploadReceipt(id)
        if (receipt) return this.finishUploaded(rec, receipt)
      }
      if (rec.status !== 'queued') return rec
      const refused = (rec.lastError ?? '').startsWith(REFUSED_PREFIX)
      if (refused && !(upload && retryRefused && attempt === 0)) throw new RelayError('send/refused', `item ${id} was refused: ${rec.lastError!.slice(REFUSED_PREFIX.length)}`, { id })
      signal.throwIfAborted()
      let endAttempt!: () => void
      me.attempt = new Promise((r) => (endAttempt = r))
      const step = this.attemptOnce(rec, upload, attempt, signal).finally(() => {
        me.attempt = null
        endAttempt()
      })
      const out = await step
      if (out === 'retry') {
        await this.pause(this.backoff(attempt), me)
        continue
      }
      return out
    }
  }

  /**
   * One attempt: the record once acknowledged (or found / uploaded), or 'retry' after a failure
   * that can heal (recorded; the caller sleeps). Aborted by a cancel, it records the attempt (the
   * post may have reached the network) and rejects.
   */
  private async attemptOnce(rec: OutboxRecord, upload: boolean, attempt: number, signal: AbortSignal): Promise<OutboxRecord | 'retry'> {
    const id = rec.id
    const bytes = new Uint8Array(rec.raw)
    if (upload) return (await this.uploadOnce(rec, bytes, attempt, signal)) ?? 'retry'
    const { scheduler, pushed } = describe(bytes)
    // An earlier attempt may have reached the SU before the answer got lost: ask before re-posting.
    if (rec.attempts > 0) {
      const nonce = await this.lookup(rec, scheduler, signal).catch(() => undefined)
      if (nonce !== undefined) return this.finishFound(rec, nonce)
      signal.throwIfAborted() // cancelled during the lookup: nothing was posted in this attempt
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
      if (isProtocolError(e, 'http/aborted')) {
        if (signal.reason instanceof RelayError && signal.reason.code === 'send/cancelled' && postedTo) {
          await this.opts.store.recordFailure(id, `cancelled while posting to ${postedTo}: the post may have reached it`)
        }
        throw e
      }
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
        return 'retry'
      }
    }
    return this.acknowledged(rec, postedTo)
  }

  /** The MU/SU acknowledged the item. Cancelled meanwhile in another tab: it is out anyway, say so. */
  private async acknowledged(rec: OutboxRecord, postedTo: string): Promise<OutboxRecord> {
    try {
      const sent = await this.opts.store.markSent(rec.id)
      this.emit({ type: 'sent', id: rec.id, target: sent.target, postedTo })
      return sent
    } catch (e) {
      const now = await this.opts.store.get(rec.id)
      if (now?.status !== 'cancelled') throw e
      await this.opts.store.recordFailure(rec.id, `acknowledged by ${postedTo} just after it was cancelled: it will probably be scheduled`)
      throw this.cancelledError(rec.id, now.attempts + 1)
    }
  }

  /** One upload attempt: the closed record, or null after a failure worth retrying (not slept yet). */
  private async uploadOnce(rec: OutboxRecord, bytes: Uint8Array, attempt: number, signal?: AbortSignal): Promise<OutboxRecord | null> {
    const uploader = this.opts.uploader?.()
    if (!uploader) throw new RelayError('send/refused', `item ${rec.id} for ${rec.target} needs an uploader, and none is configured`, { id: rec.id })
    let receipt: UploadReceipt
    try {
      receipt = await uploader.upload(rec.id, bytes, signal)
    } catch (e) {
      if (isProtocolError(e, 'http/aborted')) {
        if (signal?.reason instanceof RelayError && signal.reason.code === 'send/cancelled') {
          await this.opts.store.recordFailure(rec.id, `cancelled while uploading to ${uploader.url}: the upload may have reached it`)
        }
        throw e
      }
      const why = `uploader ${uploader.url}: ${reasonOf(e)}`
      const status = isProtocolError(e) ? Number(e.details.status ?? 0) : 0
      if (isProtocolError(e) && e.code === 'http/status' && DUPLICATE.test(String(e.details.excerpt ?? ''))) {
        receipt = { id: rec.id, uploader: uploader.url } // it already holds this id: an earlier attempt got through
      } else if (isRelayError(e, 'send/refused') || (isProtocolError(e) && !isRetriable(e as ProtocolError) && (e.code === 'http/status' || e.code === 'http/not-found' || e.code === 'http/bad-json' || e.code === 'http/bad-shape'))) {
        await this.opts.store.recordFailure(rec.id, REFUSED_PREFIX + why)
        this.emit({ type: 'refused', id: rec.id, target: rec.target, error: why })
        throw new RelayError('send/refused', `${why} (item ${rec.id} stays queued and is tried again on the next resume)`, { id: rec.id, status }, { cause: e })
      } else {
        await this.opts.store.recordFailure(rec.id, why)
        this.emit({ type: 'retry', id: rec.id, target: rec.target, attempt: attempt + 1, error: why })
        return null
      }
    }
    await this.opts.uploads!.set(rec.id, { state: 'uploaded', receipt })
    const sent = await this.opts.store.markSent(rec.id)
    this.emit({ type: 'sent', id: rec.id, target: rec.target, postedTo: uploader.url })
    return this.finishUploaded(sent, receipt)
  }

  private async finishUploaded(rec: OutboxRecord, receipt: UploadReceipt): Promise<OutboxRecord> {
    const done = await this.opts.store.markAssigned(rec.id, UPLOADED_NONCE)
    this.emit({ type: 'uploaded', id: rec.id, target: rec.target, receipt })
    return done
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
