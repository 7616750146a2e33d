/**
 * `Cron-Interval` values as the reference CU reads them (ao `servers/cu/src/domain/lib/
 * loadMessages.js` parseCrons): "N-blocks" or a time that the `ms` package 2.1.3 parses
 * (`ms("N unit")`, units ms…years, no months), floored to whole seconds. Shared by the compute
 * unit (which fires crons) and the relay (which refuses a spawn whose cron would never fire).
 */

// ms 2.1.3: the whole string must match; the unit defaults to ms; case-insensitive.
const MS_PATTERN = /^(-?(?:\d+)?\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)?$/i
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const UNIT_MS: Record<string, number> = {
  years: 365.25 * DAY, year: 365.25 * DAY, yrs: 365.25 * DAY, yr: 365.25 * DAY, y: 365.25 * DAY,
  weeks: 7 * DAY, week: 7 * DAY, w: 7 * DAY,
  days: DAY, day: DAY, d: DAY,
  hours: HOUR, hour: HOUR, hrs: HOUR, hr: HOUR, h: HOUR,
  minutes: MINUTE, minute: MINUTE, mins: MINUTE, min: MINUTE, m: MINUTE,
  seconds: SECOND, second: SECOND, secs: SECOND, sec: SECOND, s: SECOND,
  milliseconds: 1, millisecond: 1, msecs: 1, msec: 1, ms: 1,
}

/** `ms(text)` of ms 2.1.3, NaN where it returns undefined. */
export function msParse(text: string): number {
  if (text.length === 0 || text.length > 100) return NaN
  const m = MS_PATTERN.exec(text)
  if (!m) return NaN
  const n = parseFloat(m[1]!)
  return n * UNIT_MS[(m[2] ?? 'ms').toLowerCase()]!
}

export const toSeconds = (ms: number): number => Math.floor(ms / 1000)

export type CronInterval = { unit: 'blocks' | 'seconds'; value: number }

/**
 * The reference's reading of one interval, without its checks: blocks as parseInt (NaN possible),
 * time as whole seconds (NaN when `ms` cannot parse it, e.g. months; ≤ 0 below one second).
 */
export function readCronInterval(interval: string): CronInterval {
  const [value, unit] = interval.split('-').map((s) => s.trim())
  if (unit === 'blocks' || unit === 'block') return { unit: 'blocks', value: parseInt(value ?? '', 10) }
  // `[value, unit].join(' ')`: a missing unit becomes an empty string, so "10" reads as "10 " (= 10 ms).
  return { unit: 'seconds', value: toSeconds(msParse(`${value ?? ''} ${unit ?? ''}`)) }
}

/** Why a cron with this interval would be refused or never fire on the reference CU; undefined when it fires. */
export function cronIntervalProblem(interval: string): string | undefined {
  const r = readCronInterval(interval)
  if (!Number.isFinite(r.value)) return r.unit === 'blocks' ? 'the block count is not a number' : 'the time is not one the CU understands (units: ms, seconds/secs/s, minutes/mins/m, hours/hrs/h, days/d, weeks/w, years/y; no months)'
  if (r.value <= 0) return r.unit === 'blocks' ? 'the block count must be at least 1' : 'a time cron cannot be less than 1 second'
  return undefined
}
