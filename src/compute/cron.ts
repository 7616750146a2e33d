/**
 * Cron messages, generated exactly as the reference CU does (ao `servers/cu/src/domain/lib/
 * loadMessages.js`: parseCrons, isTimestampOnCron, isBlockOnCron, cronMessagesBetweenWith;
 * `domain/lib/evaluate.js` for the dedupe key; ao-protocol.md §2 "Cron"). Pure: no I/O except
 * `loadCronBlocks`, which reads block data from a gateway like `effects/ao-block.js`.
 *
 * The rules, with the reference's quirks kept on purpose (a light node must fire the same crons):
 * - Tags: each `Cron-Interval: "N-unit"` starts a cron; the `Cron-Tag-X: v` tags after it become
 *   its message tags `X: v`. A `Cron-Tag-*` before any interval is an error.
 * - Interval: split on "-", both parts trimmed. `block`/`blocks` → parseInt(N) blocks. Anything else
 *   is parsed by the `ms` package 2.1.3 (`ms("N unit")`, units ms…years, no months) and floored to
 *   whole seconds; 0 s is an error ("cannot be less than 1 second"). A value `ms` cannot parse gives
 *   NaN, which the reference accepts and which then never fires (we do the same and say so).
 * - Between two boundaries (left inclusive, right exclusive), ticks run from left's timestamp in
 *   steps of 1000 ms. A time cron fires when (⌊tick/1000⌋ − ⌊origin/1000⌋) % N == 0, never on the
 *   origin second itself; its Timestamp is the tick (keeping left's milliseconds).
 * - Blocks strictly inside (left.timestamp, right.timestamp) are consumed at most one per tick, when
 *   ⌊tick/1000⌋ ≥ ⌊block/1000⌋; block crons fire then, *before* that tick's time crons, when
 *   (height − originHeight) % N == 0 (origin height excluded), stamped with the block's timestamp.
 *   Time crons carry the height of the last block reached (initially left's height).
 * - Order inside one tick: block crons in tag order, then time crons sorted by ascending interval
 *   (stable). A cron's id is `${index in that list}-${interval}`.
 * - The message: Owner = From = the process owner, Target = the process, Tags = the cron tags (minus
 *   tags named From/Owner, like every evaluated message), Timestamp, Block-Height, Cron: true; no Id,
 *   Nonce, Hash-Chain or Signature. Its ordinate is the left boundary's nonce.
 * - Dedupe: within one evaluation stream a cron is skipped when `${Timestamp}-${cron}` was seen among
 *   the last 100 crons (the CU's LRU of 100).
 */
import { removeInvalidTags } from '../protocol/message-mapping'
import { readCronInterval, toSeconds, type CronInterval } from '../protocol/cron-interval'

export { msParse, toSeconds } from '../protocol/cron-interval'
import type { GatewayClient } from '../protocol/gateway-client'
import type { WireTag } from '../protocol/wire-types'

export class CronError extends Error {
  override readonly name = 'CronError'
  constructor(
    message: string,
    readonly tag: string,
  ) {
    super(message)
  }
}

export interface CronSpec {
  /** the raw `Cron-Interval` value, e.g. "10-seconds" */
  interval: string
  unit: 'blocks' | 'seconds'
  /** blocks, or whole seconds; NaN when the reference would parse it to NaN (never fires) */
  value: number
  tags: WireTag[]
}

export interface BlockRef {
  height: number
  /** milliseconds (gateway block timestamps are seconds: ×1000) */
  timestamp: number
}

/** A span boundary: a scheduled message (its assignment's Block-Height and Timestamp), or the origin. */
export interface CronBoundary extends BlockRef {
  /** the nonce of the scheduled message; null for the origin (before nonce 0) */
  ordinate: number | null
}

export interface CronMessageFields {
  Owner: string
  Target: string
  From: string
  Tags: WireTag[]
  Timestamp: number
  'Block-Height': number
  Cron: true
}

export interface CronMessage {
  /** `${index}-${interval}`, the reference's cron id */
  cron: string
  /** the nonce of the scheduled message this cron follows (null before nonce 0) */
  ordinate: number | null
  /** dedupe key `${Timestamp}-${cron}` */
  key: string
  message: CronMessageFields
}

