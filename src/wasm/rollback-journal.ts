/**
 * Rollback without copying memory per message. The reference CU keeps the previous memory when
 * a message errors and drops the instance. We keep a checkpoint (the memory's non-zero pages,
 * sparse-memory.ts, plus the JS-side clock and FS) and the messages evaluated since; on an error
 * the memory goes back to the checkpoint (in place, or on a fresh instance) and those messages are
 * replayed, which, the runtime being deterministic, rebuilds the pre-message memory byte for byte.
 * The CU's fresh instance also starts fresh JS state (clock, FS): a rollback records that as a
 * `fresh-js` step in the journal, so the checkpoint stays valid and need not be taken again.
 *
 * When to checkpoint is a trade between the copy (a scan of the whole memory plus a copy of its
 * non-zero pages: ~5-10 ms for aos's 110 MB with the SIMD scan, zero-page-scan.ts; 10-30 ms in JS)
 * and replays. A checkpoint is due once the work done
 * since the last one reaches `workPerCopy` times what that copy cost (1% overhead at 100, a replay
 * of at most ~100 copy times, ~1-2 s on aos), or once the replays paid since it reach
 * `replaysPerCopy` copies (a log with frequent errors: replaying a long journal at each error would
 * cost far more than checkpointing), or after `interval` messages / `maxBytes` of kept JSON.
 * Work is the wall time of `handle` calls, so slow modules checkpoint more often.
 */
import type { AoEnv } from './types'
import type { MemFs } from './memfs'
import type { SparseMemory } from './sparse-memory'

export interface JournalMessage {
  kind: 'message'
  msgJson: string
  envJson: string
  env: AoEnv
}

/** A step of the journal: a message to replay, or "JS state (clock, FS) restarted fresh here". */
export type JournalEntry = JournalMessage | { kind: 'fresh-js' }

export interface Checkpoint {
  /** undefined: the module's fresh memory right after start-up */
  memory: SparseMemory | undefined
  byteLength: number
  clockNext: number
  fs: MemFs | undefined
}

export interface JournalPolicy {
  /** at most this many messages between checkpoints */
  interval: number
  /** bytes of kept message JSON that force an early checkpoint */
  maxBytes: number
  /**
   * a checkpoint is due once the ms spent in `handle` since the last one reach this many times
   * the ms the last checkpoint copy took (default 100, i.e. copies cost ~1% of the work)
   */
  workPerCopy?: number
  /** a checkpoint is due once the ms spent replaying after errors reach this many copies (default 1) */
  replaysPerCopy?: number
}

export const DEFAULT_JOURNAL_POLICY: JournalPolicy = { interval: 5000, maxBytes: 32 * 1024 * 1024, workPerCopy: 100, replaysPerCopy: 1 }

const now = (): number => performance.now()

export class RollbackJournal {
  checkpoint: Checkpoint
  entries: JournalEntry[] = []
  private messages = 0
  private bytes = 0
  private workMs = 0
  private replayMs = 0
  /** what the last checkpoint copy cost; before the first one, assume a typical aos scan */
  private copyMs = 15

  constructor(
    initial: Checkpoint,
    readonly policy: JournalPolicy = DEFAULT_JOURNAL_POLICY,
  ) {
    this.checkpoint = initial
  }

  /** Record a message that changed memory, and the ms its `handle` took. */
  add(e: Omit<JournalMessage, 'kind'>, ms: number): void {
    this.entries.push({ kind: 'message', ...e })
    this.messages++
    this.bytes += e.msgJson.length + e.envJson.length
    this.workMs += ms
  }

  /** A rollback replayed the journal (taking `replayMs`) and restarted the JS state fresh. */
  rolledBack(replayMs: number): void {
    this.replayMs += replayMs
    // even with no message since the checkpoint: a later replay must not run on the checkpoint's JS state
    if (this.entries[this.entries.length - 1]?.kind !== 'fresh-js') this.entries.push({ kind: 'fresh-js' })
  }

  get due(): boolean {
    if (this.messages === 0) return false
    if (this.messages >= this.policy.interval || this.bytes >= this.policy.maxBytes) return true
    const r = this.policy.replaysPerCopy
    if (r !== undefined && this.replayMs >= r * this.copyMs) return true
    const k = this.policy.workPerCopy
    return k !== undefined && this.workMs >= k * this.copyMs
  }

  /** Take a new checkpoint from live state: its non-zero pages (`scan`: a scan and a small copy). */
  take(scan: () => SparseMemory, clockNext: number, fs: MemFs): void {
    const t0 = now()
    const memory = scan()
    this.reset({ memory, byteLength: memory.byteLength, clockNext, fs })
    this.copyMs = Math.max(1, Math.min(now() - t0, 30))
  }

  /** Start over from a checkpoint the caller already has (a snapshot just loaded). */
  reset(cp: Checkpoint): void {
    this.checkpoint = cp
    this.entries = []
    this.messages = 0
    this.bytes = 0
    this.workMs = 0
    this.replayMs = 0
  }
}
