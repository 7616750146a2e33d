/**
 * The devnet CU's crons: the light node's own generator (src/compute/cron.ts, written against
 * the reference CU's loadMessages.js and `ms` 2.1.3), adapted to the devnet's evaluation cursor.
 * One implementation for both, so the devnet cannot drift from what the light node fires; the
 * reference rules it follows (no months in `ms`, `N-blocks` never throwing, NaN/0 intervals that
 * never fire, origin = the SU process record's block and timestamp) are documented there.
 */
import { cronKey, cronMessagesBetween, parseCrons, toSeconds, type BlockRef, type CronSpec } from '../../src/compute/cron'
import type { Tag } from './data-item'

export { cronKey, parseCrons, toSeconds }
export type Cron = CronSpec
export type BlockMeta = BlockRef

/** A boundary: the last evaluated message (scheduled or cron). */
export interface CronBoundary {
  timestamp: number
  blockHeight: number
  /** The nonce of the last scheduled message, as a string (the reference ordinate). */
  ordinate: string
}

export interface CronTick {
  /** `${index}-${interval}`, the reference's cron id. */
  cron: string
  ordinate: string
  timestamp: number
  blockHeight: number
  /** The cron's tags, `From`/`Owner` already removed (as for every evaluated message). */
  tags: Tag[]
}

/**
 * The cron messages due in [left.timestamp, rightTimestamp) for a process whose origin (its SU
 * process record's block and timestamp) is `origin`. `blocks`: the gateway's blocks, any order.
 */
export function cronTicksBetween(crons: readonly Cron[], origin: BlockMeta, blocks: readonly BlockMeta[], left: CronBoundary, rightTimestamp: number): CronTick[] {
  const ascending = [...blocks].sort((a, b) => a.height - b.height)
  // processId/owner only fill the message fields, which the devnet builds itself (reference-mapping.ts).
  const ctx = { processId: '', owner: '', origin, crons, blocks: ascending }
  const out: CronTick[] = []
  for (const c of cronMessagesBetween(ctx, { ordinate: Number(left.ordinate), height: left.blockHeight, timestamp: left.timestamp }, { timestamp: rightTimestamp })) {
    out.push({ cron: c.cron, ordinate: left.ordinate, timestamp: c.message.Timestamp, blockHeight: c.message['Block-Height'], tags: c.message.Tags })
  }
  return out
}
