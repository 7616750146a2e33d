/**
 * Cancelling and discarding items of the relay's outgoing queue, against the real local ao network
 * (test/devnet: real MU/SU, real aos Wasm, real RSA signatures). The network is cut or held by a
 * fetch wrapper in front of the real fetch, so each race is played out deterministically:
 * - a cancel wakes a delivery sleeping in backoff; resume() never posts a cancelled item;
 * - a cancel while a post is in flight: the abort wins (nothing scheduled) or the MU's
 *   acknowledgement wins (the cancel is refused, the item is scheduled once);
 * - an attempt that reached the MU before the cancel: the log is the truth (observeAssigned → assigned);
 * - a refused item can be discarded (and only a refused one); sent/assigned/unknown ids can't be cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { HttpClient, type FetchFn } from '../../src/protocol/http'
import { MuClient } from '../../src/protocol/mu-client'
import { SuClient } from '../../src/protocol/su-client'
import { messageItem, spawnItem } from '../../src/relay/item-builder'
import { KeyfileSigner } from '../../src/relay/signer'
import { SendQueue, type QueueEvent } from '../../src/relay/send-queue'
import { MemoryQueueStore } from '../../src/relay/memory-queue-store'
import { isRelayError } from '../../src/relay/errors'

const BASE_PORT = 22000

type Gate = { mode: 'before' | 'after'; reached: Promise<void>; release: () => void }

/**
 * The real fetch with a switchable network for POSTs: `down` fails them before sending; `lose`
 * sends the next one and loses its answer; a gate holds the next one either before it is sent
 * (honouring abort: nothing reaches the MU) or after the MU answered (the answer is on its way
 * back and an abort no longer changes that).
 */
class Network {
  down = false
  lose = 0
  posts = 0
  private gate: (Gate & { arrived: () => void }) | null = null

  hold(mode: Gate['mode']): Gate {
    let arrived!: () => void
    let release!: () => void
    const reached = new Promise<void>((r) => (arrived = r))
    const released = new Promise<void>((r) => (release = r))
    this.gate = { mode, reached, release, arrived }
    this.released = released
    return { mode, reached, release }
  }

  private released: Promise<void> = Promise.resolve()

  readonly fetch: FetchFn = async (url, init) => {
    if (init.method !== 'POST') return fetch(url, init)
    if (this.down) throw new TypeError('fetch failed (network down)')
    const gate = this.gate
    this.gate = null
    if (gate?.mode === 'before') {
      gate.arrived()
      await new Promise<void>((ok, ko) => {
        init.signal?.addEventListener('abort', () => ko(new DOMException('aborted', 'AbortError')), { once: true })
        void this.released.then(ok)
      })
    }
    this.posts++
    const { signal: _ignored, ...rest } = init
    const res = await fetch(url, gate?.mode === 'after' ? rest : init)
    const body = await res.arrayBuffer()
    if (gate?.mode === 'after') {
      gate.arrived()
      await this.released
    }
    if (this.lose > 0) {
      this.lose--
      throw new TypeError('fetch failed (connection reset after sending)')
    }
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
  }
}

