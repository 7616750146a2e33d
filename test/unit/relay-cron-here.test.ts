/**
 * Cron outboxes and the crank setting, against the real devnet (a `Cron-Interval: 1-second` aos
 * process whose cron handler Sends a numbered Tick-Seen to a second process):
 * - "crank here": the tab's relay polls the CU's `/cron` and pushes each cron outbox itself (signed
 *   by its relay key); the devnet MU, not asked to monitor, pushes none;
 * - exactly once across a reload: a new relay over the same storage resumes from the persisted
 *   cursor; with the cursor lost (a crash between a push and the cursor write) every result is
 *   cranked again and every push is recognised by the relay's own record (not by the SU's dedupe);
 * - "network": the relay asks the MU to monitor and pushes nothing itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { MemoryQueueStore } from '../../src/relay/memory-queue-store'
import type { CrankReport } from '../../src/relay/crank'
import type { RelayService } from '../../src/relay/relay-service'
import { devnetOps, memoryKv, openTab } from './relay-devnet-harness'

const BASE_PORT = 13510

describe('cron outboxes: crank here or leave it to the network', () => {
  let devnet: Devnet
  let relay: RelayService
  const storage = { store: new MemoryQueueStore(), kv: memoryKv() }
  let ops: ReturnType<typeof devnetOps>
  const reports: CrankReport[] = []
  const total = (f: (r: CrankReport) => number) => reports.reduce((n, r) => n + f(r), 0)
  let receiver = ''
  let ticker = ''

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    relay = await openTab(devnet, storage)
    relay.onCronReport((_, r) => reports.push(r))
    ops = devnetOps(devnet, () => relay)
    receiver = await ops.spawn()
    ticker = await ops.spawn({ cron: { interval: '1-second', tags: [{ name: 'Action', value: 'Tick' }] } })
    expect(await ops.evalOn(ticker, `
      Handlers.add("tick", Handlers.utils.hasMatchingTag("Action", "Tick"), function (m)
        Ticks = (Ticks or 0) + 1
        Send({ Target = "${receiver}", Action = "Tick-Seen", Count = tostring(Ticks) })
      end)
      return "ticker ready"`)).toContain('ticker ready')
  }, 60_000)
  afterAll(async () => {
    await relay?.stopCrons()
    await devnet?.stop()
  })

  /** Tick-Seen pushes in the receiver's log: counts in log order, and who signed them. */
  const ticks = async () => (await ops.pushesIn(receiver)).filter((p) => p.action === 'Tick-Seen' && p.from === ticker)
  const countsOf = (t: Awaited<ReturnType<typeof ticks>>) => t.map((p) => Number(p.count))
  const contiguous = (n: number[]) => n.every((c, i) => c === i + 1)

  it('crank here: the tab pushes every cron outbox once, signed by its relay key; the MU pushes none', async () => {
    expect(await relay.monitorCrons(ticker, true)).toEqual({ mode: 'here', processId: ticker })
    await expect.poll(async () => (await ticks()).length, { timeout: 15_000, interval: 300 }).toBeGreaterThanOrEqual(3)
    await relay.stopCrons() // resolves after a poll in flight
    const seen = await ticks()
    expect(seen.every((p) => p.owner === relay.relayKey.address && p.pushedFor === null)).toBe(true) // crons have no origin id
    expect(contiguous(countsOf(seen))).toBe(true)
    expect(total((r) => r.pushed.length)).toBe(seen.length)
    expect(total((r) => r.superseded + r.errors.length)).toBe(0)
  }, 60_000)

  it('a reload resumes from the saved cursor; with the cursor lost, nothing is pushed twice', async () => {
    const before = (await ticks()).length
    expect(storage.kv.map.get(`cron.cursor.${ticker}`)).toEqual(expect.any(String))

    // Reload: a new relay over the same storage.
    relay = await openTab(devnet, storage)
    relay.onCronReport((_, r) => reports.push(r))
    const pushedBefore = total((r) => r.pushed.length)
    expect(await relay.resumeCrons()).toEqual([ticker]) // what the relay worker does on start
    await expect.poll(async () => (await ticks()).length, { timeout: 15_000, interval: 300 }).toBeGreaterThanOrEqual(before + 2)
    await relay.stopCrons()
    expect(total((r) => r.alreadyPushed)).toBe(0) // resumed after the cursor: no result read twice

    // Crash between a push and the cursor write, worst case: the cursor is gone.
    storage.kv.map.delete(`cron.cursor.${ticker}`)
    relay = await openTab(devnet, storage)
    relay.onCronReport((_, r) => reports.push(r))
    const upTo = (await ticks()).length
    await relay.monitorCrons(ticker, true)
    await expect.poll(() => total((r) => r.alreadyPushed), { timeout: 15_000, interval: 300 }).toBeGreaterThanOrEqual(upTo)
    await relay.stopCrons()
    const after = await ticks()
    expect(contiguous(countsOf(after))).toBe(true) // no count twice, none skipped
    expect(total((r) => r.pushed.length)).toBe(after.length)
    expect(total((r) => r.superseded + r.errors.length)).toBe(0) // our own record caught every repeat
    expect(total((r) => r.pushed.length) - pushedBefore).toBe(after.length - before)
  }, 90_000)

  it('network: the MU is asked to monitor and pushes the cron outboxes; the tab pushes none', async () => {
    relay = await openTab(devnet, storage, { crank: false })
    relay.onCronReport((_, r) => reports.push(r))
    const reportsBefore = reports.length
    const before = (await ticks()).length
    const mode = await relay.monitorCrons(ticker, true)
    expect(mode).toMatchObject({ mode: 'network', processId: ticker, answer: expect.stringContaining('is now being monitored') })
    await expect.poll(async () => (await ticks()).length, { timeout: 15_000, interval: 300 }).toBeGreaterThanOrEqual(before + 2)
    expect(await relay.monitorCrons(ticker, false)).toMatchObject({ mode: 'stopped', answer: expect.stringContaining('is no longer being monitored') })
    const byNetwork = (await ticks()).slice(before)
    expect(byNetwork.every((p) => p.owner === devnet.authority)).toBe(true)
    expect(reports.length).toBe(reportsBefore)
    expect(contiguous(countsOf(await ticks()))).toBe(true) // the MU went on from where the tab stopped
  }, 60_000)
})
