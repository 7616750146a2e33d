/**
 * Folds the verified log through one hot module instance (the RuntimeHost), in nonce order,
 * with the reference CU's rules: mapEdge (Owner as address, From/Forwarded-By, tags stripped,
 * assignment fields), assignments of existing txs hydrated, pushes whose deep hash was already
 * evaluated skipped, crons between scheduled messages (from a CronGenerator), Error rolls memory
 * back (the host does it), and the synthetic first message for old processes.
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

export interface EvaluatorDeps {
  host: RuntimeHost
  env: AoEnv
  /** hydrates an assignment of an existing transaction; undefined offline */
  hydrate?: (s: ScheduledMessage) => Promise<MappedMessage>
  cron?: CronGenerator | null
  /** the synthetic first message, for processes whose log does not start with the process */
  firstMessage?: () => Promise<MappedMessage>
}

/** One evaluated (or skipped) step, in order. */
export type EvaluatedStep =
  | { kind: 'result'; entry: LogRecord | undefined; result: NewResult; runtimeError?: string }
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

  constructor(private readonly deps: EvaluatorDeps, start: { position: Ordinate | null; pushed: Set<string>; prev?: CronBoundary }) {
    this.position = start.position
    this.pushed = start.pushed
    this.prev = start.prev
  }

  /** The next nonce to evaluate. */
  get nextNonce(): number {
    return this.position === null ? 0 : this.position.nonce + 1
  }

  private async handle(msg: MappedMessage): Promise<{ result: AoResult; runtimeError?: string }> {
    const outcome = await this.deps.host.handle(msg as unknown as AoMessage, this.deps.env)
    if (outcome.kind === 'result') return { result: outcome.result }
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
      }
      await this.crons(scheduled.message, onStep, entry)
      let msg = scheduled.message
      if (scheduled.isAssignment) {
        if (!this.deps.hydrate) throw new ComputeError('compute/evaluation', `nonce ${entry.nonce}: assignment of transaction ${msg.Id} needs the gateway to hydrate it, which is unreachable`, { nonce: entry.nonce })
        msg = await this.deps.hydrate(scheduled)
      }
      if (scheduled.deepHash !== undefined && this.pushed.has(scheduled.deepHash)) {
        this.position = { nonce: entry.nonce, cron: 0 }
        this.prev = boundaryOf(msg)
        onStep({ kind: 'skipped', entry, reason: `push already evaluated (same deep hash ${scheduled.deepHash})` })
        continue
      }
      const { result, runtimeError } = await this.handle(msg)
      if (scheduled.deepHash !== undefined) this.pushed.add(scheduled.deepHash)
      this.position = { nonce: entry.nonce, cron: 0 }
      this.prev = boundaryOf(msg)
      const step: EvaluatedStep = {
        kind: 'result',
        entry,
        result: { nonce: entry.nonce, cron: 0, messageId: entry.messageId, timestamp: msg.Timestamp ?? entry.timestamp, result, error: !!result.Error || runtimeError !== undefined },
      }
      if (runtimeError !== undefined) step.runtimeError = runtimeError
      onStep(step)
    }
  }

  /** Crons due strictly between the previous scheduled message and `next`. */
  private async crons(next: MappedMessage, onStep: (s: EvaluatedStep) => void, entry: LogRecord): Promise<void> {
    const gen = this.deps.cron
    if (!gen || !this.prev || this.position === null) return
    const due = await gen.between(this.prev, boundaryOf({ ...next, Nonce: entry.nonce }))
    const base = this.prev.nonce
    // After resuming from a snapshot taken between crons, the first `position.cron` are done.
    const done = this.position.nonce === base ? this.position.cron : 0
    for (let i = done; i < due.length; i++) {
      const msg = due[i]!
      const { result, runtimeError } = await this.handle(msg)
      this.position = { nonce: base, cron: i + 1 }
      const step: EvaluatedStep = {
        kind: 'result',
        entry: undefined,
        result: { nonce: base, cron: i + 1, timestamp: msg.Timestamp ?? 0, result, error: !!result.Error || runtimeError !== undefined },
      }
      if (runtimeError !== undefined) step.runtimeError = runtimeError
      onStep(step)
    }
  }
}
