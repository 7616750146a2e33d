/**
 * The crank against the real local ao network (test/devnet, real aos Wasm) for outbox targets that
 * are not processes: a token transfer's Debit-Notice goes to the sender's wallet, which no SU
 * schedules (the devnet SU answers 404 "not on this SU"); like the reference MU we ask first and
 * do not push it, reporting it as `notAProcess`; the Credit-Notice to a process is pushed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { blueprint } from '../devnet/seed'
import { HttpClient, type FetchFn } from '../../src/protocol/http'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { MuClient } from '../../src/protocol/mu-client'
import { SuClient } from '../../src/protocol/su-client'
import { CuClient } from '../../src/protocol/cu-client'
import { Ed25519Signer } from '../../src/protocol/signing'
import { messageItem, spawnItem } from '../../src/relay/item-builder'
import { KeyfileSigner, KeySigner } from '../../src/relay/signer'
import { SendQueue, type QueueEvent } from '../../src/relay/send-queue'
import { MemoryQueueStore } from '../../src/relay/memory-queue-store'
import { Crank, NOT_A_PROCESS, type CrankDeps } from '../../src/relay/crank'
import { ProcessCheck } from '../../src/relay/process-check'

const BASE_PORT = 19500

/** Real fetch that remembers every URL asked, to show what the checker and the crank touched. */
class RecordingFetch {
  readonly calls: { method: string; url: string }[] = []
  readonly fetch: FetchFn = (url, init) => {
    this.calls.push({ method: init.method ?? 'GET', url: String(url) })
    return fetch(url, init)
  }
}

