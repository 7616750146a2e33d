/**
 * The devnet CU's crons agree with the light node's generator (src/compute/cron.ts) on a real
 * aos process, and that generator's interval parsing agrees with the real `ms` 2.1.3 package the
 * reference CU parses intervals with.
 *
 * The process mixes firing crons (1-second, 3-seconds, 2-blocks) with crons the reference accepts
 * but never fires (`0-blocks`, `x-blocks`, `1-month`: `ms` has no months); before the devnet used
 * src/compute/cron.ts, `0-blocks` made it disable every cron of the process.
 */
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { sendMessage, spawnProcess } from '../devnet/ao-http'
import { cronSourceFor, msParse, parseCrons } from '../../src/compute/cron'
import { GatewayClient } from '../../src/protocol/gateway-client'

const BASE_PORT = 19010
const ms = createRequire(import.meta.url)('ms') as (s: string) => number | undefined

interface Tag {
  name: string
  value: string
}
interface ResultEdge {
  cursor: string
  node: { Output?: { data?: unknown } | string }
}

const sleep = (n: number) => new Promise((r) => setTimeout(r, n))
const tagOf = (tags: Tag[], name: string) => tags.find((t) => t.name === name)?.value
const decodeCursor = (c: string) => JSON.parse(Buffer.from(c, 'base64').toString('utf8')) as { timestamp: number; ordinate: string; cron: string }
const cursorAt = (timestamp: number, nonce: number) => encodeURIComponent(Buffer.from(JSON.stringify({ timestamp, ordinate: String(nonce), sort: 'ASC' })).toString('base64'))
const outputText = (o: ResultEdge['node']['Output']) => (typeof o === 'string' ? o : String(o?.data ?? ''))

const BOOT = `
Handlers.add("tick", Handlers.utils.hasMatchingTag("Action", "Tick"), function(msg)
  print("tick " .. msg.Kind .. " at " .. msg.Timestamp .. " h=" .. msg["Block-Height"] .. " cron=" .. tostring(msg.Cron))
end)
`

const CRON_TAGS: Tag[] = [
  { name: 'Cron-Interval', value: '1-second' },
  { name: 'Cron-Tag-Action', value: 'Tick' },
  { name: 'Cron-Tag-Kind', value: 's1' },
  { name: 'Cron-Interval', value: '0-blocks' },
  { name: 'Cron-Tag-Action', value: 'Tick' },
  { name: 'Cron-Tag-Kind', value: 'never-0-blocks' },
  { name: 'Cron-Interval', value: '2-blocks' },
  { name: 'Cron-Tag-Action', value: 'Tick' },
  { name: 'Cron-Tag-Kind', value: 'b2' },
  { name: 'Cron-Interval', value: '1-month' },
  { name: 'Cron-Tag-Action', value: 'Tick' },
  { name: 'Cron-Tag-Kind', value: 'never-month' },
  { name: 'Cron-Interval', value: '3-seconds' },
  { name: 'Cron-Tag-Action', value: 'Tick' },
  { name: 'Cron-Tag-Kind', value: 's3' },
  { name: 'Cron-Interval', value: 'x-blocks' },
  { name: 'Cron-Tag-Action', value: 'Tick' },
  { name: 'Cron-Tag-Kind', value: 'never-x-blocks' },
]

