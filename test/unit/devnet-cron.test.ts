/**
 * Devnet crons against the reference rules, recomputed here from the SU log alone: a real aos
 * process with `Cron-Interval: 1-second` whose handler counts ticks. Between consecutive
 * scheduled messages [L, R) the reference CU ticks t = L, L+1000, … < R and fires when
 * ⌊t/1000⌋ ≠ ⌊origin/1000⌋ (every second for a 1-second cron). Checked: the `/cron` results'
 * timestamps and outputs, the count each scheduled Eval sees, `/cron` paging, and that
 * `/monitor` pushes cron outboxes only while it is on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { monitor, sendMessage, spawnProcess } from '../devnet/ao-http'

const BASE_PORT = 15800

interface Tag {
  name: string
  value: string
}
interface Edge {
  cursor: string
  node: { message: { id: string; tags: Tag[]; owner: { address: string } } | null; assignment: { tags: Tag[] } }
}
interface ResultEdge {
  cursor: string
  node: { Output?: { data?: unknown } | string; Messages: { Target?: string; Tags?: Tag[] }[] }
}
interface Results {
  pageInfo: { hasNextPage: boolean }
  edges: ResultEdge[]
}

const tag = (tags: Tag[], name: string) => tags.find((t) => t.name === name)?.value
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const decodeCursor = (c: string) => JSON.parse(Buffer.from(c, 'base64').toString('utf8')) as { timestamp: number; ordinate: string; cron?: string; sort: string }
/** The reference cursor of a scheduled message (bounds are compared by timestamp, ordinate, cron). */
const cursorAt = (timestamp: number, nonce: number) => encodeURIComponent(Buffer.from(JSON.stringify({ timestamp, ordinate: String(nonce), sort: 'ASC' })).toString('base64'))
const outputText = (o: ResultEdge['node']['Output']) => (typeof o === 'string' ? o : String(o?.data ?? ''))

/** Expected tick timestamps per the reference rules, from the scheduled timestamps alone. */
function expectedTicks(scheduled: number[], intervalSeconds: number): { timestamp: number; ordinate: string }[] {
  const origin = Math.floor(scheduled[0]! / 1000)
  const out: { timestamp: number; ordinate: string }[] = []
  for (let n = 0; n + 1 < scheduled.length; n++) {
    for (let t = scheduled[n]!; t < scheduled[n + 1]!; t += 1000) {
      const s = Math.floor(t / 1000)
      if (s !== origin && (s - origin) % intervalSeconds === 0) out.push({ timestamp: t, ordinate: String(n) })
    }
  }
  return out
}

const BOOT = `
Count = Count or 0
Handlers.add("tick", Handlers.utils.hasMatchingTag("Action", "Tick"), function(msg)
  Count = Count + 1
  print("tick " .. Count .. " at " .. msg.Timestamp .. " cron=" .. tostring(msg.Cron) .. " from=" .. msg.From)
  if Sink then Send({ Target = Sink, Action = "Tock", Data = tostring(Count) }) end
end)
`

