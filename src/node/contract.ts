/**
 * The client contract: the one typed API the UI calls, the facade over the compute and relay workers.
 *
 * Everything public is in this file (smoldot-style): closed unions for events and errors, plain data
 * that survives structured clone (so a Worker or a SharedWorker leader tab can implement it behind
 * comlink), and no implementation. The UI depends on this file only; the facade implements it.
 *
 * Conventions:
 * - Ids are 43-character base64url strings (`isAoId`), checked at the boundary.
 * - Long work reports progress as a stream of `ProcessEvent`s (`ProcessHandle.subscribe`), never polling.
 * - Every rejection is a `NodeError` with a closed `code`; across a Worker it travels as `NodeErrorInfo`.
 * - Types the compute worker defines (`Divergence`) are re-exported here, never written twice.
 */
import type { Divergence } from '../compute/pipeline-types'

// ---------------------------------------------------------------------------------------------
// Ids

/** An Arweave/ao id: 32 bytes as unpadded base64url, always 43 characters. */
export const AO_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/

export function isAoId(text: string): boolean {
  return AO_ID_PATTERN.test(text)
}

/** Checks an id typed by a person and says precisely what is wrong with it. */
export function checkAoId(text: string, what = 'id'): { ok: true; id: string } | { ok: false; reason: string } {
  const id = text.trim()
  const a = /^[aeiou]/i.test(what) ? 'an' : 'a'
  if (id === '') return { ok: false, reason: `Enter ${a} ${what}.` }
  const A = a === 'an' ? 'An' : 'A'
  const bad = id.match(/[^A-Za-z0-9_-]/)
  if (bad) return { ok: false, reason: `${A} ${what} uses only A–Z, a–z, 0–9, "-" and "_"; found "${bad[0]}" at position ${(bad.index ?? 0) + 1}.` }
  if (id.length !== 43) return { ok: false, reason: `${A} ${what} is 43 characters long; this one has ${id.length}.` }
  return { ok: true, id }
}

// ---------------------------------------------------------------------------------------------
// Errors

export type NodeErrorCode =
  /** the part of the node that does this is not built or not running; `details.capability` says which */
  | 'node/unavailable'
  | 'input/bad-id'
  | 'input/bad-url'
  | 'input/bad-tag'
  | 'input/bad-number'
  | 'process/not-found'
  | 'process/module-unsupported'
  /** a process on a network this node cannot verify yet (HyperBEAM, ao.N.1) */
  | 'process/unsupported'
  /** a signature, nonce or hash-chain check failed; `details.nonce` and `details.check` say where */
  | 'process/verification-failed'
  | 'process/evaluation-failed'
  | 'process/closed'
  | 'network/unreachable'
  | 'network/status'
  | 'wallet/not-found'
  | 'wallet/not-connected'
  | 'wallet/rejected'
  | 'wallet/bad-keyfile'
  | 'storage/unsupported'
  | 'storage/quota'
  /** the person cancelled the send before the network acknowledged it; `details.attempts` > 0: one may have got through */
  | 'send/cancelled'
  /** cancel/discard of an item that is already acknowledged, assigned or cancelled (or, for discard, not refused) */
  | 'send/not-cancellable'

export interface NodeErrorInfo {
  code: NodeErrorCode
  message: string
  details: Record<string, string | number | boolean | null>
}

