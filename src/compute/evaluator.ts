/**
 * Folds the verified log through one hot module instance (the RuntimeHost), in nonce order,
 * with the reference CU's rules: mapEdge (Owner as address, From/Forwarded-By, tags stripped,
 * assignment fields), assignments of existing txs hydrated, pushes whose deep hash was already
 * evaluated skipped, crons between scheduled messages (from a CronGenerator), Error rolls memory
 * back (the host does it), and the synthetic first message for old processes.
 *
 * Crons also run while idle (`cronsUntil`, as the reference CU evaluates crons due up to "now"):
 * the span after the newest message is cut at a tick, and the next span continues from that cut,
 * so the pass up to the next message neither repeats nor skips a tick. A WeaveDrive read that
 * failed for want of the gateway stops evaluation before that message (`compute/data-unavailable`);
 * it is never stored as the message's result, and a later run retries it.
 *
 * The evaluator only computes; the caller stores each batch's results atomically with the
 * evaluated head. Results at or below the stored head (a replay after resuming from an older
 * snapshot) are compared with what is stored, so a replay also re-checks them.
 */
import type { RuntimeHost } from './runtime-host'
import { mapEdge, type MappedMessage, type ScheduledMessage } from '../protocol/message-mapping'
import type { SuEdge } from '../protocol/su-types'
import type { AoEnv, AoMessage, AoResult } from '../wasm/types'
import type { LogRecord, Ordinate } from '../store/index'
import type { NewResult } from '../store/result-store'
import type { CronBoundary, CronGenerator } from './pipeline-types'
import { ComputeError } from './compute-errors'
import { addressOfKey } from './process-loader'
import type { HydratedMessage, HydrationProof } from './hydrate'

export interface EvaluatorDeps {
  host: RuntimeHost
  env: AoEnv
  /** hydrates and verifies an assignment of an existing transaction; undefined offline */
  hydrate?: (s: ScheduledMessage) => Promise<HydratedMessage>
  cron?: CronGenerator | null
  /** the synthetic first message, for processes whose log does not start with the process */
  firstMessage?: () => Promise<MappedMessage>
}

/** One evaluated (or skipped) step, in order. */
export type EvaluatedStep =
  | { kind: 'result'; entry: LogRecord | undefined; result: NewResult; runtimeError?: string; hydration?: HydrationProof }
  | { kind: 'skipped'; entry: LogRecord; reason: string }

const ownerAddress = (m: { owner: { key: string } }) => addressOfKey(m.owner.key)

/** Deep hashes of every push at or below `upTo` (what the reference would have evaluated). */
export function pushedDeepHashes(entries: readonly LogRecord[]): Set<string> {
  const set = new Set<string>()
  for (const e of entries) {
    try {
      const h = mapEdge(e.edge as SuEdge, ownerAddress).deepHash
      if (h) set.add(h)
    } catch { /* unmappable entries were never evaluated */ }
  }
  return set
}

export function boundaryOf(msg: Pick<MappedMessage, 'Nonce' | 'Timestamp' | 'Block-Height'>): CronBoundary {
  return { nonce: msg.Nonce ?? 0, timestamp: msg.Timestamp ?? 0, blockHeight: msg['Block-Height'] ?? 0 }
}

function failedResult(code: string, message: string): AoResult {
  return { Output: '', Messages: [], Spawns: [], Assignments: [], Error: `${code}: ${message}` }
}

export class Evaluator {
  /** the last evaluation reflected in the host's memory; null before the first */
  position: Ordinate | null
  private prev: CronBoundary | undefined
  private readonly pushed: Set<string>
  /** where cron generation for the current span resumes: `prev`, or an idle cut after it */
  private cronLeft: CronBoundary | undefined
  /** crons from `cronLeft` already evaluated (a snapshot taken between crons, or a stop) */
  private cronSkip = 0
  /**
   * The crons generated for the span in progress, kept until all are evaluated: the generator
   * deduplicates across calls (the CU's LRU), so a retry after a stop must not regenerate them.
   * `cut`: an idle span's end (the next `cronLeft`); undefined for a span ending at a message.
   */
  private cronPlan: { rightTs: number; due: MappedMessage[]; cut?: CronBoundary } | undefined