describe('cancel and discard in the outgoing queue (devnet)', () => {
  let devnet: Devnet
  const wallet = new KeyfileSigner(loadKey('wallet-a').jwk as never)
  const net = new Network()
  const http = new HttpClient({ fetch: net.fetch, timeoutMs: 30_000, retry: { retries: 0 } })
  const events: QueueEvent[] = []
  let backoff = 10
  const store = new MemoryQueueStore()
  let queue: SendQueue
  let pid = ''
  const su = () => new SuClient(devnet.urls.su)
  const logIds = async () => (await su().getSchedulePage({ processId: pid, limit: 1000 })).edges.map((e) => e.node.message?.id ?? e.node.assignment.id)
  const message = (text: string) => wallet.sign(messageItem({ target: pid, tags: [{ name: 'Action', value: 'Eval' }], data: `"${text}"` }))
  const until = async (what: string, f: () => boolean | Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms
    while (!(await f())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e)

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    queue = new SendQueue({
      store,
      route: () => 'mu',
      mu: () => new MuClient(devnet.urls.mu, http),
      suFor: async () => new SuClient(devnet.urls.su, http),
      backoffMs: () => backoff,
      confirmPollMs: 20,
    })
    queue.subscribe((e) => events.push(e))
    const spawn = await wallet.sign(spawnItem({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, authorities: [devnet.authority] }))
    pid = (await queue.submit(spawn.bytes, { untilAssigned: true })).id
  }, 120_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  it('a cancel wakes a delivery sleeping in backoff; resume never posts the cancelled item', async () => {
    const signed = await message('cancel while sleeping')
    net.down = true
    backoff = 600_000 // without the wake-up the delivery would sleep for ten minutes
    const sending = errorOf(queue.submit(signed.bytes))
    await until('the first failed attempt', () => events.some((e) => e.id === signed.id && e.type === 'retry'))
    const started = Date.now()
    const rec = await queue.cancel(signed.id)
    const err = await sending
    const tookMs = Date.now() - started
    expect(isRelayError(err, 'send/cancelled')).toBe(true)
    expect(String((err as Error).message)).toMatch(/may have reached the network/)
    expect(tookMs).toBeLessThan(5_000) // woke up instead of sleeping 600 s
    expect(rec).toMatchObject({ id: signed.id, status: 'cancelled', attempts: 1 })
    expect(rec.cancelledAt).toBeTypeOf('number')
    expect(events.filter((e) => e.id === signed.id).map((e) => e.type)).toEqual(['queued', 'retry', 'cancelled'])

    net.down = false
    backoff = 10
    const postsBefore = net.posts
    const resumed = await queue.resume()
    expect(resumed.map((r) => r.id)).not.toContain(signed.id)
    expect(net.posts).toBe(postsBefore)
    expect(isRelayError(await errorOf(queue.deliver(signed.id)), 'send/cancelled')).toBe(true)
    expect(net.posts).toBe(postsBefore)
    expect(await logIds()).not.toContain(signed.id)
    expect((await store.get(signed.id))?.status).toBe('cancelled')
    // Cancelling twice says it is already cancelled.
    const again = await errorOf(queue.cancel(signed.id))
    expect(isRelayError(again, 'send/not-cancellable')).toBe(true)
    expect(String((again as Error).message)).toMatch(/already cancelled/)
  }, 60_000)

  it('a cancel during a post not yet sent aborts it: never scheduled, delivery rejects send/cancelled', async () => {
    const signed = await message('cancel aborts the post')
    const gate = net.hold('before')
    const postsBefore = net.posts
    const sending = errorOf(queue.submit(signed.bytes))
    await gate.reached
    const rec = await queue.cancel(signed.id)
    expect(isRelayError(await sending, 'send/cancelled')).toBe(true)
    expect(net.posts).toBe(postsBefore) // the MU never saw it
    expect(rec.status).toBe('cancelled')
    // The aborted post counts as an attempt: it could have reached the MU (here it didn't).
    expect(rec.attempts).toBe(1)
    expect(rec.lastError).toMatch(/^cancelled while posting to http:\/\/127\.0\.0\.1:\d+: the post may have reached it/)
    await queue.resume()
    await new Promise((r) => setTimeout(r, 500))
    expect(await logIds()).not.toContain(signed.id)
  }, 60_000)

  it('a cancel racing a post the MU already acknowledged is refused: the item is sent and scheduled once', async () => {
    const signed = await message('ack wins')
    const gate = net.hold('after')
    const sending = queue.submit(signed.bytes)
    await gate.reached // the MU has it and answered; the answer is held on its way back
    const cancelling = errorOf(queue.cancel(signed.id))
    await new Promise((r) => setTimeout(r, 50)) // the cancel is now waiting for the post in flight
    gate.release()
    const err = await cancelling
    expect(isRelayError(err, 'send/not-cancellable')).toBe(true)
    expect(String((err as Error).message)).toMatch(/already acknowledged it/)
    expect((await sending).status).toBe('sent')
    expect((await store.get(signed.id))?.status).toBe('sent')
    await until('the item in the SU log', async () => (await logIds()).includes(signed.id))
    expect((await logIds()).filter((x) => x === signed.id)).toHaveLength(1)
    const done = await queue.deliver(signed.id, { untilAssigned: true })
    expect(done.status).toBe('assigned')
    // Neither sent nor assigned items can be cancelled; unknown ids are named.
    expect(String(await errorOf(queue.cancel(signed.id)))).toMatch(/already in the log of .* at nonce \d+/)
    const unknown = await errorOf(queue.cancel('x'.repeat(43)))
    expect(isRelayError(unknown, 'send/unknown-item')).toBe(true)
  }, 60_000)

  it('cancelled after an attempt reached the MU (answer lost): the log is the truth, observeAssigned records it assigned', async () => {
    const signed = await message('reached before the cancel')
    net.lose = 1
    backoff = 600_000
    const sending = errorOf(queue.submit(signed.bytes))
    await until('the lost answer', () => events.some((e) => e.id === signed.id && e.type === 'retry'))
    const rec = await queue.cancel(signed.id)
    expect(rec).toMatchObject({ status: 'cancelled', attempts: 1 })
    expect(isRelayError(await sending, 'send/cancelled')).toBe(true)
    backoff = 10
    // The MU had it: the SU schedules it regardless of our cancel.
    await until('the item in the SU log', async () => (await logIds()).includes(signed.id))
    const nonce = (await logIds()).indexOf(signed.id)
    await queue.observeAssigned(signed.id, nonce)
    expect(await store.get(signed.id)).toMatchObject({ status: 'assigned', assignedNonce: nonce })
    expect((await store.get(signed.id))?.cancelledAt).toBeTypeOf('number') // it was cancelled, and is assigned
    expect(events.find((e) => e.id === signed.id && e.type === 'assigned')).toMatchObject({ nonce, afterCancel: true })
  }, 60_000)

  it('an item refused by the network can be discarded (never retried); a queued one cannot be discarded', async () => {
    // A message to a wallet address: the devnet MU refuses it (404), a final verdict.
    const refused = await wallet.sign(messageItem({ target: devnet.authority, data: 'to nobody' }))
    expect(isRelayError(await errorOf(queue.submit(refused.bytes)), 'send/refused')).toBe(true)
    expect((await store.get(refused.id))?.lastError).toMatch(/^refused: /)

    const waiting = await message('not refused')
    net.down = true
    backoff = 600_000
    const sending = errorOf(queue.submit(waiting.bytes))
    await until('a retry', () => events.some((e) => e.id === waiting.id && e.type === 'retry'))
    const notRefused = await errorOf(queue.discard(waiting.id))
    expect(isRelayError(notRefused, 'send/not-cancellable')).toBe(true)
    expect(String((notRefused as Error).message)).toMatch(/was not refused .*cancel it instead/)
    await queue.cancel(waiting.id)
    await sending
    net.down = false
    backoff = 10

    const rec = await queue.discard(refused.id)
    expect(rec).toMatchObject({ status: 'cancelled', discarded: true })
    expect(events.find((e) => e.id === refused.id && e.type === 'cancelled')).toMatchObject({ discarded: true })
    expect((await queue.list('queued')).map((r) => r.id)).not.toContain(refused.id)
    const postsBefore = net.posts
    await queue.resume()
    expect(net.posts).toBe(postsBefore)
  }, 60_000)
})
