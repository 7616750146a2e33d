/**
 * The verifying compute unit end to end in Chromium, against the local ao network (test/devnet):
 * aoconnect (Node side) spawns a real aos process and sends ~30 messages (Evals, a token handler
 * with transfers, an error, a push the process sends to itself). The harness page
 * (test/e2e/harness/compute.ts) opens the process through the real node client and compute worker:
 * every message must reach `computed` with the result the devnet CU returns (Output, Messages,
 * Spawns, Error); a reload mid-sync resumes from a snapshot with no result lost or duplicated; with
 * the network cut, the cached process re-verifies from IndexedDB and says `offline`.
 */
import { test, expect, type Page } from '@playwright/test'
import { connect, createSigner } from '@permaweb/aoconnect'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { harnessUrl } from './env'
import type { ComputeHarness } from './harness/compute'
import type { LoggedMessage, MessageResult } from '../../src/node/contract'

declare global {
  interface Window { compute: ComputeHarness }
}

const BASE_PORT = 16900
test.describe.configure({ mode: 'serial', timeout: 240_000 })

interface AoClient {
  spawn(args: Record<string, unknown>): Promise<string>
  message(args: Record<string, unknown>): Promise<string>
}

let devnet: Devnet
let pid = ''
let sent = 0
const figures: Record<string, unknown> = {}

const TOKEN = `
Balances = Balances or {}
Balances[Owner] = 1000
Handlers.add("transfer", Handlers.utils.hasMatchingTag("Action", "Transfer"), function (m)
  local qty = tonumber(m.Tags.Quantity)
  Balances[m.From] = Balances[m.From] or 0
  if Balances[m.From] < qty then error("insufficient balance: " .. Balances[m.From]) end
  Balances[m.From] = Balances[m.From] - qty
  Balances[m.Tags.Recipient] = (Balances[m.Tags.Recipient] or 0) + qty
  Send({ Target = m.From, Action = "Debit-Notice", Recipient = m.Tags.Recipient, Quantity = tostring(qty) })
  Send({ Target = m.Tags.Recipient, Action = "Credit-Notice", Sender = m.From, Quantity = tostring(qty) })
end)
Handlers.add("ping", Handlers.utils.hasMatchingTag("Action", "Ping"), function (m)
  Pings = (Pings or 0) + 1
  print("ping " .. Pings .. " from " .. m.From)
end)
return "token ready"
`

test.beforeAll(async ({ browser }) => {
  devnet = await startDevnet({ basePort: BASE_PORT })
  const ao = connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as AoClient
  const signer = createSigner(loadKey('wallet-a').jwk)
  pid = await ao.spawn({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, signer, tags: [{ name: 'Authority', value: devnet.authority }, { name: 'Name', value: 'compute-core-e2e' }] })
  const send = async (tags: { name: string; value: string }[], data = '') => {
    await ao.message({ process: pid, signer, tags, data })
    sent++
  }
  const evalLua = (code: string) => send([{ name: 'Action', value: 'Eval' }], code)
  await evalLua(TOKEN)
  for (const expr of ['1 + 41', '"a" .. "b"', 'Balances[ao.id] == nil']) await evalLua(expr)
  for (let i = 0; i < 20; i++) {
    const recipient = `recipient-${String(i % 4).padStart(2, '0')}`.padEnd(43, 'x')
    await send([{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: recipient }, { name: 'Quantity', value: String(1 + (i % 5)) }])
  }
  await evalLua('error("boom at ' + 'eval")')
  await send([{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: 'r'.repeat(43) }, { name: 'Quantity', value: '99999' }]) // handler error
  await evalLua('Send({ Target = ao.id, Action = "Ping" }); return "sent ping"') // the MU pushes it back: From-Process
  await evalLua('return Pings')
  await evalLua('return require("json").encode(Balances)')
  // Warm the Vite dev server: the first load of the harness and its workers makes Vite optimise
  // newly discovered dependencies and reload the page, which must not happen inside a test.
  const warm = await browser.newPage()
  await openHarness(warm)
  await warm.evaluate((p) => window.compute.open(p), pid)
  await warm.waitForTimeout(4000)
  await warm.close()
})

test.afterAll(async () => {
  await devnet?.stop()
  console.log('compute-core figures:', JSON.stringify(figures))
})