describe('devnet crons', () => {
  let devnet: Devnet
  const wallet = loadKey('wallet-a')
  let pid = ''
  let sink = ''
  const getJson = async <T>(url: string): Promise<T> => {
    const res = await fetch(url)
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }
  const logOf = async (p: string) => (await getJson<{ edges: Edge[] }>(`${devnet.urls.su}/${p}?process-id=${p}&limit=1000`)).edges
  const log = () => logOf(pid)
  const timestampsOf = (edges: Edge[]) => edges.map((e) => Number(tag(e.node.assignment.tags, 'Timestamp')))
  const evalCount = async () => {
    const id = await sendMessage(devnet.urls.mu, wallet, pid, [{ name: 'Action', value: 'Eval' }], 'return Count')
    return outputText((await getJson<ResultEdge['node']>(`${devnet.urls.cu}/result/${id}?process-id=${pid}`)).Output)
  }

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    sink = await spawnProcess(devnet.urls.mu, wallet, { module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, tags: [{ name: 'Authority', value: devnet.authority }] })
    pid = await spawnProcess(devnet.urls.mu, wallet, {
      module: devnet.moduleIds.aos64,
      scheduler: devnet.suAddress,
      data: BOOT,
      tags: [
        { name: 'Authority', value: devnet.authority },
        { name: 'On-Boot', value: 'Data' },
        { name: 'Cron-Interval', value: '1-second' },
        { name: 'Cron-Tag-Action', value: 'Tick' },
      ],
    })
  })
  afterAll(async () => {
    await devnet?.stop()
  })

  it('evaluates the crons due before each scheduled message, at the reference timestamps', async () => {
    await sleep(2300)
    const seenAtFirst = await evalCount()
    await sleep(1700)
    const seenAtSecond = await evalCount()

    const edges = await log()
    expect(edges.length).toBe(3)
    const ts = timestampsOf(edges)
    const expected = expectedTicks(ts, 1)
    expect(expected.length).toBeGreaterThanOrEqual(3) // ~4 s of 1-second ticks
    // Each Eval sees exactly the crons due before it.
    expect(Number(seenAtFirst)).toBe(expectedTicks(ts.slice(0, 2), 1).length)
    expect(Number(seenAtSecond)).toBe(expected.length)

    // /cron up to the last scheduled message: the same ticks, in order, each handled once.
    const res = await getJson<Results>(`${devnet.urls.cu}/cron/${pid}?to=${cursorAt(ts[2]!, 2)}`)
    const cursors = res.edges.map((e) => decodeCursor(e.cursor))
    expect(cursors.map((c) => ({ timestamp: c.timestamp, ordinate: c.ordinate }))).toEqual(expected)
    expect(cursors.every((c) => c.cron === '0-1-second' && c.sort === 'ASC')).toBe(true)
    res.edges.forEach((e, i) => {
      expect(outputText(e.node.Output)).toContain(`tick ${i + 1} at ${expected[i]!.timestamp} cron=true from=${wallet.address}`)
    })
    // Not monitored: cron outboxes were not pushed (no Tock yet anyway) and the log holds only our messages.
    expect((await log()).length).toBe(3)
  })

  it('pages /cron with reference cursors (from exclusive, ascending only)', async () => {
    const ts = timestampsOf(await log())
    const to = cursorAt(ts[2]!, 2)
    const all = await getJson<Results>(`${devnet.urls.cu}/cron/${pid}?to=${to}`)
    const paged: ResultEdge[] = []
    let from = ''
    let pages = 0
    for (;;) {
      const page = await getJson<Results>(`${devnet.urls.cu}/cron/${pid}?to=${to}&limit=2${from ? `&from=${encodeURIComponent(from)}` : ''}`)
      pages++
      paged.push(...page.edges)
      if (!page.pageInfo.hasNextPage) break
      expect(page.edges.length).toBe(2)
      from = page.edges.at(-1)!.cursor
    }
    expect(pages).toBe(Math.ceil(all.edges.length / 2))
    expect(paged.map((e) => e.cursor)).toEqual(all.edges.map((e) => e.cursor))
    // A bare timestamp works as a bound too; /results carries scheduled and cron evaluations.
    const firstCron = decodeCursor(all.edges[0]!.cursor).timestamp
    const after = await getJson<Results>(`${devnet.urls.cu}/cron/${pid}?from=${firstCron}&to=${to}`)
    expect(after.edges.length).toBe(all.edges.length - 1)
    const results = await getJson<Results>(`${devnet.urls.cu}/results/${pid}?to=${to}&limit=100`)
    expect(results.edges.length).toBe(all.edges.length + 3)
  })

  it('monitor ticks crons with no new message and pushes their outboxes; DELETE stops it', async () => {
    // From now on the tick handler sends a Tock to the sink process.
    await sendMessage(devnet.urls.mu, wallet, pid, [{ name: 'Action', value: 'Eval' }], `Sink = "${sink}"`)
    await sleep(1200)
    // Crons ran (read through /cron) but, unmonitored, their outboxes were not pushed.
    await getJson<Results>(`${devnet.urls.cu}/cron/${pid}`)
    expect((await logOf(sink)).length).toBe(1)
    await monitor(devnet.urls.mu, wallet, pid, 'POST')
    await sleep(2600)
    await monitor(devnet.urls.mu, wallet, pid, 'DELETE')
    await sleep(600) // a tick in flight finishes
    const tocks = (await logOf(sink)).slice(1)
    expect(tocks.length).toBeGreaterThanOrEqual(2)
    expect(tocks.every((t) => tag(t.node.message!.tags, 'Action') === 'Tock')).toBe(true)
    for (const t of tocks) {
      expect(tag(t.node.message!.tags, 'From-Process')).toBe(pid)
      expect(t.node.message!.owner.address).toBe(devnet.authority)
      expect(tag(t.node.message!.tags, 'Pushed-For')).toBeUndefined() // cron outboxes have no originating message
    }
    const stoppedAt = tocks.length
    await sleep(1600)
    expect((await logOf(sink)).length - 1).toBe(stoppedAt)

    // Over the whole log (monitor ticks included) the cron timestamps still follow the rules.
    await sendMessage(devnet.urls.mu, wallet, pid, [{ name: 'Action', value: 'Eval' }], '1')
    const ts = timestampsOf(await log())
    const crons = await getJson<Results>(`${devnet.urls.cu}/cron/${pid}?to=${cursorAt(ts.at(-1)!, ts.length - 1)}&limit=1000`)
    expect(crons.edges.map((e) => decodeCursor(e.cursor)).map((c) => ({ timestamp: c.timestamp, ordinate: c.ordinate }))).toEqual(expectedTicks(ts, 1))
  })

  it('answers monitor errors with 4xx', async () => {
    expect((await fetch(`${devnet.urls.mu}/monitor/${pid}`, { method: 'POST' })).status).toBe(400)
    expect((await fetch(`${devnet.urls.mu}/monitor/nope`, { method: 'POST', body: 'garbage' })).status).toBe(400)
    expect((await fetch(`${devnet.urls.cu}/cron/${pid}?from=notacursor`)).status).toBe(400)
  })
})
