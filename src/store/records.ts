/**
 * The typed records kept in IndexedDB (one interface per object store). Binary payloads are
 * ArrayBuffers or Blobs (structured-clonable in Workers and on the main thread).
 */
import type { AoTag } from '../wasm/types'

/** How far an item was checked (DESIGN.md "Verification levels"), lowest first. */
export type VerificationLevel = 'fetched' | 'signed' | 'chained' | 'computed' | 'agreed'

/**
 * Where an evaluation sits in a process's history. Crons fire *after* the scheduled message with
 * the same nonce and before the next one, so `[nonce, cron]` sorts every evaluation in order:
 * `cron = 0` is the scheduled message itself, `cron = 1, 2, …` are the crons that followed it.
 */
export interface Ordinate {
  nonce: number
  cron: number
}

export type ProcessStatus = 'new' | 'syncing' | 'ready' | 'failed'

export interface ProcessRecord {
  id: string
  /** the process record as the SU returned it (`GET /processes/{P}`), unchanged */
  record: unknown
  tags: AoTag[]
  moduleId: string
  /** the scheduler's wallet address (the process's `Scheduler` tag) */
  scheduler: string
  /** highest nonce stored in `log` (every nonce 0..verifiedHead present); -1 when none */
  verifiedHead: number
  /** last evaluation whose result is stored in `results`; null before the first one */
  evaluatedHead: Ordinate | null
  status: ProcessStatus
  /** why status is 'failed' */
  error?: string
  updatedAt: number
}

export interface ModuleRecord {
  id: string
  bytes: ArrayBuffer
  tags: AoTag[]
  owner?: string
  /** the bytes were checked against the module's signed data item */
  verified: boolean
  storedAt: number
}

export interface LogRecord {
  processId: string
  nonce: number
  /** the message id (or the assignment id for an assignment without message) */
  messageId: string
  /** the assignment's Timestamp, ms */
  timestamp: number
  level: VerificationLevel
  /** the SU edge `{cursor, node:{message, assignment}}` as fetched, unchanged */
  edge: unknown
}

export interface ResultRecord extends Ordinate {
  processId: string
  /** id of the evaluated message; absent for crons */
  messageId?: string
  timestamp: number
  /** the module's response: {Output, Messages, Spawns, Assignments, Error?, GasUsed?} */
  result: unknown
  /** the memory after this evaluation was rolled back (the result has Error) */
  error: boolean
}

export type SnapshotKind = 'full' | 'incremental'

/** Metadata of one snapshot; the compressed pages live in `snapshotData` under the same id. */
export interface SnapshotRecord extends Ordinate {
  /** auto-increment key, assigned on write */
  id: number
  processId: string
  kind: SnapshotKind
  /** the snapshot this one's pages apply on top of (incrementals only) */
  baseId: number | null
  /** 0 for a full snapshot, base depth + 1 for an incremental */
  depth: number
  /** byte length of the whole linear memory */
  byteLength: number
  /** stored layout version (snapshot-codec.ts `SNAPSHOT_FORMAT`); absent on records of the first format */
  format: number
  /**
   * hex SHA-256 of the whole raw memory (same definition as ao Checkpoint's `SHA-256` tag); computed
   * for full snapshots, null for incrementals unless the writer supplied it (snapshot-codec.ts)
   */
  sha256: string | null
  /** hex SHA-256 of this link's header (incl. its base's contentSha256) and stored bytes; checked on restore */
  contentSha256: string
  /** indices of the 64 KiB pages stored, ascending; their bytes (full) or XOR deltas (incremental) concatenated */
  pages: Uint32Array
  /** stored page bytes before / after compression (full: deflate-raw; incremental: zero-run packing) */
  rawSize: number
  compressedSize: number
  createdAt: number
  /** set when a restore found the stored bytes don't match `contentSha256`; never used again */
  corrupt?: boolean
}

export interface SnapshotDataRecord {
  id: number
  /** the stored pages: deflate-raw page bytes (full) or zero-run packed XOR deltas (incremental) */
  blob: Blob
}

export type CheckVerdict = 'agreed' | 'diverged' | 'error'

export interface Divergence {
  /** the result field that differs, e.g. "Output.data", "Messages[1].Tags" */
  field: string
  local: unknown
  remote: unknown
}

/** One cross-check of a local result against a remote CU's `/result`. */
export interface CheckRecord extends Ordinate {
  processId: string
  /** the remote CU's base URL */
  remote: string
  verdict: CheckVerdict
  divergences: Divergence[]
  /** why the check could not be done (verdict 'error') */
  error?: string
  checkedAt: number
}

/**
 * `queued` → `sent` (acknowledged) → `assigned` (seen in the target's log); `cancelled` is the
 * person's stop on a `queued` item (or the discard of a refused one) and is terminal, with one
 * exception: an item cancelled after an attempt that may have reached the MU/SU can still turn up
 * in the log, and then it is recorded `assigned` (the log is the truth).
 */
export type OutboxStatus = 'queued' | 'sent' | 'assigned' | 'cancelled'

/** One signed ANS-104 item waiting to reach (or seen in) its target's SU log. */
export interface OutboxRecord {
  /** the item id (b64url of SHA-256 of its signature) */
  id: string
  /** the process the item is for */
  target: string
  /** the item's bytes, exactly as signed */
  raw: ArrayBuffer
  status: OutboxStatus
  attempts: number
  lastError?: string
  /** the nonce it got in the target's SU log (status 'assigned') */
  assignedNonce?: number
  /** when the person cancelled (or discarded) it; kept if it was assigned anyway */
  cancelledAt?: number
  /** it was cancelled as a refused item ("Discard"), not while waiting to be sent */
  discarded?: boolean
  createdAt: number
  updatedAt: number
}

export interface SettingRecord {
  key: string
  value: unknown
}
