/**
 * The relay in real Chromium against the local ao network, with a test wallet injected as
 * `window.arweaveWallet` (real RSA key, Wander API): spawn aos processes from the tab, Eval code,
 * a token transfer whose outbox reaches a second process, aoconnect reading our results; a
 * network drop plus a page reload mid-queue delivering exactly once; a wallet that refuses.
 */
import { test, expect, type Page } from '@playwright/test'
import { connect, createSigner } from '@permaweb/aoconnect'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { CuClient } from '../../src/protocol/cu-client'
import { SuClient } from '../../src/protocol/su-client'
import { tagValue } from '../../src/protocol/wire-types'
import { harnessUrl } from './env'
import { TestWallet, type TestJwk } from './support/test-wallet'
import type { RelayHarness } from './harness/relay'

const DEVNET_PORT = 17600
let devnet: Devnet

test.beforeAll(async () => {
  devnet = await startDevnet({ basePort: DEVNET_PORT })
})
test.afterAll(async () => {
  await devnet?.stop()
})

/**
 * The harness pages come from the Vite dev server, whose HMR client reloads the page whenever a
 * module in its graph changes on disk. Other engineers edit src/ while these tests run, and such
 * a reload in the middle of a test destroyed the page ("Execution context was destroyed") at
 * random steps: the flake once seen at "network drop … reload" (reproduced: 4 of 12 runs while
 * src/relay files were edited). These tests reload on purpose only; the HMR socket is answered
 * here and never reaches the dev server.
 */
test.beforeEach(async ({ context }) => {
  await context.routeWebSocket(/^ws:\/\/127\.0\.0\.1:\d+\/\?token=/, () => undefined)
})

type R = RelayHarness
const endpoints = () => ({ gateway: devnet.urls.gateway, mu: devnet.urls.mu, su: devnet.urls.su, suIsRouter: false, cus: [devnet.urls.cu] })

async function open(page: Page, dbName: string, route: 'mu' | 'su' = 'mu') {
  await page.goto(`${harnessUrl}/relay.html`)
  await expect(page).toHaveTitle('relay harness ready')
  return page.evaluate(([e, db, r]) => (window as unknown as { relay: R }).relay.start(e, { route: r, crank: false, dbName: db }), [endpoints(), dbName, route] as const)
}
const ok = <T,>(v: T | { error: { code: string; message: string } }): T => {
  if (v && typeof v === 'object' && 'error' in v) throw new Error(`relay call failed: ${v.error.code}: ${v.error.message}`)
  return v as T
}
const logOf = async (pid: string) => (await new SuClient(devnet.urls.su).getSchedulePage({ processId: pid, limit: 1000 })).edges

