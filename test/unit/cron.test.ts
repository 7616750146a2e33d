/**
 * Cron generation (src/compute/cron.ts) on fixed spans whose expected crons were worked out by
 * hand from the reference rules (loadMessages.js), including its quirks: left tick inclusive and
 * right exclusive, origin second excluded, ticks keep the left boundary's milliseconds (so one
 * second can fire in two adjacent spans), one block consumed per tick, block crons first, time
 * crons by ascending interval, `ms` 2.1.3 parsing (no months).
 */
import { describe, expect, it } from 'vitest'
import {
  CronDedupe, CronError, cronMessagesBetween, cronSourceFor, inertCrons, msParse, parseCrons, parseInterval, trailingRight,
  type CronContext, type CronMessage,
} from '../../src/compute/cron'

const PID = 'P'.repeat(43)
const OWNER = 'O'.repeat(43)
const ctx = (tags: { name: string; value: string }[], origin = { height: 100, timestamp: 1_000_000 }, blocks: CronContext['blocks'] = []): CronContext => ({
  processId: PID,
  owner: OWNER,
  origin,
  crons: parseCrons(tags),
  blocks,
})
const brief = (m: CronMessage) => [m.cron, m.message.Timestamp, m.message['Block-Height']]

describe('parseCrons / parseInterval', () => {
  it('groups Cron-Tag-* under the preceding Cron-Interval, in tag order', () => {
    const crons = parseCrons([
      { name: 'Foo', value: 'Bar' },
      { name: 'Cron-Interval', value: '10-blocks' },
      { name: 'Cron-Tag-Action', value: 'Tick' },
      { name: 'Other', value: 'x' },
      { name: 'Cron-Tag-Kind', value: 'block' },
      { name: 'Cron-Interval', value: '1-minute' },
      { name: 'Cron-Tag-Action', value: 'Minute' },
    ])
    expect(crons).toEqual([
      { interval: '10-blocks', unit: 'blocks', value: 10, tags: [{ name: 'Action', value: 'Tick' }, { name: 'Kind', value: 'block' }] },
      { interval: '1-minute', unit: 'seconds', value: 60, tags: [{ name: 'Action', value: 'Minute' }] },
    ])
  })

  it('time units as ms 2.1.3 reads them, floored to seconds', () => {
    expect(parseInterval('10-seconds')).toEqual({ unit: 'seconds', value: 10 })
    expect(parseInterval(' 2 - Hours ')).toEqual({ unit: 'seconds', value: 7200 })
    expect(parseInterval('1-day').value).toBe(86_400)
    expect(parseInterval('1-week').value).toBe(604_800)
    expect(parseInterval('1-year').value).toBe(31_557_600)
    expect(parseInterval('1500-ms').value).toBe(1)
    expect(parseInterval('1.5-minutes').value).toBe(90)
    expect(parseInterval('1-block')).toEqual({ unit: 'blocks', value: 1 })
  })

  it('errors where the reference throws', () => {
    expect(() => parseInterval('500-ms')).toThrow(/cannot be less than 1 second/)
    expect(() => parseInterval('10')).toThrow(CronError) // "10 " = 10 ms
    expect(() => parseCrons([{ name: 'Cron-Tag-Action', value: 'x' }])).toThrow(/Unmatched Cron-Tag with no preceding Cron-Interval: Cron-Tag-Action/)
  })

  it('keeps what the reference accepts but never fires: months (not in ms 2.1.3), bad block counts', () => {
    expect(msParse('1 month')).toBeNaN()
    const crons = parseCrons([{ name: 'Cron-Interval', value: '1-month' }, { name: 'Cron-Interval', value: 'x-blocks' }, { name: 'Cron-Interval', value: '0-blocks' }, { name: 'Cron-Interval', value: '5-seconds' }])
    expect(inertCrons(crons).map((c) => c.interval)).toEqual(['1-month', 'x-blocks', '0-blocks'])
    const c: CronContext = { processId: PID, owner: OWNER, origin: { height: 100, timestamp: 1_000_000 }, crons, blocks: [101, 102, 103].map((h) => ({ height: h, timestamp: (h - 100) * 10_000 + 1_000_000 })) }
    const fired = [...cronMessagesBetween(c, { ordinate: 0, height: 100, timestamp: 1_000_000 }, { timestamp: 1_040_000 })]
    // NaN compares equal to everything in ramda's ascend, so the month cron keeps index 0.
    expect(new Set(fired.map((m) => m.cron))).toEqual(new Set(['1-5-seconds']))
    expect(fired).toHaveLength(7)
  })
})