describe('ms 2.1.3 parsing (what the reference CU parses Cron-Interval with)', () => {
  const units = ['ms', 'msec', 'msecs', 'millisecond', 'milliseconds', 's', 'sec', 'secs', 'second', 'seconds', 'm', 'min', 'mins', 'minute', 'minutes', 'h', 'hr', 'hrs', 'hour', 'hours', 'd', 'day', 'days', 'w', 'week', 'weeks', 'y', 'yr', 'yrs', 'year', 'years', 'mo', 'month', 'months', 'block', 'blocks', '', 'Seconds', 'MINUTES', 'x']

  it('msParse equals the real ms() on every unit word (NaN where ms gives undefined)', () => {
    for (const u of units) {
      for (const v of ['1', '10', '0', '1.5', '.5', '-2', 'x', '']) {
        const text = `${v} ${u}`
        expect({ text, got: msParse(text) }).toEqual({ text, got: ms(text) ?? NaN })
      }
    }
  })

  it('msParse equals ms() on random intervals, as parseInterval hands them over (split on "-", joined with " ")', () => {
    const part = fc.string({ maxLength: 6 }).filter((x) => !x.includes('-'))
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 100_000 }).map(String), part), fc.oneof(fc.constantFrom(...units), part), (v, u) => {
        const text = [v.trim(), u.trim()].join(' ')
        expect(msParse(text)).toEqual(ms(text) ?? NaN)
      }),
      { numRuns: 3000 },
    )
  })

  it('the crons that never fire are accepted, as the reference accepts them', () => {
    const crons = parseCrons(CRON_TAGS)
    expect(crons.map((c) => [c.interval, c.unit, c.value])).toEqual([
      ['1-second', 'seconds', 1],
      ['0-blocks', 'blocks', 0],
      ['2-blocks', 'blocks', 2],
      ['1-month', 'seconds', NaN],
      ['3-seconds', 'seconds', 3],
      ['x-blocks', 'blocks', NaN],
    ])
  })
})

describe('devnet /cron vs src/compute/cron.ts on the same log', () => {
  let devnet: Devnet
  const wallet = loadKey('wallet-a')
  let pid = ''

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    pid = await spawnProcess(devnet.urls.mu, wallet, {
      module: devnet.moduleIds.aos64,
      scheduler: devnet.suAddress,
      data: BOOT,
      tags: [{ name: 'Authority', value: devnet.authority }, { name: 'On-Boot', value: 'Data' }, ...CRON_TAGS],
    })
    // Scheduled messages ~1.1 s apart: every span holds 1-second ticks and a freshly mined block.
    for (let i = 0; i < 5; i++) {
      await sleep(1100)
      await sendMessage(devnet.urls.mu, wallet, pid, [{ name: 'Action', value: 'Eval' }], 'return 1')
    }
  }, 60_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  it('fires the same crons, with the same timestamps, ordinates, heights and tags', async () => {
    const page = (await (await fetch(`${devnet.urls.su}/${pid}?process-id=${pid}&limit=1000`)).json()) as { edges: { node: { assignment: { tags: Tag[] } } }[] }
    const scheduled = page.edges.map((e) => ({
      nonce: Number(tagOf(e.node.assignment.tags, 'Nonce')),
      timestamp: Number(tagOf(e.node.assignment.tags, 'Timestamp')),
      blockHeight: Number(tagOf(e.node.assignment.tags, 'Block-Height')),
    }))
    expect(scheduled.length).toBe(6)
    const record = (await (await fetch(`${devnet.urls.su}/processes/${pid}`)).json()) as { block: string; timestamp: number; tags: Tag[]; owner: { address: string } }

    const source = cronSourceFor({
      processId: pid,
      ownerAddress: record.owner.address,
      tags: record.tags,
      origin: { timestamp: record.timestamp, blockHeight: Number.parseInt(record.block, 10) },
      gateway: new GatewayClient(devnet.urls.gateway),
    })!
    const expected: string[] = []
    for (let i = 0; i + 1 < scheduled.length; i++) {
      for (const m of await source.between(scheduled[i]!, scheduled[i + 1]!)) {
        expect(m).toMatchObject({ Owner: wallet.address, From: wallet.address, Target: pid, Cron: true })
        expected.push(`${m.Timestamp} ordinate=${scheduled[i]!.nonce} tick ${tagOf(m.Tags, 'Kind')} at ${m.Timestamp} h=${m['Block-Height']} cron=true`)
      }
    }

    const last = scheduled.at(-1)!
    const res = (await (await fetch(`${devnet.urls.cu}/cron/${pid}?to=${cursorAt(last.timestamp, last.nonce)}&limit=1000`)).json()) as { edges: ResultEdge[] }
    const got = res.edges.map((e) => {
      const c = decodeCursor(e.cursor)
      return `${c.timestamp} ordinate=${c.ordinate} ${outputText(e.node.Output).trim()}`
    })
    expect(got).toEqual(expected)
    // The span really holds every kind of firing cron, and none of the inert ones.
    const kinds = new Set(expected.map((s) => / tick (\S+) /.exec(s)![1]))
    expect([...kinds].sort()).toEqual(['b2', 's1', 's3'])
  }, 60_000)
})
