/**
 * Cross-check of local results against one or more remote CUs.
 *
 * Scheduled messages: per message we ask each CU for `GET {cu}/result/{id}?process-id=P` and
 * compare field by field (result-diff.ts). `/result` per message, not `/results` pages: reference
 * CUs drop errored evaluations from `/results`, and an errored message is exactly one we want to
 * compare.
 *
 * Cron evaluations have no id, so `/result` cannot name them: they are read from
 * `GET {cu}/cron/P?from=T-1&to=T` (the reference's routes/cron.js, readCronResults) and matched by
 * their place in the CU's order, which each edge's cursor encodes: timestamp and ordinate (the nonce
 * of the scheduled message the cron follows). Several crons can fire at one tick (two intervals);
 * the CU's cron ids (`${index}-${interval}`) are not ours to reproduce, so a local cron agrees when
 * one of the CU's crons at its (timestamp, ordinate) has the same result, and otherwise diverges from
 * the first of them. The CU lists no errored evaluation on `/cron`, so a cron it does not list is
 * `unavailable` (reason `not-listed`), never a divergence: we cannot tell "errored there" from "not
 * run there" from that page alone.
 *
 * Outcomes per (message, CU):
 * - `agreed`: every compared field is equal;
 * - `diverged`: the list of differing fields, with both values as JSON text;
 * - `unavailable`: the CU could not answer (unreachable, 404, busy 202, 5xx, garbage), or lists no
 *   such cron. That is a warning, never a divergence: the queue retries it later and, when retries
 *   run out, records verdict `error` with the reason.
 */
import { CuClient, parseEvaluationCursor, type CuResult } from '../protocol/cu-client'
import { ProtocolError } from '../protocol/errors'
import type { CheckRecord } from '../store/records'
import type { CheckOutcome as PipelineCheckOutcome, CheckRequest, CronCheckRef, CrossChecker, Divergence } from './pipeline-types'
import { diffResults, type ComparableResult, type FieldDiff } from './result-diff'

/** One local result to compare. */
export interface CheckTarget {
  processId: string
  /** the message id; for a cron, its `cronResultId` */
  messageId: string
  /** the SU nonce of the message; for a cron, the nonce it follows */
  nonce: number
  /** set for a cron evaluation: found on `/cron` by timestamp and ordinate */
  cron?: CronCheckRef
  local: ComparableResult
}

export type UnavailableReason = 'busy' | 'not-found' | 'not-listed' | 'unreachable' | 'status' | 'bad-response'

export type CheckOutcome =
  | { verdict: 'agreed'; cu: string; target: CheckTarget }
  | { verdict: 'diverged'; cu: string; target: CheckTarget; divergences: Divergence[] }
  | { verdict: 'unavailable'; cu: string; target: CheckTarget; reason: UnavailableReason; message: string; status?: number }

/** How a target is named in messages: `message <id> (nonce N)` or `cron <index> after nonce N at <timestamp>`. */
function describe(t: CheckTarget): string {
  return t.cron ? `cron ${t.cron.index} after nonce ${t.nonce} (timestamp ${t.cron.timestamp})` : `message ${t.messageId} (nonce ${t.nonce})`
}

