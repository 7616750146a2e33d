/**
 * Pushes to non-process targets are uploaded, not dropped (reference MU: isWallet, then
 * `POST {UPLOADER_URL}/tx/arweave`): against the real devnet, whose gateway takes uploads the same
 * way, verifies them, and indexes them. The tab's relay uploads a Send to a wallet, keeps the
 * receipt, and the item is then found by id through the gateway (GraphQL and /raw). An uploader
 * that is down is retried until it answers; one that refuses (4xx) is reported with its answer,
 * kept, and uploaded on the next resume. Nothing is uploaded twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { HttpClient, joinUrl } from '../../src/protocol/http'
import { tagValue } from '../../src/protocol/wire-types'
import { MemoryQueueStore } from '../../src/relay/memory-queue-store'
import type { RelayService } from '../../src/relay/relay-service'
import { UPLOADED_NONCE, type QueueEvent } from '../../src/relay/send-queue'
import { UploaderClient } from '../../src/relay/uploader'
import { devnetOps, memoryKv, openTab, relayConfig } from './relay-devnet-harness'

const BASE_PORT = 13520
/** Nothing listens here: an uploader that is down. */
const DOWN = 'http://127.0.0.1:13529'

describe('uploads of pushes to non-process targets', () => {
  let devnet: Devnet
  let relay: RelayService
  const storage = { store: new MemoryQueueStore(), kv: memoryKv() }
  let ops: ReturnType<typeof devnetOps>
  const events: QueueEvent[] = []
  const payee = loadKey('wallet-b').address
  let A = ''

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    relay = await openTab(devnet, storage)
    relay.subscribe((e) => events.push(e))
    ops = devnetOps(devnet, () => relay)
    A = await ops.spawn()
    await ops.evalOn(A, `Handlers.add("pay", Handlers.utils.hasMatchingTag("Action", "Pay"), function (m) Send({ Target = m.Tags.Payee, Action = "Paid", Data = m.Data }) end)`)
  }, 60_000)
  afterAll(async () => {
    await devnet?.stop()
  })
  const pay = async (data: string) => {
    const id = await ops.send(A, [{ name: 'Action', value: 'Pay' }, { name: 'Payee', value: payee }], data)
    return { id, result: await ops.cu.result(id, A) }
  }

  it('a Send to a wallet is signed by the relay key, uploaded with a receipt, and found by id on the gateway', async () => {
    const { id: payId, result } = await pay('twenty')
    expect(result.Messages.map((m) => m.Target)).toEqual([payee])
    const report = (await relay.crankResult(result, ops.origin(A, payId)))!
    expect(report.errors).toEqual([])
    expect(report.pushed).toEqual([])
    expect(report.notAProcess.map((n) => n.target)).toEqual([payee])
    expect(report.uploaded).toHaveLength(1)
    const up = report.uploaded[0]!
    expect(up).toMatchObject({ target: payee, uploader: devnet.urls.gateway })
    expect(await relay.uploadReceipt(up.id)).toMatchObject({ id: up.id, uploader: devnet.urls.gateway, timestamp: expect.stringMatching(/^\d+$/) })
    expect(await storage.store.get(up.id)).toMatchObject({ status: 'assigned', assignedNonce: UPLOADED_NONCE })
    expect(await relay.pending()).toEqual([])
    expect(events.filter((e) => e.id === up.id).map((e) => e.type)).toEqual(['queued', 'sent', 'uploaded'])

    const tx = await new GatewayClient(devnet.urls.gateway).transaction(up.id)
    expect(tx).toBeDefined()
    expect(tx!.owner.address).toBe(relay.relayKey.address)
    expect(tx!.recipient).toBe(payee)
    expect(tagValue(tx!.tags, 'From-Process')).toBe(A)
    expect(tagValue(tx!.tags, 'Pushed-For')).toBe(payId)
    expect(tagValue(tx!.tags, 'Action')).toBe('Paid')
    expect(await new HttpClient().text({ url: joinUrl(devnet.urls.gateway, `/raw/${up.id}`) })).toBe('twenty')

    const again = (await relay.crankResult(result, ops.origin(A, payId)))!
    expect(again.uploaded).toEqual([])
    expect(again.alreadyPushed).toBe(1)
    expect(events.filter((e) => e.type === 'uploaded')).toHaveLength(1)
  }, 60_000)

  it('the uploader is down: retried with backoff until it answers, then uploaded once', async () => {
    const { id: payId, result } = await pay('while down')
    relay.configure(relayConfig(devnet, { uploader: DOWN }))
    const cranking = relay.crankResult(result, ops.origin(A, payId))
    await expect.poll(() => events.filter((e) => e.type === 'retry' && e.error.includes(DOWN)).length, { timeout: 20_000 }).toBeGreaterThan(0)
    const retry = events.find((e) => e.type === 'retry' && e.error.includes(DOWN))!
    expect(retry).toMatchObject({ target: payee, error: expect.stringMatching(/uploader http:\/\/127\.0\.0\.1:13529: POST .*\/tx\/arweave: network error/) })
    expect((await relay.pending()).map((p) => p.id)).toEqual([retry.id]) // kept while the uploader is down
    relay.configure(relayConfig(devnet)) // back up: the next attempt goes to the configured uploader
    const report = (await cranking)!
    expect(report.errors).toEqual([])
    expect(report.uploaded.map((u) => u.id)).toEqual([retry.id])
    expect(await new GatewayClient(devnet.urls.gateway).transaction(retry.id)).toBeDefined()
    expect(await relay.pending()).toEqual([])
  }, 60_000)

  it('the uploader refuses (4xx): the answer is reported, the item kept, and uploaded on the next resume', async () => {
    const { id: payId, result } = await pay('refused first')
    // The devnet MU has no upload route: it answers 404 with a JSON error.
    relay.configure(relayConfig(devnet, { uploader: devnet.urls.mu }))
    const report = (await relay.crankResult(result, ops.origin(A, payId)))!
    expect(report.uploaded).toEqual([])
    expect(report.errors).toHaveLength(1)
    expect(report.errors[0]!.error).toMatch(new RegExp(`uploader ${devnet.urls.mu}: POST ${devnet.urls.mu}/tx/arweave → 404.*tried again on the next resume`))
    const [kept] = await relay.pending()
    expect(kept).toMatchObject({ target: payee, status: 'queued', lastError: expect.stringMatching(/^refused: uploader .* 404/) })

    // A reload (a new tab over the same storage) with a working uploader delivers it.
    relay = await openTab(devnet, storage)
    const resumed = await relay.resume()
    expect(resumed.map((r) => [r.id, r.status, r.assignedNonce])).toEqual([[kept!.id, 'assigned', UPLOADED_NONCE]])
    expect(await relay.uploadReceipt(kept!.id)).toMatchObject({ id: kept!.id, uploader: devnet.urls.gateway })
    expect(await new GatewayClient(devnet.urls.gateway).transaction(kept!.id)).toBeDefined()
    // The crank of the same result later: already uploaded, nothing new.
    const later = (await relay.crankResult(result, ops.origin(A, payId)))!
    expect(later.uploaded).toEqual([])
    expect(later.errors).toEqual([])
  }, 60_000)

  it('the devnet gateway refuses an upload whose signature does not verify, and one for another currency', async () => {
    const client = new UploaderClient(devnet.urls.gateway)
    const signed = await relay.relayKey.sign({ target: payee, tags: [{ name: 'Action', value: 'Paid' }], data: 'x' })
    const bad = signed.bytes.slice()
    bad[bad.length - 1] = bad.at(-1)! ^ 1 // flip a data bit: the signature no longer covers it
    await expect(client.upload(signed.id, bad)).rejects.toThrow(/→ 400 .*signature or layout is invalid/)
    await expect(new HttpClient().request({ url: joinUrl(devnet.urls.gateway, '/tx/solana'), method: 'POST', body: signed.bytes })).rejects.toThrow(/400 .*only arweave/)
    expect(await new GatewayClient(devnet.urls.gateway).transaction(signed.id)).toBeUndefined()
  }, 30_000)
})
