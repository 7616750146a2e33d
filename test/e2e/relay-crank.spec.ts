/**
 * "Crank here" in real Chromium: the tab's relay worker (IndexedDB queue, WebCrypto Ed25519 relay
 * key) against the devnet, with the network's own crank switched off so every push is the tab's:
 * - a cascade A → B → C pushed hop by hop (Pushed-For = the origin on every hop), and a Send to a
 *   wallet uploaded to the gateway and found there by id;
 * - cron outboxes pushed by the tab (CU `/cron` polled), exactly once across a page reload (cursor
 *   and pushed record in IndexedDB).
 * The devnet's SU and MU crank whatever they schedule before answering (a real SU never cranks):
 * this file patches DevnetCompute's private `crank` to a no-op, in this Node process only.
 */
import { test, expect, type Page } from '@playwright/test'
import { loadKey } from '../devnet/keys'
import { CuClient } from '../../src/protocol/cu-client'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { SuClient } from '../../src/protocol/su-client'
import { tagValue } from '../../src/protocol/wire-types'
import { harnessUrl } from './env'
import { TestWallet, type TestJwk } from './support/test-wallet'
import type { RelayHarness } from './harness/relay'
import { crankHereDevnet } from './support/crank-here-devnet'

const DEVNET_PORT = 13540

const net = crankHereDevnet(DEVNET_PORT)
// The harness comes from the Vite dev server: keep its HMR client from reloading the page when
// someone edits src/ during the run (see relay.spec.ts).
test.beforeEach(async ({ context }) => {
  await context.routeWebSocket(/^ws:\/\/127\.0\.0\.1:\d+\/\?token=/, () => undefined)
})

type R = RelayHarness
const endpoints = () => ({ gateway: net.devnet.urls.gateway, mu: net.devnet.urls.mu, su: net.devnet.urls.su, suIsRouter: false, cus: [net.devnet.urls.cu], uploader: net.devnet.urls.gateway })
const ok = <T,>(v: T | { error: { code: string; message: string } }): T => {
  if (v && typeof v === 'object' && 'error' in v) throw new Error(`relay call failed: ${v.error.code}: ${v.error.message}`)
  return v as T
}

/** Opens the harness with "crank here" and the SU route; returns the tab's relay key address. */
async function open(page: Page, dbName: string): Promise<string> {
  await page.goto(`${harnessUrl}/relay.html`)
  await expect(page).toHaveTitle('relay harness ready')
  const started = await page.evaluate(([e, db]) => (window as unknown as { relay: R }).relay.start(e, { route: 'su', crank: true, dbName: db }), [endpoints(), dbName] as const)
  ok(await page.evaluate(() => (window as unknown as { relay: R }).relay.connect()))
  return started.relayAddress
}
const spawn = (page: Page, me: string, cron?: { interval: string; tags: { name: string; value: string }[] }) =>
  page.evaluate(([m, s, a, c]) => (window as unknown as { relay: R }).relay.spawn(m, s, [{ name: 'Authority', value: a[0]! }, { name: 'Authority', value: a[1]! }], c), [net.devnet.moduleIds.aos64, net.devnet.suAddress, [net.devnet.authority, me], cron ?? null] as const).then(ok).then((r) => r.processId)
const send = (page: Page, target: string, tags: { name: string; value: string }[], data = '') =>
  page.evaluate(([t, g, d]) => (window as unknown as { relay: R }).relay.send(t, g, d), [target, tags, data] as const).then(ok).then((r) => r.id)
const evalOn = async (page: Page, pid: string, code: string) => JSON.stringify((await new CuClient(net.devnet.urls.cu).result(await send(page, pid, [{ name: 'Action', value: 'Eval' }], code), pid)).Output)
const pushesIn = async (pid: string) =>
  (await new SuClient(net.devnet.urls.su).getSchedulePage({ processId: pid, limit: 1000 })).edges
    .map((e) => e.node.message)
    .filter((m) => m && tagValue(m.tags, 'From-Process'))
    .map((m) => ({ owner: m!.owner.address, from: tagValue(m!.tags, 'From-Process'), action: tagValue(m!.tags, 'Action'), pushedFor: tagValue(m!.tags, 'Pushed-For') ?? null, count: tagValue(m!.tags, 'Count') ?? null }))

