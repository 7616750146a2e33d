/**
 * Issue 4's browser proof of the compute unit, against the local ao network (test/devnet):
 * a real aos process with a 5-second cron gets 300 messages from the test wallets (Evals, a token
 * with mints and transfers, overdrafts and Eval errors, pushes the process sends itself). The
 * harness page (test/e2e/harness/proof.ts) opens it through the real node client and the shipped
 * compute worker wiring (src/compute/verifying-worker-api.ts; harness/proof-compute.worker.ts only
 * records the cross-check outcomes):
 * 1. clean run: every message fetched, verified and computed; our crons equal the devnet CU's
 *    `/cron` results;
 * 2. every result (crons included) equals the reference ao-loader run in Node on the same log;
 * 3. crash/resume: the compute worker killed mid-evaluation and the page reloaded mid-sync; the
 *    final results equal the clean run's, with nothing lost or duplicated;
 * 4. offline: the cached process re-verifies from IndexedDB end to end and says `offline`;
 * 5. every message cross-checked `agreed` with the devnet CU, and shown `agreed` by the node.
 * Main-thread long tasks (PerformanceObserver 'longtask') during the clean sync are recorded.
 */
import { test, expect, type Page } from '@playwright/test'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { fillProcess, loadReplaySource, readLog } from './support/proof-log'
import { harnessUrl } from './env'
import type { ProofHarness } from './harness/proof'
import type { LoggedMessage, MessageResult, ProcessEvent } from '../../src/node/contract'
import type { RecordedCheck } from './harness/proof-compute.worker'
import { addressOf } from './support/proof-log'
import { restoreDateNow } from '../devnet/clock'
import { ReferenceRunner } from '../fixtures/runtime-logs/reference-runner'
import { cronSourceFor } from '../../src/compute/cron'
import { boundaryOf } from '../../src/compute/evaluator'
import { mapEdge } from '../../src/protocol/message-mapping'
import { type AoMessage } from '../../src/wasm/index'

declare global {
  interface Window { proof: ProofHarness }
}

const BASE_PORT = 18000
const SENT = 300
const CRON = [{ name: 'Cron-Interval', value: '5-seconds' }, { name: 'Cron-Tag-Action', value: 'Tick' }]
test.describe.configure({ mode: 'serial' })

let devnet: Devnet
let pid = ''
/** SU log length (the spawn, the sent messages and the pushes the process sent itself). */
let logLength = 0
/** The clean run's results: scheduled ones by nonce, crons in evaluation order. */
let clean: { scheduled: Map<number, string>; crons: string[] } | undefined
const figures: Record<string, unknown> = {}

test.beforeAll(async () => {
  test.setTimeout(300_000)
  devnet = await startDevnet({ basePort: BASE_PORT })
  const t0 = Date.now()
  const filled = await fillProcess(devnet, { messages: SENT, extraTags: CRON })
  pid = filled.processId
  logLength = (await readLog(devnet.urls.su, pid)).length
  figures.fill = { sent: filled.sent.length, logLength, ms: Date.now() - t0 }
})

test.afterAll(async () => {
  await devnet?.stop()
  console.log('compute-proof figures:', JSON.stringify(figures))
})

async function openHarness(page: Page, params: Record<string, string> = {}): Promise<void> {
  page.on('pageerror', (e) => console.log('pageerror:', e.message))
  // Others edit src/ while this runs: the dev server's HMR socket would reload the page (and lose
  // its state) on every save. The page keeps a socket that never hears from the server instead.
  await page.routeWebSocket(() => true, () => undefined)
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) console.log('navigated:', f.url().slice(0, 80)) })
  const q = new URLSearchParams({ gateway: devnet.urls.gateway, su: devnet.urls.su, mu: devnet.urls.mu, cu: devnet.urls.cu, ...params })
  await page.goto(`${harnessUrl}/proof.html?${q}`)
  await page.waitForFunction(() => document.title === 'proof harness ready')
}