export interface CronContext {
  processId: string
  /** the process owner's address */
  owner: string
  /** the process's own block (SU process record: `block`, `timestamp`) */
  origin: BlockRef
  crons: readonly CronSpec[]
  /** gateway blocks covering the spans asked for, ascending by height */
  blocks: readonly BlockRef[]
}

const CRON_INTERVAL = 'Cron-Interval'
const CRON_TAG = /^Cron-Tag-(.+)$/

/** One `Cron-Interval` value. Throws CronError where the reference throws. */
export function parseInterval(interval: string): CronInterval {
  const r = readCronInterval(interval)
  if (r.unit === 'blocks') return r
  const seconds = r.value
  if (seconds <= 0) throw new CronError(`Cron-Interval ${JSON.stringify(interval)}: time-based cron cannot be less than 1 second`, CRON_INTERVAL)
  return { unit: 'seconds', value: seconds }
}

/** The crons a process defines, in tag order. */
export function parseCrons(tags: readonly WireTag[]): CronSpec[] {
  const crons: CronSpec[] = []
  for (const t of tags) {
    if (t.name === CRON_INTERVAL) {
      crons.push({ interval: t.value, ...parseInterval(t.value), tags: [] })
      continue
    }
    const m = CRON_TAG.exec(t.name)
    if (!m) continue
    const last = crons[crons.length - 1]
    if (!last) throw new CronError(`Unmatched Cron-Tag with no preceding Cron-Interval: ${t.name}`, t.name)
    last.tags.push({ name: m[1]!, value: t.value })
  }
  return crons
}

/** Crons that can never fire (NaN or non-positive interval, as the reference would accept them). */
export function inertCrons(crons: readonly CronSpec[]): CronSpec[] {
  return crons.filter((c) => !(c.value > 0))
}

export function isBlockOnCron(height: number, originHeight: number, cron: CronSpec): boolean {
  if (height === originHeight) return false
  return (height - originHeight) % cron.value === 0
}

export function isTimestampOnCron(timestamp: number, originTimestamp: number, cron: CronSpec): boolean {
  const t = toSeconds(timestamp)
  const o = toSeconds(originTimestamp)
  if (t === o) return false
  return (t - o) % cron.value === 0
}

export function cronKey(timestamp: number, cron: string): string {
  return `${timestamp}-${cron}`
}

/** The crons between two boundaries, in evaluation order (before `right` is evaluated). */
export function* cronMessagesBetween(ctx: CronContext, left: CronBoundary, right: { timestamp: number }): Generator<CronMessage> {
  const blockBased = ctx.crons.filter((c) => c.unit === 'blocks')
  // Stable sort, most frequent first (ramda `sort(ascend(prop('value')))`).
  const timeBased = ctx.crons.filter((c) => c.unit === 'seconds').slice().sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
  if (blockBased.length === 0 && timeBased.length === 0) return
  const inRange = ctx.blocks.filter((b) => b.timestamp > left.timestamp && b.timestamp < right.timestamp)
  let next = 0
  let current: BlockRef = { height: left.height, timestamp: left.timestamp }
  const make = (i: number, cron: CronSpec, timestamp: number, height: number): CronMessage => {
    const id = `${i}-${cron.interval}`
    return {
      cron: id,
      ordinate: left.ordinate,
      key: cronKey(timestamp, id),
      message: {
        Owner: ctx.owner,
        Target: ctx.processId,
        From: ctx.owner,
        Tags: removeInvalidTags(cron.tags),
        Timestamp: timestamp,
        'Block-Height': height,
        Cron: true,
      },
    }
  }
  for (let tick = left.timestamp; tick < right.timestamp; tick += 1000) {
    const block = inRange[next]
    if (block && toSeconds(tick) >= toSeconds(block.timestamp)) {
      next++
      current = block
      for (let i = 0; i < blockBased.length; i++) {
        const cron = blockBased[i]!
        if (isBlockOnCron(block.height, ctx.origin.height, cron)) yield make(i, cron, block.timestamp, block.height)
      }
    }
    for (let i = 0; i < timeBased.length; i++) {
      const cron = timeBased[i]!
      if (isTimestampOnCron(tick, ctx.origin.timestamp, cron)) yield make(i, cron, tick, current.height)
    }
  }
}

