/**
 * cron-monitor.ts's `requestMonitor` against the real devnet MU (`POST|DELETE /monitor/{P}`, a
 * signed item as body): a `Cron-Interval: 1-second` aos process whose cron handler Sends to a
 * second process. The cron outboxes reach the second process only while the MU monitors the first
 * (the devnet, like the real MU, never pushes cron outboxes of unmonitored processes), and the
 * ticks are in the CU's `/cron` results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { HttpClient, joinUrl } from '../../src/protocol/http'
import { MuClient } from '../../src/protocol/mu-client'
import { SuClient } from '../../src/protocol/su-client'
import { CuClient } from '../../src/protocol/cu-client'
import { tagValue } from '../../src/protocol/wire-types'
import { messageItem, spawnItem, type SpawnSpec } from '../../src/relay/item-builder'
import { KeyfileSigner } from '../../src/relay/signer'
import { requestMonitor, type CronPage } from '../../src/relay/cron-monitor'

const BASE_PORT = 19800
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('requestMonitor against the devnet MU', () => {
  let devnet: Devnet
  const wallet = new KeyfileSigner(loadKey('wallet-a').jwk as never)
  let mu: MuClient
  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    mu = new MuClient(devnet.urls.mu)
  }, 60_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  const spawn = async (extra: Partial<SpawnSpec> = {}) => {
    const signed = await wallet.sign(spawnItem({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, authorities: [devnet.authority], ...extra }))
    await mu.postItem(signed.bytes)
    return signed.id
  }
  const evalOn = async (pid: string, code: string) => {
    const signed = await wallet.sign(messageItem({ target: pid, tags: [{ name: 'Action', value: 'Eval' }], data: code }))
    await mu.postItem(signed.bytes)
    return JSON.stringify((await new CuClient(devnet.urls.cu).result(signed.id, pid)).Output)
  }
  /** Messages in `receiver`'s SU log that `sender`'s outbox pushed (From-Process). */
  const pushedFrom = async (receiver: string, sender: string) =>
    (await new SuClient(devnet.urls.su).getSchedulePage({ processId: receiver, limit: 1000 })).edges
      .map((e) => e.node.message)
      .filter((m) => m && tagValue(m.tags, 'From-Process') === sender && tagValue(m.tags, 'Action') === 'Tick-Seen').length
  /** Cron results on the CU (`GET /cron/{P}`), each with the outbox its handler produced. */
  const cronResults = async (pid: string) =>
    (await new HttpClient().json({ url: joinUrl(devnet.urls.cu, `/cron/${pid}`, { limit: 1000 }) }, (v) => v as CronPage)).edges

  it('starts monitoring: cron ticks run and their outboxes are pushed; stops: no more pushes', async () => {
    const receiver = await spawn()
    const ticker = await spawn({ cron: { interval: '1-second', tags: [{ name: 'Action', value: 'Tick' }] } })
    expect(await evalOn(ticker, `
      Handlers.add("tick", Handlers.utils.hasMatchingTag("Action", "Tick"), function (m)
        Ticks = (Ticks or 0) + 1
        Send({ Target = "${receiver}", Action = "Tick-Seen", Count = tostring(Ticks) })
      end)
      return "ticker ready"`)).toContain('ticker ready')

    // Unmonitored: crons are evaluated when read, but their outboxes are never pushed.
    await sleep(2500)
    const before = await cronResults(ticker)
    expect(before.length).toBeGreaterThan(0)
    // (ticks before the Eval installed the handler, possible on a busy machine, have no outbox)
    const withOutbox = before.filter((e) => (e.node.Messages ?? []).length > 0)
    expect(withOutbox.length).toBeGreaterThan(0)
    expect(withOutbox.every((e) => (e.node.Messages ?? []).every((m) => m.Target === receiver))).toBe(true)
    expect(await pushedFrom(receiver, ticker)).toBe(0)

    // Monitored: the MU ticks the crons every 500 ms and pushes each tick's Send.
    expect(await requestMonitor(mu, wallet, ticker)).toContain('is now being monitored')
    await expect.poll(() => pushedFrom(receiver, ticker), { timeout: 10_000, interval: 300 }).toBeGreaterThanOrEqual(2)
    const during = await cronResults(ticker)
    expect(during.length).toBeGreaterThan(before.length)

    // Stopped: no push after the MU answered. A tick already running when the MU answered may
    // still land: a CU read goes through the devnet's one queue, so it returns after that tick
    // (on a busy machine a fixed sleep was not always long enough).
    expect(await requestMonitor(mu, wallet, ticker, true)).toContain('is no longer being monitored')
    await cronResults(ticker)
    const atStop = await pushedFrom(receiver, ticker)
    await sleep(2500)
    expect(await pushedFrom(receiver, ticker)).toBe(atStop)
    // The crons still run when the CU is read; their outboxes just stay unpushed.
    expect((await cronResults(ticker)).length).toBeGreaterThan(during.length)
    expect(await requestMonitor(mu, wallet, ticker, true)).toContain('was not being monitored')
  }, 60_000)
})
