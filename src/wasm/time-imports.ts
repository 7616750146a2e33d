/**
 * Clock and calendar imports. The reference glue computes local time in the host's time zone;
 * compute units run in UTC, so this runtime always uses UTC (never the host's zone), which makes
 * results independent of the machine. Struct layouts: struct tm is 9 i32 fields, then tm_gmtoff
 * (long: 8 bytes on wasm64 at +40, 4 bytes on wasm32 at +36) and tm_zone (pointer).
 */
import type { ImportContext } from './import-context'
import { readCString, encodeUtf8 } from './utf8'

type Fn = (...args: never[]) => unknown

const MONTH_DAYS_LEAP = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const MONTH_DAYS_REGULAR = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const CUM_LEAP = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335]
const CUM_REGULAR = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)

function i53(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v) : v
}

function pair(lo: number, hi: number): number {
  return (lo >>> 0) + hi * 4294967296
}

export function timeImports(ctx: ImportContext): Record<string, Fn> {
  const { heap } = ctx
  const m64 = ctx.profile.memory64
  const gmtoffAt = m64 ? 40 : 36
  const zoneAt = m64 ? 48 : 40

  const writeTm = (tm: number, d: Date, yday: number): void => {
    const i32 = heap.i32
    i32[tm >> 2] = d.getUTCSeconds()
    i32[(tm + 4) >> 2] = d.getUTCMinutes()
    i32[(tm + 8) >> 2] = d.getUTCHours()
    i32[(tm + 12) >> 2] = d.getUTCDate()
    i32[(tm + 16) >> 2] = d.getUTCMonth()
    i32[(tm + 20) >> 2] = d.getUTCFullYear() - 1900
    i32[(tm + 24) >> 2] = d.getUTCDay()
    i32[(tm + 28) >> 2] = yday
  }
  const ydayOf = (d: Date): number =>
    ((isLeap(d.getUTCFullYear()) ? CUM_LEAP : CUM_REGULAR)[d.getUTCMonth()] as number) + d.getUTCDate() - 1

  const gmtime = (time: number, tmP: number | bigint): void => {
    const tm = heap.ptr(tmP)
    const d = new Date(time * 1000)
    const start = Date.UTC(d.getUTCFullYear(), 0, 1, 0, 0, 0, 0)
    writeTm(tm, d, ((d.getTime() - start) / 86400000) | 0)
  }
  const localtime = (time: number, tmP: number | bigint): void => {
    const tm = heap.ptr(tmP)
    const d = new Date(time * 1000)
    writeTm(tm, d, ydayOf(d) | 0)
    if (m64) heap.i64[(tm + gmtoffAt) / 8] = 0n
    else heap.i32[(tm + gmtoffAt) >> 2] = 0
    heap.i32[(tm + 32) >> 2] = 0 // tm_isdst: UTC has no DST
  }
  const mktime = (tmP: number | bigint): number => {
    const tm = heap.ptr(tmP)
    const i32 = heap.i32
    const ms = Date.UTC(
      (i32[(tm + 20) >> 2] as number) + 1900, i32[(tm + 16) >> 2] as number, i32[(tm + 12) >> 2] as number,
      i32[(tm + 8) >> 2] as number, i32[(tm + 4) >> 2] as number, i32[tm >> 2] as number, 0,
    )
    const d = new Date(ms)
    if ((i32[(tm + 32) >> 2] as number) < 0) i32[(tm + 32) >> 2] = 0
    i32[(tm + 24) >> 2] = d.getUTCDay()
    i32[(tm + 28) >> 2] = ydayOf(d) | 0
    i32[tm >> 2] = d.getUTCSeconds()
    i32[(tm + 4) >> 2] = d.getUTCMinutes()
    i32[(tm + 8) >> 2] = d.getUTCHours()
    i32[(tm + 12) >> 2] = d.getUTCDate()
    i32[(tm + 16) >> 2] = d.getUTCMonth()
    i32[(tm + 20) >> 2] = d.getUTCFullYear() - 1900
    const t = d.getTime()
    return isNaN(t) ? -1 : t / 1000
  }

  const strftime = (sP: number | bigint, maxP: number | bigint, fmtP: number | bigint, tmP: number | bigint): number => {
    const s = heap.ptr(sP), maxsize = heap.ptr(maxP), tm = heap.ptr(tmP)
    const i32 = heap.i32
    const zonePtr = heap.readPtr(tm + zoneAt)
    const date = {
      sec: i32[tm >> 2] as number, min: i32[(tm + 4) >> 2] as number, hour: i32[(tm + 8) >> 2] as number,
      mday: i32[(tm + 12) >> 2] as number, mon: i32[(tm + 16) >> 2] as number, year: i32[(tm + 20) >> 2] as number,
      wday: i32[(tm + 24) >> 2] as number, yday: i32[(tm + 28) >> 2] as number,
      gmtoff: m64 ? Number(heap.i64[(tm + gmtoffAt) / 8]) : (i32[(tm + gmtoffAt) >> 2] as number),
      zone: zonePtr ? readCString(heap.u8, zonePtr) : '',
    }
    const out = formatTime(readCString(heap.u8, heap.ptr(fmtP)), date)
    const bytes = encodeUtf8(out)
    if (bytes.length + 1 > maxsize) return 0
    heap.u8.set(bytes, s)
    heap.u8[s + bytes.length] = 0
    return bytes.length
  }

  const tzset = (tzP: number | bigint, dlP: number | bigint, stdP: number | bigint, dstP: number | bigint): void => {
    if (m64) heap.u64[heap.ptr(tzP) / 8] = 0n
    else heap.u32[heap.ptr(tzP) >>> 2] = 0
    heap.i32[heap.ptr(dlP) >> 2] = 0
    for (const p of [stdP, dstP]) {
      const at = heap.ptr(p)
      heap.u8.set([85, 84, 67, 0], at) // "UTC"
    }
  }

  const now = (): number => ctx.clock.now()
  const toRet = (v: number): number | bigint => (m64 ? BigInt(v) : v)

  const out: Record<string, Fn> = {
    emscripten_date_now: now,
    emscripten_get_now: now,
    _emscripten_get_now_is_monotonic: () => 1,
    _tzset_js: tzset as Fn,
    strftime: ((a: number | bigint, b: number | bigint, c: number | bigint, d: number | bigint) => toRet(strftime(a, b, c, d))) as Fn,
    strftime_l: ((a: number | bigint, b: number | bigint, c: number | bigint, d: number | bigint) => toRet(strftime(a, b, c, d))) as Fn,
  }
  if (m64) {
    out._gmtime_js = ((t: bigint, tm: bigint) => gmtime(i53(t), tm)) as Fn
    out._localtime_js = ((t: bigint, tm: bigint) => localtime(i53(t), tm)) as Fn
    out._mktime_js = ((tm: bigint) => BigInt(mktime(tm))) as Fn
  } else {
    out._gmtime_js = ((lo: number, hi: number, tm: number) => gmtime(pair(lo, hi), tm)) as Fn
    out._localtime_js = ((lo: number, hi: number, tm: number) => localtime(pair(lo, hi), tm)) as Fn
    out._mktime_js = ((tm: number) => {
      const r = mktime(tm)
      // i64 result legalized: high word through the module's tempret setter
      const hi = Math.abs(r) >= 1 ? (r > 0 ? Math.floor(r / 4294967296) >>> 0 : ~~Math.ceil((r - (~~r >>> 0)) / 4294967296) >>> 0) : 0
      ctx.exports.tempRetSet?.(hi)
      return r >>> 0
    }) as Fn
  }
  return out
}