  constructor(private readonly deps: EvaluatorDeps, start: { position: Ordinate | null; pushed: Set<string>; prev?: CronBoundary }) {
    this.position = start.position
    this.pushed = start.pushed
    this.prev = start.prev
    this.cronLeft = start.prev
    // After resuming from a snapshot taken between crons, the first `position.cron` are done.
    this.cronSkip = start.prev && start.position && start.position.nonce === start.prev.nonce ? start.position.cron : 0
  }

  /** The next nonce to evaluate. */
  get nextNonce(): number {
    return this.position === null ? 0 : this.position.nonce + 1
  }

  private async handle(msg: MappedMessage): Promise<{ result: AoResult; runtimeError?: string }> {
    const outcome = await this.deps.host.handle(msg, this.deps.env)
    if (outcome.kind === 'result') return { result: outcome.result }
    if (outcome.weaveDrive) {
      // The gateway, not the message, failed: storing this as the message's Error would diverge for
      // good from CUs whose gateway was up. Memory is untouched (the host rolled back): stop here.
      const w = outcome.weaveDrive
      const what = msg.Cron ? `the cron message at ${msg.Timestamp ?? '?'} after nonce ${this.position?.nonce ?? '?'}` : `message ${msg.Id ?? '?'} (nonce ${msg.Nonce ?? '?'})`
      throw new ComputeError('compute/data-unavailable',
        `${what} reads /data/${w.txId} through WeaveDrive, and gateway ${w.gateway} could not serve it (${w.causeCode}): evaluation stops before this message and retries on the next sync. ${w.message}`,
        { nonce: msg.Nonce ?? this.position?.nonce ?? null, txId: w.txId, gateway: w.gateway, causeCode: w.causeCode })
    }
    // Timeout / trap: memory is untouched (the host restarted from the last good state).
    return { result: failedResult(outcome.error.code, outcome.error.message), runtimeError: outcome.error.message }
  }

  /** Evaluate `entries` (consecutive, starting at `nextNonce`); `onStep` sees each step in order. */
  async run(entries: readonly LogRecord[], onStep: (s: EvaluatedStep) => void, shouldStop: () => boolean = () => false): Promise<void> {
    for (const entry of entries) {
      if (shouldStop()) return
      if (entry.nonce !== this.nextNonce) {
        throw new ComputeError('compute/evaluation', `evaluator expected nonce ${this.nextNonce}, was given ${entry.nonce}`, { nonce: entry.nonce })
      }
      const scheduled = mapEdge(entry.edge as SuEdge, ownerAddress)
      if (entry.nonce === 0 && this.position === null && this.deps.firstMessage) {
        // Old process: the synthetic process message first, never stored (ordinate before nonce 0).
        const first = await this.deps.firstMessage()
        await this.handle(first)
        this.prev = boundaryOf(first)
        this.cronLeft = this.prev
        this.cronSkip = 0
      }
      await this.crons(boundaryOf({ ...scheduled.message, Nonce: entry.nonce }), onStep)
      let msg = scheduled.message
      let hydration: HydrationProof | undefined
      if (scheduled.isAssignment) {
        if (!this.deps.hydrate) throw new ComputeError('compute/evaluation', `nonce ${entry.nonce}: assignment of transaction ${msg.Id} needs the gateway to hydrate it, which is unreachable`, { nonce: entry.nonce })
        const h = await this.deps.hydrate(scheduled)
        msg = h.message
        hydration = h.proof
      }
      if (scheduled.deepHash !== undefined && this.pushed.has(scheduled.deepHash)) {
        this.advanceTo(entry.nonce, msg)
        onStep({ kind: 'skipped', entry, reason: `push already evaluated (same deep hash ${scheduled.deepHash})` })
        continue
      }
      const { result, runtimeError } = await this.handle(msg)
      if (scheduled.deepHash !== undefined) this.pushed.add(scheduled.deepHash)
      this.advanceTo(entry.nonce, msg)
      const step: EvaluatedStep = {
        kind: 'result',
        entry,
        result: { nonce: entry.nonce, cron: 0, messageId: entry.messageId, timestamp: msg.Timestamp ?? entry.timestamp, result, error: !!result.Error || runtimeError !== undefined },
      }
      if (runtimeError !== undefined) step.runtimeError = runtimeError
      if (hydration !== undefined) step.hydration = hydration
      onStep(step)
    }
  }

