/**
 * Rollback without copying memory per message. The reference CU keeps the previous memory when
 * a message errors and drops the instance. We keep a checkpoint (a copy of memory in a reused
 * buffer, plus the JS-side clock and FS) and the messages evaluated since; on an error we start
 * a fresh instance from the checkpoint and replay those messages, which, the runtime being
 * deterministic, rebuilds the pre-message memory byte for byte.
 *
 * When to checkpoint is a trade: a copy of aos's 110 MB costs 11-20 ms, a replay costs the
 * messages' own time. So a checkpoint is due once the work done since the last one reaches
 * `workPerCopy` times what that copy cost (1% overhead at 100, a replay of at most ~100 copy
 * times, ~1-2 s on aos), or after `interval` messages / `maxBytes` of kept JSON, whichever
 * comes first. Work is the wall time of `handle` calls, so slow modules checkpoint more often.
 */
import type { AoEnv } from './types'
import type { MemFs } from './memfs'

export interface JournalEntry {
  msgJson: string
  envJson: string
  env: AoEnv
}

export interface Checkpoint {
  /** undefined: the module's fresh memory right after start-up */
  memory: Uint8Array | undefined
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
}

export const DEFAULT_JOURNAL_POLICY: JournalPolicy = { interval: 5000, maxBytes: 32 * 1024 * 1024, workPerCopy: 100 }

const now = (): number => performance.now()

export class RollbackJournal {
  checkpoint: Checkpoint
  entries: JournalEntry[] = []
  private bytes = 0
  private workMs = 0
  /** what the last checkpoint copy cost; before the first one, assume a typical 110 MB copy */
  private copyMs = 15

  constructor(
    initial: Checkpoint,
    readonly policy: JournalPolicy = DEFAULT_JOURNAL_POLICY,
  ) {
    this.checkpoint = initial
  }

  /** Record a message that changed memory, and the ms its `handle` took. */
  add(e: JournalEntry, ms: number): void {
    this.entries.push(e)
    this.bytes += e.msgJson.length + e.envJson.length
    this.workMs += ms
  }

  get due(): boolean {
    const n = this.entries.length
    if (n === 0) return false
    if (n >= this.policy.interval || this.bytes >= this.policy.maxBytes) return true
    const k = this.policy.workPerCopy
    return k !== undefined && this.workMs >= k * this.copyMs
  }

  /** Take a new checkpoint from live state, reusing the previous buffer when it fits. */
  take(live: Uint8Array, clockNext: number, fs: MemFs): void {
    const t0 = now()
    // The old checkpoint is no longer needed once live state is valid: overwrite its buffer.
    const old = this.checkpoint.memory
    let buf = old && old.buffer.byteLength >= live.byteLength ? new Uint8Array(old.buffer as ArrayBuffer) : undefined
    if (!buf) buf = new Uint8Array(live.byteLength)
    buf.set(live)
    this.checkpoint = { memory: buf.subarray(0, live.byteLength), byteLength: live.byteLength, clockNext, fs }
    this.entries = []
    this.bytes = 0
    this.workMs = 0
    // a first copy into fresh pages pays for page faults; never let one slow copy stall checkpoints
    this.copyMs = Math.min(now() - t0, 30)
  }
}