interface TmFields {
  sec: number; min: number; hour: number; mday: number; mon: number; year: number
  wday: number; yday: number; gmtoff: number; zone: string
}

const EXPAND_1: [string, string][] = [
  ['%c', '%a %b %d %H:%M:%S %Y'], ['%D', '%m/%d/%y'], ['%F', '%Y-%m-%d'], ['%h', '%b'], ['%r', '%I:%M:%S %p'],
  ['%R', '%H:%M'], ['%T', '%H:%M:%S'], ['%x', '%m/%d/%y'], ['%X', '%H:%M:%S'], ['%Ec', '%c'], ['%EC', '%C'],
  ['%Ex', '%m/%d/%y'], ['%EX', '%H:%M:%S'], ['%Ey', '%y'], ['%EY', '%Y'], ['%Od', '%d'], ['%Oe', '%e'],
  ['%OH', '%H'], ['%OI', '%I'], ['%Om', '%m'], ['%OM', '%M'], ['%OS', '%S'], ['%Ou', '%u'], ['%OU', '%U'],
  ['%OV', '%V'], ['%Ow', '%w'], ['%OW', '%W'], ['%Oy', '%y'],
]

const pad = (v: number | string, n: number, c = '0'): string => {
  let s = String(v)
  while (s.length < n) s = c + s
  return s
}