async function openHarness(page: Page, extra: Record<string, string> = {}): Promise<void> {
  page.on('pageerror', (e) => console.log('pageerror:', e.message))
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`console ${m.type()}:`, m.text()) })
  const q = new URLSearchParams({ ...devnet.urls, ...extra })
  await page.goto(`${harnessUrl}/compute.html?${q}`)
  await page.waitForFunction(() => document.title === 'compute harness ready')
}

async function waitSettled(page: Page, state: 'idle' | 'offline', expectHead: number, timeout = 120_000): Promise<void> {
  await page.waitForFunction(([s, head]) => {
    const st = window.compute.status()
    if (st?.state === 'stopped') return true
    return st?.state === s && st.verifiedHead === head && st.evaluatedHead === head
  }, [state, expectHead] as const, { timeout, polling: 200 }).catch(async (e: unknown) => {
    const diag = await page.evaluate(async () => ({
      status: window.compute.status(),
      warnings: window.compute.events().filter((e) => e.type === 'warning'),
      stats: await window.compute.stats().catch((e: unknown) => String(e)),
    }))
    console.log('not settled:', JSON.stringify(diag).slice(0, 3000))
    throw e
  })
  const st = await page.evaluate(() => window.compute.status())
  expect(st, `stopped: ${JSON.stringify(st)}`).toMatchObject({ state, verifiedHead: expectHead, evaluatedHead: expectHead })
}

/** The devnet CU's result for a message, as the reference computed it. */
async function cuResult(id: string): Promise<MessageResult> {
  const res = await fetch(`${devnet.urls.cu}/result/${id}?process-id=${pid}`)
  expect(res.status, `CU /result/${id}`).toBe(200)
  return (await res.json()) as MessageResult
}

const norm = (r: Partial<MessageResult>) => ({
  Output: r.Output ?? '',
  Messages: r.Messages ?? [],
  Spawns: r.Spawns ?? [],
  Error: r.Error === undefined || r.Error === null || r.Error === '' ? null : typeof r.Error === 'string' ? r.Error : JSON.stringify(r.Error),
})

async function expectAllComputedAndEqual(messages: LoggedMessage[], logLength: number): Promise<void> {
  const scheduled = messages.filter((m) => !m.cron)
  expect(scheduled.map((m) => m.nonce)).toEqual([...Array(logLength).keys()].reverse())
  for (const m of scheduled) {
    // computed here; when the node also cross-checks with the devnet CU it may already be agreed.
    // A divergence (or anything below computed) fails.
    expect(['computed', 'agreed'], `nonce ${m.nonce}: ${JSON.stringify(m.verification)}`).toContain(m.verification.level)
    expect(m.result, `nonce ${m.nonce} has a result`).toBeDefined()
    const remote = await cuResult(m.id)
    expect(norm(m.result!), `result of nonce ${m.nonce} (${m.id}) vs the devnet CU`).toEqual(norm(remote))
  }
}

// sent messages + the spawn (nonce 0) + the push the process sent itself
const logLength = () => sent + 2

test('every message is fetched, verified and computed in the browser with the devnet CU\'s results', async ({ page }) => {
  test.setTimeout(180_000)
  await openHarness(page, { pageSize: '10', snapshotEvery: '10' })
  await page.evaluate((p) => window.compute.clear(p), pid)
  const t0 = Date.now()
  await page.evaluate((p) => window.compute.open(p), pid)
  await waitSettled(page, 'idle', logLength() - 1)
  figures.fullSyncMs = Date.now() - t0
  const stats = await page.evaluate(() => window.compute.stats())
  figures.firstOpen = stats
  expect(stats.mode).toBe('online')
  expect(stats.skippedPushes).toBe(0)
  const messages = await page.evaluate(() => window.compute.allMessages())
  await expectAllComputedAndEqual(messages, logLength())

  // the push carries From-Process = the process itself
  const ping = messages.find((m) => m.tags.some((t) => t.name === 'Action' && t.value === 'Ping'))
  expect(ping?.from).toBe(pid)
  const outputs = messages.map((m) => JSON.stringify(m.result?.Output)).reverse()
  expect(outputs.some((o) => o.includes('ping 1 from')), `the push was evaluated: ${outputs.join('\n')}`).toBe(true)
  // the error rolled back and is reported
  expect(messages.filter((m) => m.result?.Error).length).toBeGreaterThanOrEqual(2)

  // CU-shaped paging over results (errored evaluations left out, like the CU's /results)
  const page1 = await page.evaluate(() => window.compute.results({ limit: 5, sort: 'ASC' }))
  expect(page1.edges).toHaveLength(5)
  expect(page1.hasNextPage).toBe(true)

  // dry-run: read-only, state not advanced
  const dry = await page.evaluate(() => window.compute.dryRun({ tags: [{ name: 'Action', value: 'Eval' }], data: 'Pings = 100; return Pings' }))
  expect(String((dry.Output as { data?: unknown }).data)).toBe('100')
  const after = await page.evaluate(() => window.compute.dryRun({ tags: [{ name: 'Action', value: 'Eval' }], data: 'return Pings' }))
  expect(String((after.Output as { data?: unknown }).data)).toBe('1')

  const counts = await page.evaluate(() => window.compute.eventCounts())
  expect(counts.message).toBeGreaterThanOrEqual(logLength())
  const longTasks = await page.evaluate(() => window.compute.longTasks())
  figures.longTasksFirstOpen = longTasks
  await page.evaluate(() => window.compute.close())
})