/** Compare one local result with one CU's. Never throws for CU failures (they are `unavailable`). */
export async function checkAgainst(cu: CuClient, target: CheckTarget, signal?: AbortSignal): Promise<CheckOutcome> {
  let diffs: FieldDiff[]
  try {
    if (target.cron) {
      const candidates = await cronResultsAt(cu, target.processId, target.nonce, target.cron.timestamp, signal)
      if (candidates.length === 0) {
        return {
          verdict: 'unavailable',
          cu: cu.url,
          target,
          reason: 'not-listed',
          message: `cross-check of ${describe(target)} against ${cu.url}: /cron lists no cron evaluation at timestamp ${target.cron.timestamp} after nonce ${target.nonce} (the CU lists none that errored, and may not have run it)`,
        }
      }
      const all = candidates.map((remote) => diffResults(target.local, remote))
      diffs = all.find((d) => d.length === 0) ?? all[0]!
    } else {
      diffs = diffResults(target.local, await cu.result(target.messageId, target.processId, { signal }))
    }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e
    if (e.code === 'http/aborted') throw e
    const status = typeof e.details.status === 'number' ? e.details.status : undefined
    const out: CheckOutcome = {
      verdict: 'unavailable',
      cu: cu.url,
      target,
      reason: unavailableReason(e),
      message: `cross-check of ${describe(target)} against ${cu.url}: ${e.message}`,
    }
    if (status !== undefined) out.status = status
    return out
  }
  if (diffs.length === 0) return { verdict: 'agreed', cu: cu.url, target }
  const nonce = target.cron ? null : target.nonce
  return {
    verdict: 'diverged',
    cu: cu.url,
    target,
    divergences: diffs.map((d) => ({ messageId: target.messageId, nonce, cu: cu.url, ...d })),
  }
}

/** The CU's cron results at exactly (timestamp, ordinate = nonce), in its order. */
async function cronResultsAt(cu: CuClient, processId: string, nonce: number, timestamp: number, signal?: AbortSignal): Promise<CuResult[]> {
  const out: CuResult[] = []
  const q = { from: String(timestamp - 1), to: String(timestamp), limit: 1000, ...(signal && { signal }) }
  for await (const e of cu.allCron(processId, q)) {
    const at = parseEvaluationCursor(e.cursor)
    if (!at) throw new ProtocolError('http/bad-shape', `GET ${cu.url}/cron/${processId}: cursor ${JSON.stringify(e.cursor.slice(0, 80))} is neither a timestamp nor a base64 {timestamp, ordinate, cron}`, { url: cu.url, field: 'edges[].cursor' })
    if (at.timestamp === timestamp && (at.ordinate === undefined || at.ordinate === String(nonce))) out.push(e.node)
  }
  return out
}

function unavailableReason(e: ProtocolError): UnavailableReason {
  switch (e.code) {
    case 'cu/busy':
      return 'busy'
    case 'http/not-found':
      return 'not-found'
    case 'http/network':
    case 'http/timeout':
      return 'unreachable'
    case 'http/status':
      return 'status'
    default:
      return 'bad-response'
  }
}

/** The store's check record for an outcome (`error` records say why the check could not be done). */
export function toCheckRecord(o: CheckOutcome, checkedAt: number): CheckRecord {
  const base = { processId: o.target.processId, nonce: o.target.nonce, cron: o.target.cron?.index ?? 0, remote: o.cu, checkedAt }
  if (o.verdict === 'agreed') return { ...base, verdict: 'agreed', divergences: [] }
  if (o.verdict === 'diverged') return { ...base, verdict: 'diverged', divergences: o.divergences.map(({ field, local, remote }) => ({ field, local, remote })) }
  return { ...base, verdict: 'error', divergences: [], error: o.message }
}

/** Where finished checks go (the store's CheckStore fits). */
export interface CheckSink {
  put(record: CheckRecord): Promise<void>
}

export interface CrossCheckQueueOptions {
  cus: CuClient[]
  /** Requests in flight at once, over all CUs. Default 4. */
  concurrency?: number
  /** Waits before each retry of an unavailable check; its length is the number of retries. Default 1 s, 5 s, 15 s, 60 s. */
  retryDelaysMs?: number[]
  sink?: CheckSink
  /** Every outcome, including each `unavailable` attempt (`final` is false while a retry is scheduled). */
  onOutcome?: (outcome: CheckOutcome, info: { attempt: number; final: boolean }) => void
  now?: () => number
}

interface Job {
  cu: CuClient
  target: CheckTarget
  attempt: number
}

/**
 * Background cross-checking with limited concurrency. `add` never blocks; `idle()` resolves when
 * every added check (and its retries) has finished; `close()` drops what is pending.
 */
