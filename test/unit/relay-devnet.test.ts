/**
 * The relay against the real local ao network (test/devnet, real aos Wasm): spawn and Eval through
 * the queue (MU and SU routes), faults between signing and sending delivered exactly once, a
 * restarted queue resuming, refusals not retried, aoconnect reading our message's result, and the
 * crank's rewriting compared with the push the network's MU made for the same outbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '@permaweb/aoconnect'
import { ed25519 } from '@noble/curves/ed25519.js'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { HttpClient, type FetchFn } from '../../src/protocol/http'
import { MuClient } from '../../src/protocol/mu-client'
import { SuClient } from '../../src/protocol/su-client'
import { CuClient } from '../../src/protocol/cu-client'
import { Ed25519Signer } from '../../src/protocol/signing'
import { tagValue } from '../../src/protocol/wire-types'
import { decodeVerifiedDataItem } from '../../src/protocol/ans104'
import { messageItem, spawnItem } from '../../src/relay/item-builder'
import { KeyfileSigner, KeySigner } from '../../src/relay/signer'
import { SendQueue, type QueueEvent, type SendRoute } from '../../src/relay/send-queue'
import { MemoryQueueStore } from '../../src/relay/memory-queue-store'
import { Crank, planCrank } from '../../src/relay/crank'
import { ProcessCheck } from '../../src/relay/process-check'
import { GatewayClient } from '../../src/protocol/gateway-client'

const BASE_PORT = 17500

/** Real fetch with injected faults: 'drop' fails before sending, 'lose' sends then loses the answer. */
class FaultyFetch {
  plan: ('drop' | 'lose')[] = []
  posts = 0
  readonly fetch: FetchFn = async (url, init) => {
    if (init.method === 'POST') {
      const fault = this.plan.shift()
      if (fault === 'drop') throw new TypeError('Failed to fetch (network down)')
      this.posts++
      const res = await fetch(url, init)
      if (fault === 'lose') {
        await res.arrayBuffer()
        throw new TypeError('Failed to fetch (connection reset)')
      }
      return res
    }
    return fetch(url, init)
  }
}

