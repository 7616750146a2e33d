/**
 * The small interfaces the evaluation pipeline calls for the parts other modules provide:
 * cron message generation (src/compute/cron.ts) and the remote cross-check
 * (src/compute/cross-check.ts), with the cross-check's request and outcome types. The pipeline works without them (no crons, no cross-check) and
 * says so with a warning when a process needs crons and no generator is wired.
 */
import type { GatewayClient } from '../protocol/gateway-client'
import type { MappedMessage } from '../protocol/message-mapping'
import type { WireTag } from '../protocol/wire-types'
import type { ComparableResult } from './result-diff'

/** A scheduled message's place in time: crons fire strictly between two of these. */
export interface CronBoundary {
  nonce: number
  timestamp: number
  blockHeight: number
}

export interface CronGenerator {
  /**
   * The cron messages due strictly after `left` and strictly before `right`,
   * in evaluation order (block crons first per height, as the reference CU), each a complete
   * `msg` (`Cron: true`, Owner = From = the process owner, Target = the process, no Id/Nonce).
   */
  between(left: CronBoundary, right: CronBoundary): Promise<MappedMessage[]>
}

export interface CronProcessInfo {
  processId: string
  ownerAddress: string
  tags: WireTag[]
  /** the process record's timestamp (ms) and block height: the cron origin */
  origin: { timestamp: number; blockHeight: number }
  /** block metadata for block-based crons; undefined offline */
  gateway?: GatewayClient
}

/** Returns null when the process defines no crons (no `Cron-Interval` tag). */
export type CronGeneratorFactory = (p: CronProcessInfo) => CronGenerator | null

/**
 * One difference between our result and a remote CU's for the same message. The one definition:
 * the UI contract (src/node/contract.ts) re-exports it, as the compute layer may not import src/node.
 */
export interface Divergence {
  /** the message id; for a cron evaluation its `cronResultId` (`cron:<nonce>.<index>`) */
  messageId: string
  /** the SU nonce; null for a cron evaluation */
  nonce: number | null
  /** the remote CU's base URL */
  cu: string
  /** a path into the result, e.g. `Output.data`, `Messages[0].Tags`, `Error` */
  field: string
  /** both values as display text (JSON for structures), exactly as compared */
  local: string
  remote: string
}

/**
 * A cron evaluation to check. Crons have no message id, so the CU cannot name them on `/result`;
 * they are found on `/cron` by their place in the CU's order: timestamp and ordinate (the nonce
 * of the scheduled message they follow, `CheckRequest.nonce`).
 */
export interface CronCheckRef {
  /** the store's cron index after that nonce (1, 2, …) */
  index: number
  /** the cron message's Timestamp (ms) */
  timestamp: number
}

/** One local result to compare with remote CUs. */
export interface CheckRequest {
  processId: string
  /** the message id; for a cron, its `cronResultId` */
  messageId: string
  /** the SU nonce; for a cron, the nonce of the scheduled message it follows */
  nonce: number
  /** set for a cron evaluation */
  cron?: CronCheckRef
  /** as the module gave it (the compute worker passes `toMessageResult`), Error unchanged */
  result: ComparableResult
}

/** The id a cron evaluation goes by (no message id of its own): the LoggedMessage id and the Divergence messageId. */
export function cronResultId(nonce: number, cron: number): string {
  return `cron:${nonce}.${cron}`
}

/** The (nonce, cron index) in a `cronResultId`, or null for any other id. */
export function parseCronResultId(id: string): { nonce: number; cron: number } | null {
  const m = /^cron:(\d+)\.(\d+)$/.exec(id)
  return m ? { nonce: Number(m[1]), cron: Number(m[2]) } : null
}

export type CheckOutcome =
  | { verdict: 'agreed'; cu: string }
  | { verdict: 'diverged'; cu: string; divergences: Divergence[] }
  | { verdict: 'error'; cu: string; reason: string }

export interface CrossChecker {
  /** Compare with every configured CU; never throws (unreachable CUs are `error` outcomes). */
  check(req: CheckRequest): Promise<CheckOutcome[]>
}