describe('crank: targets that are not processes', () => {
  let devnet: Devnet
  const wallet = new KeyfileSigner(loadKey('wallet-a').jwk as never)
  const relayKey = new KeySigner('relay', new Ed25519Signer(ed25519.utils.randomSecretKey()))
  const rec = new RecordingFetch()
  const http = new HttpClient({ fetch: rec.fetch, timeoutMs: 30_000, retry: { retries: 1, baseDelayMs: 20 } })
  const events: QueueEvent[] = []
  let queue: SendQueue
  let check: ProcessCheck
  let token = ''
  let receiver = ''

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    queue = new SendQueue({
      store: new MemoryQueueStore(),
      route: () => 'su',
      mu: () => new MuClient(devnet.urls.mu, http),
      suFor: async () => new SuClient(devnet.urls.su, http),
      backoffMs: () => 10,
      confirmPollMs: 20,
    })
    queue.subscribe((e) => events.push(e))
    check = new ProcessCheck({ gateway: new GatewayClient(devnet.urls.gateway, http), suFor: async () => new SuClient(devnet.urls.su, http) })
    const spawn = async (data?: string) => {
      const tags = data === undefined ? [] : [{ name: 'On-Boot', value: 'Data' }]
      const signed = await wallet.sign(spawnItem({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, authorities: [devnet.authority, relayKey.address], tags, ...(data === undefined ? {} : { data }) }))
      await queue.submit(signed.bytes, { untilAssigned: true })
      return signed.id
    }
    token = await spawn(blueprint('token'))
    receiver = await spawn()
  }, 120_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  it('ProcessCheck: a process is one; a wallet, a message and a module are not; answers are cached', async () => {
    const msg = await wallet.sign(messageItem({ target: receiver, tags: [{ name: 'Action', value: 'Eval' }], data: '1' }))
    await queue.submit(msg.bytes, { untilAssigned: true })
    expect(await check.kindOf(token)).toBe('process')
    expect(await check.kindOf(wallet.address)).toBe('not-a-process')
    expect(await check.kindOf(relayKey.address)).toBe('not-a-process')
    expect(await check.kindOf(msg.id)).toBe('not-a-process')
    expect(await check.kindOf(devnet.moduleIds.aos64)).toBe('not-a-process')
    // A wallet is not on the gateway index, so the SU was asked, and it said 404.
    expect(rec.calls.some((c) => c.url === `${devnet.urls.su}/processes/${wallet.address}`)).toBe(true)
    const before = rec.calls.length
    expect(await check.isProcess(wallet.address)).toBe(false)
    expect(await check.isProcess(token)).toBe(true)
    expect(rec.calls.length).toBe(before)
  }, 60_000)

  it('a transfer: the Debit-Notice to the wallet is reported not-a-process and never posted; the Credit-Notice to a process is pushed', async () => {
    const transfer = await wallet.sign(messageItem({ target: token, tags: [{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: receiver }, { name: 'Quantity', value: '25' }] }))
    await queue.submit(transfer.bytes, { untilAssigned: true })
    const result = await new CuClient(devnet.urls.cu).result(transfer.id, token)
    const notices = result.Messages.map((m) => ({ target: m.Target, action: m.Tags.find((t) => t.name === 'Action')?.value }))
    expect(notices).toEqual([
      { target: wallet.address, action: 'Debit-Notice' },
      { target: receiver, action: 'Credit-Notice' },
    ])

    const pushed = new Map<string, string>()
    const deps: CrankDeps = {
      signer: relayKey,
      queue,
      assignAt: async () => new MuClient(devnet.urls.su, http),
      pushed: { get: async (k) => pushed.get(k), set: async (k, v) => void pushed.set(k, v) },
      isProcess: (id) => check.isProcess(id),
      processInfo: async () => ({ moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress }),
    }
    const origin = { processId: token, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: transfer.id, pushedFor: transfer.id }
    const eventsBefore = events.length
    const report = await new Crank(deps).crank(result, origin)
    expect(report.errors).toEqual([])
    expect(report.notAProcess).toEqual([{ target: wallet.address, messageId: transfer.id, index: 0 }])
    // The Credit-Notice reached the receiver's SU: scheduled as ours, or refused as a copy of the
    // devnet MU's own push of the same outbox (superseded) — either way posted to the SU.
    expect(report.pushed.length + report.superseded).toBe(1)
    for (const p of report.pushed) expect(p.target).toBe(receiver)
    const queued = events.slice(eventsBefore).filter((e) => e.type === 'queued')
    expect(queued.map((e) => e.target)).toEqual([receiver])
    expect(events.some((e) => e.target === wallet.address)).toBe(false)
    expect(pushed.get(`${token}:${transfer.id}:message:0`)).toBe(NOT_A_PROCESS)

    // A second crank: nothing posted, nothing asked, the wallet target still reported as such.
    const calls = rec.calls.length
    const again = await new Crank(deps).crank(result, origin)
    expect(again.errors).toEqual([])
    expect(again.notAProcess).toEqual(report.notAProcess)
    expect(again.pushed).toEqual([])
    expect(again.alreadyPushed).toBe(1)
    expect(rec.calls.length).toBe(calls)
  }, 60_000)

  it('a failed check is an error for that message, not a verdict: the next crank asks again', async () => {
    const transfer = await wallet.sign(messageItem({ target: token, tags: [{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: loadKey('wallet-b').address }, { name: 'Quantity', value: '5' }] }))
    await queue.submit(transfer.bytes, { untilAssigned: true })
    const result = await new CuClient(devnet.urls.cu).result(transfer.id, token)
    const pushed = new Map<string, string>()
    const down = new ProcessCheck({ gateway: new GatewayClient('http://127.0.0.1:9', new HttpClient({ timeoutMs: 2_000, retry: { retries: 0, baseDelayMs: 1 } })), suFor: async () => new SuClient(devnet.urls.su) })
    const deps = (isProcess: (id: string) => Promise<boolean>): CrankDeps => ({
      signer: relayKey,
      queue,
      assignAt: async () => new MuClient(devnet.urls.su),
      pushed: { get: async (k) => pushed.get(k), set: async (k, v) => void pushed.set(k, v) },
      isProcess,
      processInfo: async () => ({ moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress }),
    })
    const origin = { processId: token, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: transfer.id, pushedFor: transfer.id }
    const failed = await new Crank(deps((id) => down.isProcess(id))).crank(result, origin)
    expect(failed.errors).toHaveLength(2)
    expect(failed.errors[0]!.where).toContain(`is ${wallet.address} a process?`)
    expect(failed.notAProcess).toEqual([])
    expect(pushed.size).toBe(0)
    const healed = await new Crank(deps((id) => check.isProcess(id))).crank(result, origin)
    expect(healed.errors).toEqual([])
    expect(healed.notAProcess.map((n) => n.target)).toEqual([wallet.address, loadKey('wallet-b').address])
  }, 60_000)
})