describe('cronMessagesBetween', () => {
  const every10 = [{ name: 'Cron-Interval', value: '10-seconds' }, { name: 'Cron-Tag-Action', value: 'Tick' }]

  it('time cron: left tick included, right excluded, the origin second never fires', () => {
    const c = ctx(every10, { height: 100, timestamp: 1_700_000_000_123 })
    const left = { ordinate: null, height: 100, timestamp: 1_700_000_000_123 }
    expect([...cronMessagesBetween(c, left, { timestamp: 1_700_000_035_500 })].map((m) => m.message.Timestamp)).toEqual([1_700_000_010_123, 1_700_000_020_123, 1_700_000_030_123])
    expect([...cronMessagesBetween(c, left, { timestamp: 1_700_000_030_123 })].map((m) => m.message.Timestamp)).toEqual([1_700_000_010_123, 1_700_000_020_123])
    // An empty span (two messages in the same millisecond) ticks nothing.
    expect([...cronMessagesBetween(c, { ...left, timestamp: 1_700_000_010_000 }, { timestamp: 1_700_000_010_000 })]).toEqual([])
  })

  it('the message: Owner = From = process owner, Target = process, cron tags only, Cron true, no Id/Nonce/Hash-Chain', () => {
    const c = ctx([...every10, { name: 'Cron-Tag-From', value: 'spoof' }])
    const [m] = [...cronMessagesBetween(c, { ordinate: 7, height: 100, timestamp: 1_000_000 }, { timestamp: 1_011_000 })]
    expect(m).toEqual({
      cron: '0-10-seconds',
      ordinate: 7,
      key: '1010000-0-10-seconds',
      message: { Owner: OWNER, Target: PID, From: OWNER, Tags: [{ name: 'Action', value: 'Tick' }], Timestamp: 1_010_000, 'Block-Height': 100, Cron: true },
    })
  })

  it('ticks keep the left boundary milliseconds, so one second can fire in two adjacent spans (distinct keys)', () => {
    const c = ctx([{ name: 'Cron-Interval', value: '5-seconds' }])
    const a = [...cronMessagesBetween(c, { ordinate: 3, height: 100, timestamp: 1_004_100 }, { timestamp: 1_005_900 })]
    const b = [...cronMessagesBetween(c, { ordinate: 4, height: 100, timestamp: 1_005_900 }, { timestamp: 1_007_000 })]
    expect(a.map((m) => [m.message.Timestamp, m.ordinate])).toEqual([[1_005_100, 3]])
    expect(b.map((m) => [m.message.Timestamp, m.ordinate])).toEqual([[1_005_900, 4]])
    const d = new CronDedupe()
    expect([...a, ...b].map((m) => d.admit(m.key))).toEqual([true, true])
  })

  it('block crons: blocks strictly inside the span, one per tick, fired before that tick\'s time crons', () => {
    const tags = [{ name: 'Cron-Interval', value: '3-seconds' }, { name: 'Cron-Interval', value: '2-blocks' }]
    const blocks = [
      { height: 100, timestamp: 1_000_000 }, // the left boundary's own block: not inside the span
      { height: 101, timestamp: 1_002_000 },
      { height: 102, timestamp: 1_002_000 }, // same second: consumed one tick later
      { height: 103, timestamp: 1_005_000 },
      { height: 104, timestamp: 1_006_500 }, // after the right boundary
    ]
    const c = ctx(tags, { height: 100, timestamp: 1_000_000 }, blocks)
    const got = [...cronMessagesBetween(c, { ordinate: 0, height: 100, timestamp: 1_000_000 }, { timestamp: 1_006_500 })]
    expect(got.map(brief)).toEqual([
      ['0-2-blocks', 1_002_000, 102],
      ['0-3-seconds', 1_003_000, 102],
      ['0-3-seconds', 1_006_000, 103],
    ])
  })

  it('several time crons fire in ascending interval order, ids index that order', () => {
    const c = ctx([{ name: 'Cron-Interval', value: '10-seconds' }, { name: 'Cron-Interval', value: '5-seconds' }])
    const got = [...cronMessagesBetween(c, { ordinate: 0, height: 100, timestamp: 1_000_000 }, { timestamp: 1_010_001 })]
    expect(got.map(brief)).toEqual([
      ['0-5-seconds', 1_005_000, 100],
      ['0-5-seconds', 1_010_000, 100],
      ['1-10-seconds', 1_010_000, 100],
    ])
  })

  it('no crons: nothing, whatever the span', () => {
    expect([...cronMessagesBetween(ctx([]), { ordinate: 0, height: 1, timestamp: 0 }, { timestamp: 10_000_000 })]).toEqual([])
  })
})