async function waitSettled(page: Page, state: 'idle' | 'offline', timeout = 150_000): Promise<void> {
  const head = logLength - 1
  await page.waitForFunction(([s, h]) => {
    const st = window.proof.status()
    if (st?.state === 'stopped') return true
    return st?.state === s && st.verifiedHead === h && st.evaluatedHead === h
  }, [state, head] as const, { timeout, polling: 250 }).catch(async (e: unknown) => {
    const diag = await page.evaluate(async () => ({ status: window.proof.status(), warnings: window.proof.events().filter((e) => e.type === 'warning').slice(-5) }))
    console.log('not settled:', JSON.stringify(diag).slice(0, 3000))
    throw e
  })
  expect(await page.evaluate(() => window.proof.status())).toEqual({ state, verifiedHead: head, evaluatedHead: head })
}

/** Polls the compute worker's recorded cross-checks (waitForFunction does not await async predicates). */
async function untilChecked(page: Page, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const count = await page.evaluate(async () => (await window.proof.checks()).length)
    if (count >= n) return
    if (Date.now() > deadline) throw new Error(`only ${count} of ${n} messages cross-checked within ${timeoutMs} ms`)
    await page.waitForTimeout(500)
  }
}

/** The result fields a CU reports, in one canonical text (what "equal" means below). */
const resultText = (r: Partial<MessageResult> | undefined): string => JSON.stringify({
  Output: r?.Output ?? '',
  Messages: r?.Messages ?? [],
  Spawns: r?.Spawns ?? [],
  Assignments: r?.Assignments ?? [],
  Error: r?.Error === undefined || r.Error === null || r.Error === '' ? null : typeof r.Error === 'string' ? r.Error : JSON.stringify(r.Error),
})

function resultsOf(messages: LoggedMessage[]): { scheduled: Map<number, string>; crons: string[] } {
  const scheduled = new Map<number, string>()
  for (const m of messages) if (!m.cron && m.nonce !== null) scheduled.set(m.nonce, resultText(m.result))
  // allMessages is newest first; crons come after their nonce's message, in evaluation order.
  // Only crons between messages: those after the last message run while idle, up to the SU's
  // clock at the time of each run, so their count depends on when a run happens.
  const lastTs = Math.max(...messages.filter((m) => !m.cron).map((m) => m.timestamp))
  const crons = messages.filter((m) => m.cron && m.timestamp < lastTs).reverse().map((m) => resultText(m.result))
  return { scheduled, crons }
}

/**
 * The reference: @permaweb/ao-loader driven the reference CU's way (test/fixtures/runtime-logs/
 * reference-runner.ts: one hot instance, a fresh one with the previous memory after an Error),
 * over the SU log mapped the reference way, with the cron messages between scheduled messages
 * generated as the reference CU does (src/compute/cron.ts, itself checked against the devnet's
 * /cron above). Runs in this (Playwright) process: ao-loader's global clock/log/random swaps are
 * undone after every call.
 */
async function referenceFold(d: Devnet, processId: string): Promise<{ scheduled: Map<number, string>; crons: string[]; ms: number }> {
  const edges = await readLog(d.urls.su, processId)
  const { proc, bytes, options: opts, env } = await loadReplaySource(d.urls.gateway, d.urls.su, processId)
  const cron = cronSourceFor({ processId, ownerAddress: proc.owner.address, tags: proc.tags, origin: { timestamp: proc.timestamp, blockHeight: Number(proc.block) } })
  const host = { log: console.log, random: Math.random }
  const runner = await ReferenceRunner.create(bytes, opts.format as never)
  const call = async (msg: AoMessage): Promise<string> => {
    try {
      const o = await runner.handle(structuredClone(msg), env)
      return resultText((o.result ?? { Output: "", Error: o.thrown ?? "thrown" }) as Partial<MessageResult>)
    } finally {
      restoreDateNow()
      console.log = host.log
      Math.random = host.random
    }
  }
  const scheduled = new Map<number, string>()
  const crons: string[] = []
  let prev: ReturnType<typeof boundaryOf> | undefined
  const t0 = performance.now()
  for (const edge of edges) {
    const { message } = mapEdge(edge, addressOf)
    const nonce = Number(message.Nonce)
    if (prev && cron) for (const c of await cron.between(prev, boundaryOf({ ...message, Nonce: nonce }))) crons.push(await call(c as unknown as AoMessage))
    scheduled.set(nonce, await call(message as unknown as AoMessage))
    prev = boundaryOf(message)
  }
  return { scheduled, crons, ms: performance.now() - t0 }
}