/**
 * The last span of an evaluation "to now": after the newest scheduled message, up to the SU's
 * current timestamp, only when that is in a later second (the reference's trailing boundary).
 */
export function trailingRight(last: { timestamp: number }, nowMs: number): { timestamp: number } | undefined {
  return toSeconds(last.timestamp) < toSeconds(nowMs) ? { timestamp: nowMs } : undefined
}

/** Skips crons already evaluated in this stream: the CU's LRU of 100 `${Timestamp}-${cron}` keys. */
export class CronDedupe {
  private readonly seen = new Set<string>()
  constructor(private readonly capacity = 100) {}

  /** True the first time a key is offered (evaluate it), false for a repeat (skip it). */
  admit(key: string): boolean {
    if (this.seen.has(key)) return false
    this.seen.add(key)
    if (this.seen.size > this.capacity) this.seen.delete(this.seen.values().next().value as string)
    return true
  }
}

/**
 * Block data for block-based crons, as ao-block.js loads it: blocks from `minHeight` upward,
 * ascending, until a block's timestamp (seconds) exceeds ⌊maxTimestampMs/1000⌋; timestamps → ms.
 */
export async function loadCronBlocks(gateway: GatewayClient, minHeight: number, maxTimestampMs: number, opts: { pageSize?: number; signal?: AbortSignal } = {}): Promise<BlockRef[]> {
  const maxSeconds = toSeconds(maxTimestampMs)
  const out: BlockRef[] = []
  let min = minHeight
  for (;;) {
    const page = await gateway.blocks({ min, first: opts.pageSize ?? 100, sort: 'HEIGHT_ASC', signal: opts.signal })
    let last = -1
    for (const e of page.edges) {
      if (e.node.timestamp > maxSeconds) return out
      if (e.node.height < min) continue
      out.push({ height: e.node.height, timestamp: e.node.timestamp * 1000 })
      last = e.node.height
    }
    if (!page.hasNextPage || last < 0) return out
    min = last + 1
  }
}

/** A scheduled message as a span boundary (the pipeline's shape: src/compute/pipeline-types.ts). */
export interface ScheduledBoundary {
  nonce: number
  timestamp: number
  blockHeight: number
}

/** What the evaluation pipeline asks for (structurally its `CronGenerator`). */
export interface CronSource {
  /** Crons due between two scheduled messages, deduplicated over this stream, in evaluation order. */
  between(left: ScheduledBoundary, right: ScheduledBoundary): Promise<CronMessageFields[]>
}

/**
 * A cron source for one process and one evaluation stream, or null when it defines no crons
 * (throws CronError where the reference fails to parse them). Block data comes from `gateway`
 * only when a block cron exists; without a gateway (offline) block crons cannot be generated and
 * this throws rather than silently skipping them.
 */
export function cronSourceFor(p: {
  processId: string
  ownerAddress: string
  tags: readonly WireTag[]
  origin: { timestamp: number; blockHeight: number }
  gateway?: GatewayClient
}): CronSource | null {
  const crons = parseCrons(p.tags)
  if (crons.length === 0) return null
  const needsBlocks = crons.some((c) => c.unit === 'blocks' && c.value > 0)
  const dedupe = new CronDedupe()
  const origin = { height: p.origin.blockHeight, timestamp: p.origin.timestamp }
  return {
    async between(left, right) {
      let blocks: BlockRef[] = []
      if (needsBlocks && right.timestamp > left.timestamp) {
        if (!p.gateway) throw new CronError(`process ${p.processId} has block-based crons; generating them between nonces ${left.nonce} and ${right.nonce} needs gateway block data (offline)`, CRON_INTERVAL)
        blocks = await loadCronBlocks(p.gateway, left.blockHeight, right.timestamp)
      }
      const ctx: CronContext = { processId: p.processId, owner: p.ownerAddress, origin, crons, blocks }
      const out: CronMessageFields[] = []
      for (const c of cronMessagesBetween(ctx, { ordinate: left.nonce, height: left.blockHeight, timestamp: left.timestamp }, right)) {
        if (dedupe.admit(c.key)) out.push(c.message)
      }
      return out
    },
  }
}