export class NodeError extends Error {
  override readonly name = 'NodeError'
  constructor(
    readonly code: NodeErrorCode,
    message: string,
    readonly details: NodeErrorInfo['details'] = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  toInfo(): NodeErrorInfo {
    return { code: this.code, message: this.message, details: this.details }
  }

  static fromInfo(info: NodeErrorInfo): NodeError {
    return new NodeError(info.code, info.message, info.details)
  }
}

export function isNodeError(e: unknown, code?: NodeErrorCode): e is NodeError {
  return e instanceof NodeError && (code === undefined || e.code === code)
}

/** A human sentence for any thrown value, for places that must show *something* precise. */
export function describeError(e: unknown): string {
  if (e instanceof NodeError) return e.message
  if (e instanceof Error) return `${e.name}: ${e.message}`
  return String(e)
}

// ---------------------------------------------------------------------------------------------
// Capabilities: what this build of the node can do right now, and why not when it can't.

export type CapabilityName = 'compute' | 'relay' | 'crossCheck' | 'storage' | 'browserWallet'
export type Capability = { available: true } | { available: false; reason: string }
export type Capabilities = Record<CapabilityName, Capability>

// ---------------------------------------------------------------------------------------------
// Messages, results, verification

export interface Tag {
  name: string
  value: string
}

/**
 * How far one message is verified, in this order (DESIGN.md): fetched < signed (item + assignment
 * signatures) < chained (nonce continuity + hash chain) < computed (evaluated here) < agreed (a remote
 * CU returned the same result). `diverged` is separate: a remote CU disagreed, never hidden.
 */
export type VerificationLevel = 'fetched' | 'signed' | 'chained' | 'computed' | 'agreed'
export const VERIFICATION_LEVELS: readonly VerificationLevel[] = ['fetched', 'signed', 'chained', 'computed', 'agreed']
export type Verification =
  | { level: VerificationLevel }
  | { level: 'diverged'; cu: string; fields: string[] }

/** One difference between our result and a remote CU's for the same message (defined by the compute worker's cross-check). */
export type { Divergence }

/** An outbox entry of a result (Messages, Spawns). Untrusted: render as text only. */
export interface OutboxItem {
  Target?: string
  Anchor?: string
  Data?: string
  Tags: Tag[]
}

export interface Assignment {
  Processes: string[]
  Message: string
}

/** Plain JSON data: what a module's result holds, and what crosses a Worker boundary unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** A process's result for one message, as the CU shape (`ao-protocol.md` §2). Untrusted content. */
export interface MessageResult {
  /** aos returns an object `{data:{output,prompt}}`; other modules a string */
  Output: unknown
  Messages: OutboxItem[]
  Spawns: OutboxItem[]
  Assignments: Assignment[]
  /**
   * As the module gave it: usually a string, but aos passes an Eval's second return value through
   * (`return nil, {code = 7}` gives an object), and the reference CU reports it as is on `/result`.
   */
  Error?: JsonValue
  GasUsed?: number
}

/** One entry of a process's log as the node knows it. */
export interface LoggedMessage {
  id: string
  /** SU nonce; null for cron ticks */
  nonce: number | null
  timestamp: number
  blockHeight: number
  /** the `From-Process` tag, else the signer's address */
  from: string
  owner: string
  tags: Tag[]
  cron: boolean
  verification: Verification
  /** absent until evaluated here */
  result?: MessageResult
  /** how the node proved what it could not check from the SU alone (e.g. a hydrated L1 transaction); this session only */
  notes?: string[]
}

// ---------------------------------------------------------------------------------------------
// Progress and status of an open process

export type Phase = 'fetch' | 'verify' | 'evaluate' | 'check'
export const PHASES: readonly Phase[] = ['fetch', 'verify', 'evaluate', 'check']

export interface PhaseProgress {
  phase: Phase
  done: number
  /** null while the total is unknown (the SU pages until has_next_page is false) */
  total: number | null
  /** messages per second, smoothed by the producer */
  ratePerSecond: number
  /** null when total or rate is unknown */
  etaSeconds: number | null
}

export type ProcessStatus =
  | { state: 'locating' }
  | { state: 'loading-module'; moduleId: string }
  | { state: 'syncing' }
  | { state: 'idle'; verifiedHead: number; evaluatedHead: number }
  | { state: 'offline'; verifiedHead: number; evaluatedHead: number }
  /** stopped for good at a precise place; what was verified before stays */
  | { state: 'stopped'; error: NodeErrorInfo }

/** A summary for the process page header. */
export interface ProcessSummary {
  id: string
  owner: string
  moduleId: string
  moduleFormat: string
  schedulerUrl: string
  tags: Tag[]
  messageCount: number
  /** the lowest level reached by every message so far */
  verification: Verification
  /** aos prompt from the last result, for the console */
  prompt: string | null
}

/** The closed set of events an open process emits. */
export type ProcessEvent =
  | { type: 'status'; status: ProcessStatus }
  | { type: 'summary'; summary: ProcessSummary }
  | { type: 'progress'; progress: PhaseProgress }
  /** a message was added to the log or its verification/result changed */
  | { type: 'message'; message: LoggedMessage }
  | { type: 'divergence'; divergence: Divergence }
  /** a non-fatal problem (a CU to cross-check is unreachable, a retry); fatal ones end in `stopped` */
  | { type: 'warning'; error: NodeErrorInfo }
  /** this tab pushed (or found already pushed) the outbox of a message it evaluated (crank here) */
  | { type: 'crank'; crank: CrankSummary }
  /** which tab runs the evaluation: this one (`leader`) or another tab this one follows */
  | { type: 'role'; role: 'leader' | 'follower' }

/** What cranking one result did: items pushed to their targets' SUs, and what was not needed. */
export interface CrankSummary {
  messageId: string
  pushed: { id: string; target: string; kind: 'message' | 'spawn' }[]
  /** outbox entries this tab had pushed before */
  alreadyPushed: number
  /** pushes the SU already had from another MU (same content): delivered, by someone else */
  superseded: number
  /** outbox Messages to targets that are not processes (wallets): no SU schedules them, so not pushed */
  notAProcess: string[]
  /** of those, the items uploaded to Arweave through the uploader (`id` is the item and the upload receipt's id) */
  uploaded: { id: string; target: string; uploader: string }[]
  errors: string[]
}

export interface MessagePage {
  messages: LoggedMessage[]
  /** pass as `before` to read older messages; null at the start of the log */
  before: number | null
}

export interface ProcessHandle {
  readonly id: string
  /** Replays the current status, summary and progress first, then live events. Returns unsubscribe. */
  subscribe(listener: (event: ProcessEvent) => void): () => void
  /** Newest first; `before` is a nonce from a previous page. */
  messages(opts?: { before?: number; limit?: number }): Promise<MessagePage>
  message(id: string): Promise<LoggedMessage | null>
  divergences(): Promise<Divergence[]>
  /** Evaluates a read-only message on a copy of the current state; nothing is saved or sent. */
  dryRun(request: DryRunRequest): Promise<MessageResult>
  /** Drops cached log, results and snapshots of this process (the next open re-verifies). */
  clearCache(): Promise<void>
  close(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface DryRunRequest {
  tags: Tag[]
  data?: string
  /** defaults to the connected wallet's address, else an anonymous one */
  owner?: string
}

export interface SendRequest {
  target: string
  tags: Tag[]
  data: string
}

export interface SendReceipt {
  id: string
  target: string
  /** where the signed item was posted */
  postedTo: string
}

/**
 * An item of this browser's outgoing queue that is not yet in its target's log: `queued` (waiting
 * for the network; `attempts` failed so far, `lastError` the last reason, `refused: …` when the
 * MU/SU refused it), `sent` (acknowledged, waiting for its assignment), or `cancelled` (stopped by
 * the person, listed for a day; `discarded` when it was a refused one).
 */
export interface PendingSend {
  id: string
  target: string
  status: 'queued' | 'sent' | 'cancelled'
  attempts: number
  lastError?: string
  createdAt: number
  updatedAt: number
  cancelledAt?: number
  discarded?: boolean
}

/** A change in the outgoing queue, for live views (the item's id and what happened to it). */
export type PendingSendChange =
  | { type: 'queued' | 'sent' | 'retry' | 'refused' | 'superseded' | 'uploaded'; id: string; target: string }
  /** `afterCancel`: it had been cancelled, but an earlier attempt reached the network */
  | { type: 'assigned'; id: string; target: string; nonce: number; afterCancel?: boolean }
  | { type: 'cancelled'; id: string; target: string; discarded: boolean; attempts: number }

/** The prefix of `PendingSend.lastError` for an item the MU/SU refused (final). */
export const REFUSED_ERROR_PREFIX = 'refused: '

export interface CronSpec {
  /** e.g. `10-minutes`, `5-blocks` (`Cron-Interval` tag) */
  interval: string
  /** the cron message tags by their bare names (`Action`), sent as `Cron-Tag-<name>` */
  tags: Tag[]
}

export interface SpawnRequest {
  moduleId: string
  schedulerAddress: string
  tags: Tag[]
  data: string
  /** `Memory-Limit` tag, e.g. `1-gb`; null keeps the module's */
  memoryLimit: string | null
  cron: CronSpec | null
}

export interface SpawnReceipt {
  processId: string
  postedTo: string
}

// ---------------------------------------------------------------------------------------------
// Settings

export type PresetName = 'local' | 'testnet' | 'custom'

export interface Endpoints {
  /** Arweave gateway: GraphQL, module bytes */
  gateway: string
  /** Messenger Unit for relaying signed items */
  mu: string
  /** SU used when a process's Scheduler-Location record cannot be read */
  su: string
  /** whether `su` is a router that redirects per process (`?process-id=`) */
  suIsRouter: boolean
  /** remote CUs to cross-check results with; empty = no cross-check */
  cus: string[]
  /**
   * Where outbox messages to non-process targets (wallets) are uploaded, as the reference MU does
   * (`POST {uploader}/tx/arweave`). Always set by settings validation (default: the gateway's
   * uploader); optional here so endpoints written before it existed still read.
   */
  uploader?: string
}

export interface SnapshotPolicy {
  /** snapshot after this many evaluated messages */
  everyMessages: number
  /** and at least this often while evaluating */
  everySeconds: number
  /** snapshots kept per process (older ones are evicted first on quota pressure) */
  keepPerProcess: number
}

/** Where this tab posts the items it signs: the MU (which cranks too), or straight to the process's SU. */
export type RelayRoute = 'mu' | 'su'

export interface Settings {
  version: 1
  preset: PresetName
  endpoints: Endpoints
  snapshots: SnapshotPolicy
  /** push outbox messages that our own evaluation produced (act as MU) */
  crank: boolean
  relayRoute: RelayRoute
  /**
   * Where the console's `.load-blueprint NAME` fetches `{blueprintBase}/NAME.lua` when NAME is not
   * one of aolight's own demo blueprints (default: the aos repository's `blueprints/`, as the aos CLI)
   */
  blueprintBase: string
}

// ---------------------------------------------------------------------------------------------
// Storage and wallet

export interface StorageEstimate {
  usageBytes: number
  quotaBytes: number
  persisted: boolean
}

export type WalletState =
  | { kind: 'none' }
  /** `window.arweaveWallet` (Wander/ArConnect API) */
  | { kind: 'browser'; address: string }
  /** an imported JWK keyfile, held in memory by this tab (and, if asked, stored only encrypted) */
  | { kind: 'keyfile'; address: string }

/** Remembers the person's choice to store a keyfile, encrypted with this passphrase (PBKDF2 + AES-GCM). */
export interface RememberKeyfile {
  passphrase: string
}

/** The shortest passphrase that may encrypt a stored keyfile (src/relay/keyfile-vault.ts enforces it). */
export const MIN_KEYFILE_PASSPHRASE = 8

// ---------------------------------------------------------------------------------------------
// Crons

/**
 * Who pushes a process's cron outboxes: this tab (`here`: it polls the CU's `/cron` and cranks each
 * result), the network's MU (`network`: asked with a signed `/monitor` request; `answer` is the MU's
 * reply), or nobody any more (`stopped`).
 */
export type CronMonitorState =
  | { mode: 'here'; processId: string }
  | { mode: 'network'; processId: string; answer: string }
  | { mode: 'stopped'; processId: string; answer?: string }

// ---------------------------------------------------------------------------------------------
// The client

export interface NodeClient {
  readonly capabilities: Capabilities
  openProcess(id: string): Promise<ProcessHandle>
  dryRun(processId: string, request: DryRunRequest): Promise<MessageResult>
  send(request: SendRequest): Promise<SendReceipt>
  spawn(request: SpawnRequest): Promise<SpawnReceipt>
  settings: {
    get(): Settings
    /** validates, persists and notifies; throws `input/bad-url` / `input/bad-number` with the field */
    set(next: Settings): void
    subscribe(listener: (s: Settings) => void): () => void
  }
  storage: {
    estimate(): Promise<StorageEstimate>
    /** asks the browser to keep our data under storage pressure; resolves to whether it is granted */
    persist(): Promise<boolean>
    clearProcess(processId: string): Promise<void>
  }
  wallet: {
    state(): WalletState
    connect(): Promise<WalletState>
    /** `text` is the keyfile's JSON */
    importKeyfile(text: string): Promise<WalletState>
    disconnect(): Promise<void>
    subscribe(listener: (s: WalletState) => void): () => void
  }
}

/**
 * The full client of the app (the composition in client.ts): `NodeClient` plus a keyfile that can be
 * remembered encrypted on this device, and cron monitoring.
 */
export interface LightNodeClient extends Omit<NodeClient, 'wallet'> {
  wallet: Omit<NodeClient['wallet'], 'importKeyfile'> & {
    /** `remember`: also store the keyfile on this device, only encrypted with the passphrase */
    importKeyfile(text: string, remember?: RememberKeyfile): Promise<WalletState>
    /** decrypts the stored keyfile; `wallet/bad-keyfile` with `details.relayCode = 'vault/wrong-passphrase'` when it does not open */
    unlockStoredKeyfile(passphrase: string): Promise<WalletState>
    /** the address of the keyfile stored encrypted on this device, or null */
    storedKeyfile(): Promise<string | null>
    forgetStoredKeyfile(): Promise<void>
  }
  /** This browser's outgoing queue (the relay's): see and stop what is not yet in a log. */
  sends: {
    /** items not yet assigned, and those cancelled in the last day, oldest first */
    pending(): Promise<PendingSend[]>
    /** stops a queued item; `send/not-cancellable` once the network acknowledged it */
    cancel(id: string): Promise<PendingSend>
    /** drops an item the network refused (`lastError` starts with `refused: `) */
    discard(id: string): Promise<PendingSend>
    /** every change of the queue, in this tab or another of this browser (same IndexedDB); returns the unsubscribe */
    subscribe(listener: (change: PendingSendChange) => void): () => void
  }
  crons: {
    /** starts (`on`) or stops pushing the cron outboxes of `processId`; see `CronMonitorState` */
    monitor(processId: string, on: boolean): Promise<CronMonitorState>
    /** the person's choice for this process; without one, on for processes spawned from this browser */
    wanted(processId: string): boolean
  }
}