function expectEqualToClean(messages: LoggedMessage[], what: string): void {
  const ids = messages.map((m) => m.id)
  expect(new Set(ids).size, `${what}: no duplicated entry`).toBe(ids.length)
  const got = resultsOf(messages)
  expect(got.scheduled.size, `${what}: every nonce has a result`).toBe(logLength)
  for (const [nonce, text] of clean!.scheduled) expect(got.scheduled.get(nonce), `${what}: nonce ${nonce}`).toBe(text)
  expect(got.crons, `${what}: cron results`).toEqual(clean!.crons)
}

/** What the clean run saw, once every cross-check had answered (assertions are split below). */
let run: { messages: LoggedMessage[]; events: ProcessEvent[]; checks: RecordedCheck[] } | undefined

test('clean run: 300 messages fetched, verified and computed in the tab; crons equal the devnet CU\'s /cron', async ({ page }) => {
  test.setTimeout(170_000)
  expect(logLength).toBeGreaterThan(SENT)
  await openHarness(page)
  await page.evaluate((p) => window.proof.clear(p), pid)
  await page.evaluate(() => window.proof.resetLongTasks())
  const t0 = Date.now()
  await page.evaluate((p) => window.proof.open(p), pid)
  await waitSettled(page, 'idle')
  const syncMs = Date.now() - t0
  const longTasks = await page.evaluate(() => window.proof.longTasks())
  const stats = await page.evaluate(() => window.proof.stats())
  figures.clean = { syncMs, stats, longTasks: { count: longTasks.length, maxMs: Math.max(0, ...longTasks.map((t) => t.duration)) } }
  expect(stats.mode).toBe('online')
  expect(stats.skippedPushes).toBe(0)

  // every scheduled message is cross-checked in the tab (/result per message); wait for all
  await untilChecked(page, logLength, 90_000)
  // The last checks' events and store writes: until every message's latest event is agreed (at
  // most 15 s: one that never is, the cross-check test below names).
  await page.waitForFunction((n) => {
    const level = new Map<string, string>()
    for (const e of window.proof.events()) if (e.type === 'message' && !e.message.cron) level.set(e.message.id, e.message.verification.level)
    return level.size >= n && [...level.values()].every((l) => l === 'agreed')
  }, logLength, { timeout: 15_000, polling: 250 }).catch(() => undefined)
  run = {
    messages: await page.evaluate(() => window.proof.allMessages()),
    events: await page.evaluate(() => window.proof.events()),
    checks: await page.evaluate(() => window.proof.checks()),
  }
  await page.evaluate(() => window.proof.close())

  const scheduled = run.messages.filter((m) => !m.cron)
  expect(scheduled.map((m) => m.nonce)).toEqual([...Array(logLength).keys()].reverse())
  for (const m of scheduled) expect(m.result, `nonce ${m.nonce} computed`).toBeDefined()
  clean = resultsOf(run.messages)
  const errors = scheduled.filter((m) => m.result?.Error)
  const crons = run.messages.filter((m) => m.cron)
  figures.mix = { errors: errors.length, crons: crons.length, pushes: scheduled.filter((m) => m.from === pid).length }
  expect(errors.length, 'Eval errors and overdrafts are in the log').toBeGreaterThanOrEqual(20)
  expect(crons.length, 'crons were evaluated between messages').toBeGreaterThanOrEqual(3)

  // Crons: the same results as the devnet CU's /cron (which skips errored ones), up to our last message.
  const cronRes = await fetch(`${devnet.urls.cu}/cron/${pid}?limit=1000`)
  expect(cronRes.status).toBe(200)
  const lastTs = Math.max(...scheduled.map((m) => m.timestamp))
  const remote = ((await cronRes.json()) as { edges: { cursor: string; node: MessageResult }[] }).edges
    .filter((e) => (JSON.parse(atob(e.cursor)) as { timestamp: number }).timestamp < lastTs)
    .map((e) => resultText(e.node))
  const ours = crons.filter((m) => !m.result?.Error && m.timestamp < lastTs).reverse().map((m) => resultText(m.result))
  expect(ours.length, 'as many crons as the devnet CU').toBe(remote.length)
  expect(ours, 'cron results vs the devnet CU /cron').toEqual(remote)
})