  /**
   * Crons due after the newest evaluated message up to `nowMs` (exclusive): the SU's clock, so every
   * message it assigns later is stamped at or after `nowMs` and the ticks run here come before it,
   * as the reference orders them. Returns how many were evaluated.
   */
  async cronsUntil(nowMs: number, onStep: (s: EvaluatedStep) => void): Promise<number> {
    if (!this.deps.cron || !this.prev || this.position === null) return 0
    let count = await this.finishIdlePlan(onStep)
    const left = this.cronLeft!
    if (nowMs <= left.timestamp) return count
    // Ticks run at left + k·1000 ms; the cut is the first tick not before `nowMs`, so the next span
    // continues the same tick sequence (time crons carry the last block height reached).
    const cutTs = left.timestamp + Math.ceil((nowMs - left.timestamp) / 1000) * 1000
    const due = await this.deps.cron.between(left, { nonce: left.nonce + 1, timestamp: nowMs, blockHeight: left.blockHeight })
    const last = due[due.length - 1]
    this.cronPlan = { rightTs: nowMs, due, cut: { nonce: left.nonce, timestamp: cutTs, blockHeight: last?.['Block-Height'] ?? left.blockHeight } }
    count += await this.runPlan(onStep)
    return count
  }

  /** A message was evaluated (or skipped as a repeated push): the next cron span starts at it. */
  private advanceTo(nonce: number, msg: MappedMessage): void {
    this.position = { nonce, cron: 0 }
    this.prev = boundaryOf(msg)
    this.cronLeft = this.prev
    this.cronSkip = 0
    this.cronPlan = undefined
  }

  /** An idle span left unfinished by a stop: finish it first (its crons come before anything later). */
  private async finishIdlePlan(onStep: (s: EvaluatedStep) => void): Promise<number> {
    return this.cronPlan?.cut ? this.runPlan(onStep) : 0
  }

  /** Evaluate the plan's crons from `cronSkip`; a complete idle span moves `cronLeft` to its cut. */
  private async runPlan(onStep: (s: EvaluatedStep) => void): Promise<number> {
    const plan = this.cronPlan!
    const base = this.position!.nonce
    let count = 0
    for (let i = this.cronSkip; i < plan.due.length; i++) {
      const msg = plan.due[i]!
      const { result, runtimeError } = await this.handle(msg)
      const cron = this.position!.nonce === base ? this.position!.cron + 1 : 1
      this.position = { nonce: base, cron }
      this.cronSkip = i + 1
      count++
      const step: EvaluatedStep = {
        kind: 'result',
        entry: undefined,
        result: { nonce: base, cron, timestamp: msg.Timestamp ?? 0, result, error: !!result.Error || runtimeError !== undefined },
      }
      if (runtimeError !== undefined) step.runtimeError = runtimeError
      onStep(step)
    }
    if (plan.cut) {
      this.cronLeft = plan.cut
      this.cronSkip = 0
      this.cronPlan = undefined
    }
    return count
  }

  /** Crons due from the current cron position strictly before the message at `right`. */
  private async crons(right: CronBoundary, onStep: (s: EvaluatedStep) => void): Promise<void> {
    const gen = this.deps.cron
    if (!gen || !this.prev || this.position === null) return
    await this.finishIdlePlan(onStep)
    // a retry of the same message (after a stop) reuses the crons generated the first time
    if (!this.cronPlan || this.cronPlan.rightTs !== right.timestamp) {
      this.cronPlan = { rightTs: right.timestamp, due: await gen.between(this.cronLeft!, right) }
    }
    await this.runPlan(onStep)
  }
}