test('the tab cranks a cascade hop by hop and uploads a Send to a wallet', async ({ page, context }) => {
  await new TestWallet(loadKey('wallet-a').jwk as unknown as TestJwk).install(context)
  const me = await open(page, 'relay-crank-cascade')
  const [A, B, C] = [await spawn(page, me), await spawn(page, me), await spawn(page, me)]
  const payee = loadKey('wallet-b').address
  expect(await evalOn(page, A, `Handlers.add("start", Handlers.utils.hasMatchingTag("Action", "Start"), function (m)
    Send({ Target = "${B}", Action = "Hop" }); Send({ Target = "${payee}", Action = "Paid", Data = "thanks" }) end)
    return "A ready"`)).toContain('A ready')
  await evalOn(page, B, `Handlers.add("hop", Handlers.utils.hasMatchingTag("Action", "Hop"), function (m) Send({ Target = "${C}", Action = "Hop2" }) end)`)

  const start = await send(page, A, [{ name: 'Action', value: 'Start' }])
  const result = await new CuClient(net.devnet.urls.cu).result(start, A)
  const origin = { processId: A, moduleId: net.devnet.moduleIds.aos64, schedulerAddress: net.devnet.suAddress, messageId: start, pushedFor: start }
  const report = ok(await page.evaluate(([r, o]) => (window as unknown as { relay: R }).relay.crank(r, o), [result, origin] as const))!
  expect(report.errors).toEqual([])
  expect(report.pushed.map((p) => [p.target, p.depth])).toEqual([[B, 0], [C, 1]])
  expect(await pushesIn(B)).toEqual([{ owner: me, from: A, action: 'Hop', pushedFor: start, count: null }])
  expect(await pushesIn(C)).toEqual([{ owner: me, from: B, action: 'Hop2', pushedFor: start, count: null }])
  expect(report.uploaded).toHaveLength(1)
  const tx = await new GatewayClient(net.devnet.urls.gateway).transaction(report.uploaded[0]!.id)
  expect(tx).toMatchObject({ recipient: payee, owner: { address: me } })
  expect(tagValue(tx!.tags, 'Pushed-For')).toBe(start)

  // Reloaded tab, same IndexedDB: the same crank pushes and uploads nothing again.
  await page.reload()
  await open(page, 'relay-crank-cascade')
  const again = ok(await page.evaluate(([r, o]) => (window as unknown as { relay: R }).relay.crank(r, o), [result, origin] as const))!
  expect(again).toMatchObject({ pushed: [], uploaded: [], errors: [], alreadyPushed: 3 })
  expect(await pushesIn(B)).toHaveLength(1)
  expect(await pushesIn(C)).toHaveLength(1)
  expect(await page.evaluate(() => (window as unknown as { relay: R }).relay.pending())).toEqual([])
})

test('cron outboxes pushed by the tab, exactly once across a page reload', async ({ page, context }) => {
  await new TestWallet(loadKey('wallet-a').jwk as unknown as TestJwk).install(context)
  const me = await open(page, 'relay-crank-cron')
  const receiver = await spawn(page, me)
  const ticker = await spawn(page, me, { interval: '1-second', tags: [{ name: 'Action', value: 'Tick' }] })
  await evalOn(page, ticker, `Handlers.add("tick", Handlers.utils.hasMatchingTag("Action", "Tick"), function (m)
    Ticks = (Ticks or 0) + 1; Send({ Target = "${receiver}", Action = "Tick-Seen", Count = tostring(Ticks) }) end)`)
  const ticks = async () => (await pushesIn(receiver)).filter((p) => p.action === 'Tick-Seen')

  expect(ok(await page.evaluate((p) => (window as unknown as { relay: R }).relay.monitorCrons(p, true), ticker))).toEqual({ mode: 'here', processId: ticker })
  await expect.poll(async () => (await ticks()).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
  await page.reload() // the tab goes away while it cranks
  const before = (await ticks()).length
  await open(page, 'relay-crank-cron') // the new relay worker restarts the monitor by itself (resumeCrons)
  await expect.poll(async () => (await ticks()).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(before + 2)
  ok(await page.evaluate((p) => (window as unknown as { relay: R }).relay.monitorCrons(p, false), ticker))
  const all = await ticks()
  expect(all.every((p) => p.owner === me && p.from === ticker && p.pushedFor === null)).toBe(true)
  expect(all.map((p) => Number(p.count))).toEqual(all.map((_, i) => i + 1)) // each tick once, none skipped
})