test('our results equal the reference ao-loader run in Node (fresh instance after an Error, as the reference CU) on the same log, crons included', async () => {
  test.setTimeout(170_000)
  expect(clean, 'needs the clean run').toBeDefined()
  const ref = await referenceFold(devnet, pid)
  figures.reference = { evaluations: ref.scheduled.size + ref.crons.length, ms: Math.round(ref.ms) }
  expect(ref.scheduled.size).toBe(logLength)
  const differing = [...ref.scheduled].filter(([n, t]) => clean!.scheduled.get(n) !== t).map(([n]) => n)
  expect(differing, 'nonces whose result differs from the reference').toEqual([])
  expect(clean!.crons, 'cron results vs the reference').toEqual(ref.crons)
})

test('crash/resume: worker killed mid-evaluation, page reloaded mid-sync; final results equal the clean run', async ({ page }) => {
  test.setTimeout(170_000)
  expect(clean, 'needs the clean run').toBeDefined()
  // no cross-check here (the devnet is not the subject); small pages so the sync takes a while
  await openHarness(page, { cu: '', pageSize: '10', snapshotEvery: '40' })
  await page.evaluate((p) => window.proof.open(p), pid)
  // 1. kill the compute worker while it evaluates
  await page.waitForFunction(() => window.proof.events().filter((e) => e.type === 'message').length >= 60, undefined, { timeout: 120_000, polling: 50 })
  const atKill = await page.evaluate(() => window.proof.stats())
  await page.evaluate(() => window.proof.kill())
  expect(atKill.evaluated, 'killed mid-evaluation').toBeLessThan(logLength)
  // 2. reopen in a new worker, then reload the page while it is still syncing
  await page.evaluate((p) => window.proof.open(p), pid)
  await page.waitForFunction(() => window.proof.status()?.state === 'syncing' && window.proof.events().filter((e) => e.type === 'message').length >= 30, undefined, { timeout: 120_000, polling: 50 })
  const atReload = await page.evaluate(() => window.proof.stats())
  expect(atReload.evaluated, 'reloaded mid-sync').toBeLessThan(logLength)
  await page.reload()
  await page.waitForFunction(() => document.title === 'proof harness ready')
  await page.evaluate((p) => window.proof.open(p), pid)
  await waitSettled(page, 'idle')
  const stats = await page.evaluate(() => window.proof.stats())
  figures.crashResume = { atKill: { verified: atKill.verified, evaluated: atKill.evaluated, snapshots: atKill.snapshotsWritten }, atReload: { verified: atReload.verified, evaluated: atReload.evaluated, restoredAt: atReload.restoredAt }, final: stats }
  expect(stats.replayMismatches).toBe(0)
  expectEqualToClean(await page.evaluate(() => window.proof.allMessages()), 'after crash + reload')
  await page.evaluate(() => window.proof.close())
})