function weekBasedYear(d: TmFields): number {
  const day = new Date(Date.UTC(d.year + 1900, 0, 1) + d.yday * 86400000)
  const y = day.getUTCFullYear()
  const firstWeekStart = (year: number): number => {
    const jan4 = new Date(Date.UTC(year, 0, 4))
    return Date.UTC(year, 0, 4) - ((jan4.getUTCDay() + 6) % 7) * 86400000
  }
  const t = Date.UTC(y, day.getUTCMonth(), day.getUTCDate())
  if (firstWeekStart(y) <= t) return firstWeekStart(y + 1) <= t ? y + 1 : y
  return y - 1
}

/**
 * The glue's strftime: rewrite composite specifiers, protect "%%", then replace each specifier
 * everywhere in the pattern, in a fixed order.
 */
function formatTime(format: string, d: TmFields): string {
  let p = format
  for (const [k, v] of EXPAND_1) p = p.split(k).join(v)
  const rules: [string, () => string][] = [
    ['%a', () => (WEEKDAYS[d.wday] ?? '').substring(0, 3)],
    ['%A', () => WEEKDAYS[d.wday] ?? ''],
    ['%b', () => (MONTHS[d.mon] ?? '').substring(0, 3)],
    ['%B', () => MONTHS[d.mon] ?? ''],
    ['%C', () => pad(((d.year + 1900) / 100) | 0, 2)],
    ['%d', () => pad(d.mday, 2)],
    ['%e', () => pad(d.mday, 2, ' ')],
    ['%g', () => String(weekBasedYear(d)).substring(2)],
    ['%G', () => String(weekBasedYear(d))],
    ['%H', () => pad(d.hour, 2)],
    ['%I', () => pad(d.hour === 0 ? 12 : d.hour > 12 ? d.hour - 12 : d.hour, 2)],
    ['%j', () => {
      const days = isLeap(d.year + 1900) ? MONTH_DAYS_LEAP : MONTH_DAYS_REGULAR
      let sum = 0
      for (let i = 0; i <= d.mon - 1; i++) sum += days[i] as number
      return pad(d.mday + sum, 3)
    }],
    ['%m', () => pad(d.mon + 1, 2)],
    ['%M', () => pad(d.min, 2)],
    ['%n', () => '\n'],
    ['%p', () => (d.hour >= 0 && d.hour < 12 ? 'AM' : 'PM')],
    ['%S', () => pad(d.sec, 2)],
    ['%t', () => '\t'],
    ['%u', () => String(d.wday || 7)],
    ['%U', () => pad(Math.floor((d.yday + 7 - d.wday) / 7), 2)],
    ['%V', () => {
      let val = Math.floor((d.yday + 7 - ((d.wday + 6) % 7)) / 7)
      if ((d.wday + 371 - d.yday - 2) % 7 <= 2) val++
      if (!val) {
        val = 52
        const dec31 = (d.wday + 7 - d.yday - 1) % 7
        if (dec31 === 4 || (dec31 === 5 && isLeap((d.year % 400) - 1))) val++
      } else if (val === 53) {
        const jan1 = (d.wday + 371 - d.yday) % 7
        if (jan1 !== 4 && (jan1 !== 3 || !isLeap(d.year))) val = 1
      }
      return pad(val, 2)
    }],
    ['%w', () => String(d.wday)],
    ['%W', () => pad(Math.floor((d.yday + 7 - ((d.wday + 6) % 7)) / 7), 2)],
    ['%y', () => String(d.year + 1900).substring(2)],
    ['%Y', () => String(d.year + 1900)],
    ['%z', () => {
      let off = d.gmtoff
      const ahead = off >= 0
      off = Math.abs(off) / 60
      off = (off / 60) * 100 + (off % 60)
      return (ahead ? '+' : '-') + String('0000' + off).slice(-4)
    }],
    ['%Z', () => d.zone],
  ]
  p = p.split('%%').join('\0\0')
  for (const [k, f] of rules) if (p.includes(k)) p = p.split(k).join(f())
  return p.split('\0\0').join('%')
}
