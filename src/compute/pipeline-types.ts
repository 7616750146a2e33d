/**
 * The small interfaces the evaluation pipeline calls for the parts other modules provide:
 * cron message generation (src/compute/cron.ts) and the remote cross-check
 * (src/compute/cross-check.ts). The pipeline works without them (no crons, no cross-check) and
 * says so with a warning when a process needs crons and no generator is wired.
 */
import type { GatewayClient } from '../protocol/gateway-client'
import type { MappedMessage } from '../protocol/message-mapping'
import type { WireTag } from '../protocol/wire-types'
import type { Divergence, MessageResult } from '../node/contract'

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

/** One local result to compare with remote CUs. */
export interface CheckRequest {
  processId: string
  messageId: string
  nonce: number
  result: MessageResult
}

export type CheckOutcome =
  | { verdict: 'agreed'; cu: string }
  | { verdict: 'diverged'; cu: string; divergences: Divergence[] }
  | { verdict: 'error'; cu: string; reason: string }

export interface CrossChecker {
  /** Compare with every configured CU; never throws (unreachable CUs are `error` outcomes). */
  check(req: CheckRequest): Promise<CheckOutcome[]>
}