test('spawn, Eval and a token transfer from the tab; the second process receives the pushed Credit-Notice', async ({ page, context }) => {
  const wallet = new TestWallet(loadKey('wallet-a').jwk as unknown as TestJwk)
  await wallet.install(context)
  await open(page, 'relay-e2e-proof')
  const state = ok(await page.evaluate(() => (window as unknown as { relay: R }).relay.connect()))
  expect(state).toEqual({ kind: 'browser', address: wallet.address })

  const authority = [{ name: 'Authority', value: devnet.authority }]
  const spawn = () => page.evaluate(([m, s, t]) => (window as unknown as { relay: R }).relay.spawn(m, s, t), [devnet.moduleIds.aos64, devnet.suAddress, authority] as const)
  const A = ok(await spawn()).processId
  const B = ok(await spawn()).processId
  const send = (target: string, tags: { name: string; value: string }[], data: string) =>
    page.evaluate(([t, g, d]) => (window as unknown as { relay: R }).relay.send(t, g, d), [target, tags, data] as const).then(ok)
  const evalTag = [{ name: 'Action', value: 'Eval' }]

  const token = await send(A, evalTag, `
    Balances = Balances or {}
    Handlers.add("transfer", Handlers.utils.hasMatchingTag("Action", "Transfer"), function (m)
      local q = tonumber(m.Quantity)
      Balances[m.Recipient] = (Balances[m.Recipient] or 0) + q
      Send({ Target = m.Recipient, Action = "Credit-Notice", Quantity = tostring(q), Sender = m.From })
    end)
    return "token ready"`)
  const cu = new CuClient(devnet.urls.cu)
  expect(JSON.stringify((await cu.result(token.id, A)).Output)).toContain('token ready')
  await send(B, evalTag, `
    Credits = 0
    Handlers.add("credit", Handlers.utils.hasMatchingTag("Action", "Credit-Notice"), function (m)
      Credits = Credits + tonumber(m.Quantity); CreditFrom = m.From
    end)
    return "wallet ready"`)

  const transfer = await send(A, [{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: B }, { name: 'Quantity', value: '25' }], '')
  const transferResult = await cu.result(transfer.id, A)
  expect(transferResult.Messages.map((m) => tagValue(m.Tags, 'Action'))).toContain('Credit-Notice')

  // B's log holds the pushed message, From-Process A, Pushed-For our transfer.
  const pushed = (await logOf(B)).map((e) => e.node.message!).filter((m) => m && tagValue(m.tags, 'Pushed-For') === transfer.id)
  expect(pushed).toHaveLength(1)
  expect(tagValue(pushed[0]!.tags, 'From-Process')).toBe(A)
  expect(tagValue(pushed[0]!.tags, 'Action')).toBe('Credit-Notice')
  const check = await send(B, evalTag, 'return tostring(Credits) .. " from " .. CreditFrom')
  expect(JSON.stringify((await cu.result(check.id, B)).Output)).toContain(`25 from ${A}`)

  // Interop: aoconnect reads the result of a message the tab signed and sent.
  const ao = connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as {
    result(a: { process: string; message: string }): Promise<{ Messages: { Tags: { name: string; value: string }[] }[] }>
  }
  const viaAoconnect = await ao.result({ process: A, message: transfer.id })
  expect(viaAoconnect.Messages[0]!.Tags.find((t) => t.name === 'Quantity')?.value).toBe('25')
  expect(wallet.signs).toBe(6) // 2 spawns, 2 Evals, the transfer, the check

  // Both processes verified and evaluated in the tab (app compute worker), cross-checked with the
  // devnet CU: every message of both agreed, the pushed Credit-Notice on B included.
  const e = endpoints()
  for (const pid of [A, B]) await page.evaluate(([p, en]) => (window as unknown as { relay: R }).relay.verify(p, en, 'relay-e2e-proof-compute'), [pid, e] as const)
  const levels = (pid: string) => page.evaluate((p) => (window as unknown as { relay: R }).relay.levels(p), pid)
  const allAgreed = async (pid: string, expected: number) => {
    await expect.poll(async () => {
      const l = await levels(pid)
      if (l.stopped) throw new Error(`compute of ${pid} stopped: ${l.stopped}`)
      return l.messages.filter((m) => m.level === 'agreed').length
    }, { timeout: 120_000, message: `every message of ${pid} agreed` }).toBe(expected)
    const l = await levels(pid)
    expect(l.messages).toHaveLength(expected)
    return l.messages
  }
  const aLog = await logOf(A)
  const bLog = await logOf(B)
  expect(aLog).toHaveLength(3) // Process, Eval, Transfer
  expect(bLog).toHaveLength(4) // Process, Eval, pushed Credit-Notice, check
  const aSeen = await allAgreed(A, aLog.length)
  expect(aSeen.map((m) => m.id)).toEqual(aLog.map((x) => x.node.message!.id))
  const bSeen = await allAgreed(B, bLog.length)
  expect(bSeen.find((m) => m.id === pushed[0]!.id)).toMatchObject({ action: 'Credit-Notice', level: 'agreed', hasResult: true })
  expect(bSeen.find((m) => m.id === check.id)?.output).toContain(`25 from ${A}`)

  // Interop: a message aoconnect signs and sends (Node side) is verified and evaluated by the tab.
  const aoSend = connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as {
    message(a: { process: string; signer: unknown; tags: { name: string; value: string }[]; data: string }): Promise<string>
  }
  const fromAoconnect = await aoSend.message({ process: A, signer: createSigner(loadKey('wallet-a').jwk), tags: evalTag, data: 'return "hello from aoconnect"' })
  const aAfter = await allAgreed(A, aLog.length + 1)
  expect(aAfter.at(-1)).toMatchObject({ id: fromAoconnect, nonce: aLog.length, level: 'agreed', hasResult: true })
  expect(aAfter.at(-1)!.output).toContain('hello from aoconnect')
})