test('a reload mid-sync resumes from a snapshot with no result lost or duplicated', async ({ page }) => {
  test.setTimeout(180_000)
  await openHarness(page, { pageSize: '4', snapshotEvery: '4' })
  await page.evaluate((p) => window.compute.clear(p), pid)
  await page.evaluate((p) => window.compute.open(p), pid)
  await page.waitForFunction(() => window.compute.events().filter((e) => e.type === 'message').length >= 6, undefined, { timeout: 120_000, polling: 50 })
  const before = await page.evaluate(() => window.compute.stats())
  figures.warningsBeforeReload = await page.evaluate(() => window.compute.events().filter((e) => e.type === 'warning'))
  expect(before.evaluated).toBeLessThan(logLength())
  await page.reload()
  await page.waitForFunction(() => document.title === 'compute harness ready')
  const t0 = Date.now()
  await page.evaluate((p) => window.compute.open(p), pid)
  await waitSettled(page, 'idle', logLength() - 1)
  const stats = await page.evaluate(() => window.compute.stats())
  const warnings = await page.evaluate(() => window.compute.events().filter((e) => e.type === 'warning'))
  figures.resumeAfterReload = { ...stats, settleMs: Date.now() - t0, evaluatedBeforeReload: before.evaluated, snapshotsBeforeReload: before.snapshotsWritten, warnings }
  expect(stats.restoredAt, 'resumed from a snapshot').not.toBeNull()
  expect(stats.replayMismatches).toBe(0)
  const messages = await page.evaluate(() => window.compute.allMessages())
  const ids = messages.map((m) => m.id)
  expect(new Set(ids).size).toBe(ids.length)
  await expectAllComputedAndEqual(messages, logLength())
  await page.evaluate(() => window.compute.close())
})

test('with the network cut, the cached process re-verifies from IndexedDB and says offline', async ({ page, context }) => {
  test.setTimeout(180_000)
  await openHarness(page)
  // fill this browser context's IndexedDB online first (each test has a fresh context)
  await page.evaluate((p) => window.compute.open(p), pid)
  await waitSettled(page, 'idle', logLength() - 1)
  await page.evaluate(() => window.compute.close())
  // the page's scripts and spare workers are loaded; now cut the network
  await context.setOffline(true)
  try {
    const t0 = Date.now()
    await page.evaluate((p) => window.compute.open(p), pid)
    await waitSettled(page, 'offline', logLength() - 1)
    const stats = await page.evaluate(() => window.compute.stats())
    figures.offlineOpen = { ...stats, settleMs: Date.now() - t0 }
    expect(stats.mode).toBe('offline')
    expect(stats.verified, 'every stored entry re-verified').toBe(logLength())
    expect(stats.restoredAt, 'opened from a snapshot').not.toBeNull()
    const statuses = await page.evaluate(() => window.compute.events().filter((e) => e.type === 'status').map((e) => (e as { status: { state: string } }).status.state))
    expect(statuses).toContain('offline')
    const messages = await page.evaluate(() => window.compute.allMessages())
    // computed (or agreed, kept from the online cross-check); never diverged or below computed
    for (const m of messages.filter((m) => !m.cron)) expect(['computed', 'agreed'], `nonce ${m.nonce}`).toContain(m.verification.level)
    const dry = await page.evaluate(() => window.compute.dryRun({ tags: [{ name: 'Action', value: 'Eval' }], data: 'return Pings' }))
    expect(String((dry.Output as { data?: unknown }).data)).toBe('1')
  } finally {
    await context.setOffline(false)
  }
  await page.evaluate(() => window.compute.close())
})