describe('dedupe and trailing span', () => {
  it('CronDedupe admits a key once and forgets the oldest beyond its capacity', () => {
    const d = new CronDedupe(2)
    expect([d.admit('a'), d.admit('a'), d.admit('b'), d.admit('c'), d.admit('a')]).toEqual([true, false, true, true, true])
  })
  it('trailingRight only when "now" is in a later second', () => {
    expect(trailingRight({ timestamp: 1_000_100 }, 1_000_900)).toBeUndefined()
    expect(trailingRight({ timestamp: 1_000_100 }, 1_001_000)).toEqual({ timestamp: 1_001_000 })
  })
})

describe('cronSourceFor (the pipeline adapter)', () => {
  it('null without crons; otherwise crons per span in order, deduplicated over the stream', async () => {
    expect(cronSourceFor({ processId: PID, ownerAddress: OWNER, tags: [{ name: 'Name', value: 'x' }], origin: { timestamp: 1_000_000, blockHeight: 100 } })).toBeNull()
    const src = cronSourceFor({ processId: PID, ownerAddress: OWNER, tags: [{ name: 'Cron-Interval', value: '2-seconds' }, { name: 'Cron-Tag-Action', value: 'Tick' }], origin: { timestamp: 1_000_000, blockHeight: 100 } })!
    const a = await src.between({ nonce: 0, timestamp: 1_000_000, blockHeight: 100 }, { nonce: 1, timestamp: 1_004_500, blockHeight: 101 })
    expect(a.map((m) => m.Timestamp)).toEqual([1_002_000, 1_004_000])
    expect(a[0]).toMatchObject({ Owner: OWNER, From: OWNER, Target: PID, Cron: true, Tags: [{ name: 'Action', value: 'Tick' }] })
    // The same span again (e.g. a resumed stream re-asking): already evaluated, so nothing.
    expect(await src.between({ nonce: 0, timestamp: 1_000_000, blockHeight: 100 }, { nonce: 1, timestamp: 1_004_500, blockHeight: 101 })).toEqual([])
  })
  it('block crons offline: a precise error, never silently skipped', async () => {
    const src = cronSourceFor({ processId: PID, ownerAddress: OWNER, tags: [{ name: 'Cron-Interval', value: '1-block' }], origin: { timestamp: 1_000_000, blockHeight: 100 } })!
    await expect(src.between({ nonce: 3, timestamp: 1_000_000, blockHeight: 100 }, { nonce: 4, timestamp: 1_005_000, blockHeight: 101 })).rejects.toThrow(/between nonces 3 and 4 needs gateway block data/)
  })
})