test('network drop after signing, then a reload mid-queue: the item is delivered exactly once', async ({ page, context }) => {
  const wallet = new TestWallet(loadKey('wallet-b').jwk as unknown as TestJwk)
  await wallet.install(context)
  await open(page, 'relay-e2e-faults')
  ok(await page.evaluate(() => (window as unknown as { relay: R }).relay.connect()))
  const pid = ok(await page.evaluate(([m, s, a]) => (window as unknown as { relay: R }).relay.spawn(m, s, [{ name: 'Authority', value: a }]), [devnet.moduleIds.aos64, devnet.suAddress, devnet.authority] as const)).processId

  // The MU becomes unreachable: the signed item waits in IndexedDB, retried with backoff.
  const mu = `${devnet.urls.mu}/**`
  await context.route(mu, (r) => r.abort('internetdisconnected'))
  // Not awaited: the send keeps retrying until the page goes away.
  const inFlight = page.evaluate((p) => (window as unknown as { relay: R }).relay.send(p, [{ name: 'Action', value: 'Eval' }], 'return "survived"'), pid).catch(() => 'page reloaded')
  await expect.poll(async () => (await page.evaluate(() => (window as unknown as { relay: R }).relay.pending()))[0]?.attempts ?? 0, { timeout: 20_000 }).toBeGreaterThan(0)
  const [item] = await page.evaluate(() => (window as unknown as { relay: R }).relay.pending())
  expect(item).toMatchObject({ target: pid, status: 'queued' })
  expect(item!.lastError).toMatch(/network error/)

  await page.reload() // the tab goes away mid-retry
  expect(await inFlight).toBe('page reloaded')
  await context.unroute(mu)
  await open(page, 'relay-e2e-faults') // a fresh relay worker resumes the queue from IndexedDB
  await expect.poll(async () => (await page.evaluate(() => (window as unknown as { relay: R }).relay.pending())).length, { timeout: 30_000 }).toBe(0)
  const ids = (await logOf(pid)).map((e) => e.node.message?.id)
  expect(ids.filter((id) => id === item!.id)).toHaveLength(1)
  expect(JSON.stringify((await new CuClient(devnet.urls.cu).result(item!.id, pid)).Output)).toContain('survived')
})

test('the wallet refuses, is locked, or switched accounts: nothing is queued and the person is told', async ({ page, context }) => {
  const wallet = new TestWallet(loadKey('wallet-a').jwk as unknown as TestJwk)
  await wallet.install(context)
  await open(page, 'relay-e2e-refuse')
  ok(await page.evaluate(() => (window as unknown as { relay: R }).relay.connect()))
  const send = () => page.evaluate((p) => (window as unknown as { relay: R }).relay.send(p, [{ name: 'Action', value: 'Eval' }], '1'), devnet.authority)
  wallet.mode = 'reject'
  expect(await send()).toEqual({ error: { code: 'wallet/rejected', message: 'The wallet did not sign the message: User rejected the signature request.' } })
  wallet.mode = 'locked'
  expect(await send()).toMatchObject({ error: { code: 'wallet/not-connected', message: expect.stringContaining('locked') } })
  wallet.mode = 'ok'
  wallet.switchTo(loadKey('wallet-b').jwk as unknown as TestJwk)
  expect(await send()).toMatchObject({ error: { code: 'wallet/not-connected', message: expect.stringContaining('active account is now') } })
  expect(await page.evaluate(() => (window as unknown as { relay: R }).relay.pending())).toEqual([])
  expect(wallet.signs).toBe(0)
})