describe('relay against the devnet', () => {
  let devnet: Devnet
  const wallet = new KeyfileSigner(loadKey('wallet-a').jwk as never)
  const relayKey = new KeySigner('relay', new Ed25519Signer(ed25519.utils.randomSecretKey()))
  const faults = new FaultyFetch()
  const http = new HttpClient({ fetch: faults.fetch, timeoutMs: 30_000, retry: { retries: 1, baseDelayMs: 20 } })
  let route: SendRoute = 'mu'
  const events: QueueEvent[] = []
  const makeQueue = (store: MemoryQueueStore) => {
    const q = new SendQueue({
      store,
      route: () => route,
      mu: () => new MuClient(devnet.urls.mu, http),
      suFor: async () => new SuClient(devnet.urls.su, http),
      backoffMs: () => 10,
      confirmPollMs: 20,
    })
    q.subscribe((e) => events.push(e))
    return q
  }
  const store = new MemoryQueueStore()
  let queue: SendQueue
  let pidA = ''
  let pidB = ''
  const su = () => new SuClient(devnet.urls.su)
  const cu = () => new CuClient(devnet.urls.cu)
  const logIds = async (pid: string) => (await su().getSchedulePage({ processId: pid, limit: 1000 })).edges.map((e) => e.node.message?.id ?? e.node.assignment.id)

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    queue = makeQueue(store)
  }, 120_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  const spawn = async () => {
    const signed = await wallet.sign(spawnItem({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, authorities: [devnet.authority, relayKey.address] }))
    const rec = await queue.submit(signed.bytes, { untilAssigned: true })
    expect(rec).toMatchObject({ id: signed.id, target: signed.id, status: 'assigned', assignedNonce: 0 })
    return signed.id
  }
  const evalOn = async (pid: string, code: string) => wallet.sign(messageItem({ target: pid, tags: [{ name: 'Action', value: 'Eval' }], data: code }))

  it('spawns aos through the MU and Evals through the SU; the CU and aoconnect read the result', async () => {
    route = 'mu'
    pidA = await spawn()
    pidB = await spawn()
    route = 'su'
    const signed = await evalOn(pidA, '1 + 41')
    const rec = await queue.submit(signed.bytes, { untilAssigned: true })
    expect(rec.status).toBe('assigned')
    expect(rec.assignedNonce).toBe(1)
    expect(events.filter((e) => e.id === signed.id).map((e) => e.type)).toEqual(['queued', 'sent', 'assigned'])
    const ao = connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as {
      result(a: { process: string; message: string }): Promise<{ Output: { data: unknown } }>
    }
    const res = await ao.result({ process: pidA, message: signed.id })
    expect(JSON.stringify(res.Output.data)).toContain('42')
  }, 60_000)

  it('a drop before sending and a lost answer after the SU got it: delivered exactly once', async () => {
    for (const r of ['su', 'mu'] as const) {
      route = r
      const signed = await evalOn(pidA, `"${r}-once"`)
      faults.plan = ['drop', 'lose']
      const postsBefore = faults.posts
      const rec = await queue.submit(signed.bytes, { untilAssigned: true })
      expect(rec.status).toBe('assigned')
      expect(faults.posts - postsBefore).toBe(1) // the re-post was avoided: the SU already had it
      expect((await logIds(pidA)).filter((id) => id === signed.id)).toHaveLength(1)
      expect(events.filter((e) => e.id === signed.id && e.type === 'retry')).toHaveLength(2)
    }
  }, 60_000)

  it('a queue restarted mid-send (reload) resumes and delivers once; a re-post of a known id is success', async () => {
    route = 'su'
    const signed = await evalOn(pidA, '"after reload"')
    faults.plan = ['drop', 'drop', 'drop', 'drop']
    const abort = new AbortController()
    const first = queue.submit(signed.bytes, { signal: abort.signal }).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 30))
    abort.abort() // the tab went away mid-retry
    await first
    expect((await store.get(signed.id))?.status).toBe('queued')
    faults.plan = []
    const reopened = makeQueue(store) // same storage, new tab
    const done = await reopened.resume()
    expect(done.find((r) => r.id === signed.id)?.status).toBe('assigned')
    expect((await logIds(pidA)).filter((id) => id === signed.id)).toHaveLength(1)
    // Posting the same bytes again (another tab with the same queue) changes nothing on the SU.
    await new SuClient(devnet.urls.su).postItem(signed.bytes)
    expect((await logIds(pidA)).filter((id) => id === signed.id)).toHaveLength(1)
  }, 60_000)

  it('a refused item is recorded and not retried', async () => {
    route = 'su'
    const unknown = await wallet.sign(messageItem({ target: relayKey.address, data: 'nobody' }))
    const err = await queue.submit(unknown.bytes).catch((e: unknown) => e as Error)
    expect(String(err)).toMatch(/refused item .*404/)
    expect((await store.get(unknown.id))?.lastError).toMatch(/^refused: /)
    expect((await queue.resume()).some((r) => r.id === unknown.id)).toBe(false)
  }, 30_000)

  it('crank: our rewriting of an outbox equals the push the network MU made; a second crank pushes nothing', async () => {
    route = 'su'
    const signed = await evalOn(pidA, `Send({ Target = "${pidB}", Action = "Ping", Data = "hi from A" })`)
    await queue.submit(signed.bytes, { untilAssigned: true })
    const result = await cu().result(signed.id, pidA)
    expect(result.Messages).toHaveLength(1)
    const origin = { processId: pidA, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: signed.id, pushedFor: signed.id }
    const plan = planCrank(result, origin)
    expect(plan.messages).toHaveLength(1)
    const ours = plan.messages[0]!.input

    // The network MU's push, as B's SU log serves it.
    const page = await su().getSchedulePage({ processId: pidB, limit: 1000 })
    const theirs = page.edges.map((e) => e.node.message!).find((m) => m && tagValue(m.tags, 'Pushed-For') === signed.id)
    expect(theirs).toBeDefined()
    expect(theirs!.target).toBe(ours.target)
    expect(theirs!.anchor).toBe(ours.anchor)
    expect(theirs!.data).toBe(ours.data)
    const names = (tags: readonly { name: string; value: string }[]) => tags.map((t) => `${t.name}=${t.value}`).sort()
    expect(names(ours.tags!)).toEqual(names(theirs!.tags))

    const pushed = new Map<string, string>()
    const crankDeps = () => ({
      signer: relayKey,
      queue,
      assignAt: async () => new MuClient(devnet.urls.su),
      pushed: { get: async (k: string) => pushed.get(k), set: async (k: string, v: string) => void pushed.set(k, v) },
      isProcess: (id: string) => check.isProcess(id),
      processInfo: async () => ({ moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress }),
    })
    const check = new ProcessCheck({ gateway: new GatewayClient(devnet.urls.gateway), suFor: async () => su() })
    const crank = new Crank(crankDeps())
    // The network MU pushed this outbox first: the SU recognises ours as the same push (deep hash,
    // Pushed-For ignored) and refuses it; that counts as delivered, not as an error.
    const before = (await logIds(pidB)).length
    const report = await crank.crank(result, origin)
    expect(report.errors).toEqual([])
    expect(report.pushed).toEqual([])
    expect(report.superseded).toBe(1)
    const again = await crank.crank(result, origin)
    expect(again.pushed).toHaveLength(0)
    expect(again.alreadyPushed).toBe(1)

    // Another tab (no memory of what was pushed, another origin id): superseded too.
    const otherTab = new Crank({ ...crankDeps(), pushed: { get: async () => undefined, set: async () => undefined } })
    const third = await otherTab.crank(result, { ...origin, pushedFor: 'another-origin-id-is-ignored-by-the-dedupe' })
    expect(third.errors).toEqual([])
    expect(third.pushed).toHaveLength(0)
    expect(third.superseded).toBe(1)
    expect((await logIds(pidB)).length).toBe(before)

    // An outbox no MU pushed (a dry-run of another Send on A): our push is scheduled on B's SU,
    // signed by the tab's relay key, From-Process A; a second crank pushes nothing.
    const dry = await cu().dryRun(pidA, { Owner: wallet.address, Target: pidA, Tags: [{ name: 'Action', value: 'Eval' }], Data: `Send({ Target = "${pidB}", Action = "Ping", Data = "only here" })` })
    expect(dry.Messages).toHaveLength(1)
    const fresh = await crank.crank(dry, { ...origin, messageId: 'dry-run' })
    expect(fresh.errors).toEqual([])
    expect(fresh.pushed).toHaveLength(1)
    const push = fresh.pushed[0]!
    expect(push.target).toBe(pidB)
    const onSu = await su().getMessage(push.id, pidB)
    expect(tagValue(onSu.message!.tags, 'From-Process')).toBe(pidA)
    expect(tagValue(onSu.message!.tags, 'Pushed-For')).toBe(signed.id)
    expect(onSu.message!.owner.address).toBe(relayKey.address)
    expect((await crank.crank(dry, { ...origin, messageId: 'dry-run' })).alreadyPushed).toBe(1)
  }, 60_000)
})
