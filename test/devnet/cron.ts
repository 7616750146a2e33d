/**
 * Cron messages the reference way (ao servers/cu domain/lib/loadMessages.js parseCrons,
 * isTimestampOnCron, isBlockOnCron, cronMessagesBetweenWith): a process's `Cron-Interval` tags
 * (each followed by its `Cron-Tag-*` tags) define crons; between two boundaries the CU ticks
 * from the left boundary's timestamp in 1000 ms steps while `tick < right` (left inclusive,
 * right exclusive), and a time cron fires when `(⌊tick/1000⌋ − ⌊origin/1000⌋) % N == 0` (never
 * on the origin second itself). When a tick reaches the next block in range (one block per
 * tick), that block's block crons fire first, stamped with the block's timestamp. Crons
 * are generated in the order: block crons (tag order), then time crons by ascending interval.
 */
import type { Tag } from './data-item'

export interface Cron {
  /** The raw `Cron-Interval` value, e.g. "10-seconds". */
  interval: string
  unit: 'blocks' | 'seconds'
  /** Blocks, or whole seconds. */
  value: number
  /** The `Cron-Tag-X: v` tags as `X: v`. */
  tags: Tag[]
}

export class CronError extends Error {
  override readonly name = 'CronError'
}

const CRON_TAG = /^Cron-Tag-(.+)$/

/** The `ms` package's units (what the reference parses time intervals with), in ms. */
const MS_UNITS: [RegExp, number][] = [
  [/^(years?|yrs?|y)$/, 365.25 * 86_400_000],
  [/^(months?|mo)$/, (365.25 / 12) * 86_400_000],
  [/^(weeks?|w)$/, 7 * 86_400_000],
  [/^(days?|d)$/, 86_400_000],
  [/^(hours?|hrs?|h)$/, 3_600_000],
  [/^(minutes?|mins?|m)$/, 60_000],
  [/^(seconds?|secs?|s)$/, 1000],
  [/^(milliseconds?|msecs?|ms)$/, 1],
]

function timeIntervalSeconds(interval: string, value: string, unit: string): number {
  const n = Number(value)
  const factor = MS_UNITS.find(([re]) => re.test(unit.toLowerCase()))?.[1]
  if (!Number.isFinite(n) || factor === undefined) throw new CronError(`Cron-Interval ${JSON.stringify(interval)}: unknown time unit or value`)
  const seconds = Math.floor((n * factor) / 1000)
  if (seconds <= 0) throw new CronError(`Cron-Interval ${JSON.stringify(interval)}: time-based cron cannot be less than 1 second`)
  return seconds
}

/** Parses a process's crons from its tags, in tag order (parseCrons). */
export function parseCrons(tags: readonly Tag[]): Cron[] {
  const crons: Cron[] = []
  for (const t of tags) {
    if (t.name === 'Cron-Interval') {
      const [value = '', unit = ''] = t.value.split('-').map((s) => s.trim())
      if (unit === 'blocks' || unit === 'block') {
        const n = Number.parseInt(value, 10)
        if (!(n > 0)) throw new CronError(`Cron-Interval ${JSON.stringify(t.value)}: block interval must be a positive integer`)
        crons.push({ interval: t.value, unit: 'blocks', value: n, tags: [] })
      } else {
        crons.push({ interval: t.value, unit: 'seconds', value: timeIntervalSeconds(t.value, value, unit), tags: [] })
      }
      continue
    }
    const m = CRON_TAG.exec(t.name)
    if (m) {
      const last = crons[crons.length - 1]
      if (!last) throw new CronError(`Unmatched Cron-Tag with no preceding Cron-Interval: ${t.name}`)
      last.tags.push({ name: m[1]!, value: t.value })
    }
  }
  return crons
}

export const toSeconds = (ms: number): number => Math.floor(ms / 1000)

export function isTimestampOnCron(timestamp: number, originTimestamp: number, cron: Cron): boolean {
  const t = toSeconds(timestamp)
  const o = toSeconds(originTimestamp)
  return t !== o && (t - o) % cron.value === 0
}

export function isBlockOnCron(height: number, originHeight: number, cron: Cron): boolean {
  return height !== originHeight && (height - originHeight) % cron.value === 0
}

export interface BlockMeta {
  height: number
  /** ms (gateway seconds × 1000, as the reference CU converts them). */
  timestamp: number
}

/** A boundary: the last evaluated message (scheduled or cron). */
export interface CronBoundary {
  timestamp: number
  blockHeight: number
  /** The nonce of the last scheduled message, as a string. */
  ordinate: string
}

export interface CronTick {
  /** `${index}-${interval}`, the reference's cron id (index within its block/time group). */
  cron: string
  ordinate: string
  timestamp: number
  blockHeight: number
  tags: Tag[]
}

/**
 * The cron messages due in [left.timestamp, rightTimestamp) for a process whose origin (its
 * nonce-0 assignment) is `origin`. `blocks` are the gateway's blocks (any order).
 */
export function cronTicksBetween(crons: readonly Cron[], origin: BlockMeta, blocks: readonly BlockMeta[], left: CronBoundary, rightTimestamp: number): CronTick[] {
  const blockBased = crons.filter((c) => c.unit === 'blocks')
  // Stable sort, ascending interval: ties keep tag order (ramda sort is stable too).
  const timeBased = crons.filter((c) => c.unit === 'seconds').sort((a, b) => a.value - b.value)
  const inRange = blocks.filter((b) => b.timestamp > left.timestamp && b.timestamp < rightTimestamp).sort((a, b) => a.height - b.height)
  const out: CronTick[] = []
  let current: BlockMeta = { height: left.blockHeight, timestamp: left.timestamp }
  for (let t = left.timestamp; t < rightTimestamp; t += 1000) {
    const next = inRange[0]
    if (next && toSeconds(t) >= toSeconds(next.timestamp)) {
      current = inRange.shift()!
      blockBased.forEach((cron, i) => {
        if (isBlockOnCron(current.height, origin.height, cron)) {
          out.push({ cron: `${i}-${cron.interval}`, ordinate: left.ordinate, timestamp: current.timestamp, blockHeight: current.height, tags: cron.tags })
        }
      })
    }
    timeBased.forEach((cron, i) => {
      if (isTimestampOnCron(t, origin.timestamp, cron)) {
        out.push({ cron: `${i}-${cron.interval}`, ordinate: left.ordinate, timestamp: t, blockHeight: current.height, tags: cron.tags })
      }
    })
  }
  return out
}

/** The reference CU's key for skipping a cron evaluated twice (evaluate.js toEvaledCron). */
export const cronKey = (timestamp: number, cron: string): string => `${timestamp}-${cron}`