export class CrossCheckQueue {
  private readonly cus: CuClient[]
  private readonly concurrency: number
  private readonly retryDelays: number[]
  private readonly sink: CheckSink | undefined
  private readonly onOutcome: CrossCheckQueueOptions['onOutcome']
  private readonly now: () => number
  private readonly ready: Job[] = []
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly abort = new AbortController()
  private running = 0
  private waiters: (() => void)[] = []
  private closed = false
  /** Failures of the sink (the store) are not outcomes; kept for the caller to inspect. */
  readonly sinkErrors: unknown[] = []

  constructor(opts: CrossCheckQueueOptions) {
    if (opts.cus.length === 0) throw new Error('CrossCheckQueue needs at least one CU')
    this.cus = opts.cus
    this.concurrency = Math.max(1, opts.concurrency ?? 4)
    this.retryDelays = opts.retryDelaysMs ?? [1_000, 5_000, 15_000, 60_000]
    this.sink = opts.sink
    this.onOutcome = opts.onOutcome
    this.now = opts.now ?? (() => Date.now())
  }

  /** Queue one result to check against every CU. */
  add(target: CheckTarget): void {
    if (this.closed) throw new Error('CrossCheckQueue is closed')
    for (const cu of this.cus) this.ready.push({ cu, target, attempt: 1 })
    this.pump()
  }

  get pending(): number {
    return this.ready.length + this.running + this.timers.size
  }

  /** Resolves once nothing is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  close(): void {
    this.closed = true
    this.abort.abort()
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.ready.length = 0
    this.settleIfIdle()
  }

  private pump(): void {
    while (!this.closed && this.running < this.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!
      this.running++
      void this.run(job).finally(() => {
        this.running--
        this.pump()
        this.settleIfIdle()
      })
    }
  }

  private async run(job: Job): Promise<void> {
    let outcome: CheckOutcome
    try {
      outcome = await checkAgainst(job.cu, job.target, this.abort.signal)
    } catch (e) {
      if (this.closed) return
      outcome = { verdict: 'unavailable', cu: job.cu.url, target: job.target, reason: 'bad-response', message: `cross-check of ${describe(job.target)} against ${job.cu.url} failed: ${String(e)}` }
    }
    if (this.closed) return
    const retryIn = outcome.verdict === 'unavailable' ? this.retryDelays[job.attempt - 1] : undefined
    const final = retryIn === undefined
    this.onOutcome?.(outcome, { attempt: job.attempt, final })
    if (!final) {
      const t = setTimeout(() => {
        this.timers.delete(t)
        if (this.closed) return
        this.ready.push({ ...job, attempt: job.attempt + 1 })
        this.pump()
      }, retryIn)
      this.timers.add(t)
      return
    }
    if (this.sink) {
      try {
        await this.sink.put(toCheckRecord(outcome, this.now()))
      } catch (e) {
        this.sinkErrors.push(e)
      }
    }
  }

  private settleIfIdle(): void {
    if (this.pending !== 0 && !this.closed) return
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }
}

/**
 * A checker for the evaluation pipeline: one request compares with every CU at once and never
 * throws; an unavailable CU is an `error` outcome (a warning; the pipeline may ask again later).
 */
export function crossCheckerFor(cus: CuClient[]): CrossChecker {
  return {
    async check(req: CheckRequest) {
      const target: CheckTarget = { processId: req.processId, messageId: req.messageId, nonce: req.nonce, local: req.result }
      if (req.cron) target.cron = req.cron
      return Promise.all(
        cus.map(async (cu): Promise<PipelineCheckOutcome> => {
          try {
            const o = await checkAgainst(cu, target)
            if (o.verdict === 'agreed') return { verdict: 'agreed', cu: o.cu }
            if (o.verdict === 'diverged') return { verdict: 'diverged', cu: o.cu, divergences: o.divergences }
            return { verdict: 'error', cu: o.cu, reason: o.message }
          } catch (e) {
            return { verdict: 'error', cu: cu.url, reason: `cross-check of ${describe(target)} against ${cu.url} failed: ${String(e)}` }
          }
        }),
      )
    },
  }
}