test('offline: the cached process re-verifies from IndexedDB end to end and says offline', async ({ page, context }) => {
  test.setTimeout(170_000)
  expect(clean, 'needs the clean run').toBeDefined()
  await openHarness(page, { cu: '' })
  await page.evaluate((p) => window.proof.open(p), pid)
  await waitSettled(page, 'idle')
  await page.evaluate(() => window.proof.close())
  await context.setOffline(true)
  try {
    const t0 = Date.now()
    await page.evaluate((p) => window.proof.open(p), pid)
    await waitSettled(page, 'offline')
    const stats = await page.evaluate(() => window.proof.stats())
    figures.offline = { settleMs: Date.now() - t0, stats }
    expect(stats.mode).toBe('offline')
    expect(stats.verified, 'every stored entry re-verified').toBe(logLength)
    expect(stats.restoredAt, 'state from a snapshot').not.toBeNull()
    const events = await page.evaluate(() => window.proof.events())
    const states = events.filter((e) => e.type === 'status').map((e) => (e as { status: { state: string } }).status.state)
    expect(states).toContain('offline')
    const verify = events.filter((e) => e.type === 'progress' && e.progress.phase === 'verify').map((e) => (e as { progress: { done: number } }).progress.done)
    expect(Math.max(...verify), 'verify progress covers the whole log').toBe(logLength)
    expectEqualToClean(await page.evaluate(() => window.proof.allMessages()), 'offline')
    const dry = await page.evaluate(() => window.proof.dryRun({ tags: [{ name: 'Action', value: 'Eval' }], data: 'return #Inbox' }))
    expect(dry.Error ?? null).toBeNull()
  } finally {
    await context.setOffline(false)
  }
  await page.evaluate(() => window.proof.close())
})

/**
 * Last in the file (serial mode skips what follows a failure). The causes of a non-agreed check are
 * counted in the figures: `lua-function-address` (a CU reusing its instance after an Error, where
 * the reference CU starts a fresh one), `output-empty-vs-absent` (results not compared in the
 * reference CU's mergeOutput shape), anything else.
 */
test('every message is cross-checked agreed with the devnet CU in the tab, and the node shows it agreed', () => {
  expect(run, 'needs the clean run').toBeDefined()
  const checks = run!.checks
  const notAgreed = checks.filter((c) => c.verdict !== 'agreed')
  const cause = (d: string) => (/function: 0x/.test(d) ? 'lua-function-address' : /^Output: local "" remote \(absent\)$/.test(d) ? 'output-empty-vs-absent' : 'other')
  const causes: Record<string, number[]> = {}
  for (const c of notAgreed) (causes[cause(c.detail)] ??= []).push(c.nonce)
  figures.crossCheck = { checks: checks.length, agreed: checks.length - notAgreed.length, causes, other: notAgreed.filter((c) => cause(c.detail) === 'other').slice(0, 3) }
  expect(new Set(checks.map((c) => c.nonce)).size, 'one check per nonce').toBe(logLength)
  expect.soft(notAgreed.map((c) => `nonce ${c.nonce}: ${c.verdict} ${c.detail.slice(0, 300)}`), 'cross-check outcomes other than agreed').toEqual([])

  const divergences = run!.events.filter((e) => e.type === 'divergence')
  expect.soft(divergences.length, 'divergence events').toBe(0)
  const levels = run!.messages.filter((m) => !m.cron).map((m) => `${m.nonce}:${m.verification.level}`)
  expect.soft(levels.filter((l) => !l.endsWith(':agreed')).length, 'messages not shown agreed (of ' + levels.length + ')').toBe(0)
  const eventLevel = new Map<string, string>()
  for (const e of run!.events) if (e.type === 'message' && !e.message.cron) eventLevel.set(e.message.id, e.message.verification.level)
  expect.soft([...eventLevel.values()].filter((l) => l !== 'agreed').length, 'message events not agreed').toBe(0)
})
