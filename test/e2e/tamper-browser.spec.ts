/**
 * Tamper suite in the tab: a real aos log from a devnet, re-served by our own SU
 * (test/e2e/support/tamper-su.ts) with one fault at a time, located through a gateway proxy that
 * points the Scheduler-Location at it (and can alter the module bytes). The harness page opens
 * the process through the real node client and compute worker (test/e2e/harness/proof.ts). For
 * each fault: the process status ends `stopped` with `process/verification-failed`, the precise
 * check and message at the right nonce; the messages before it stay verified and computed in
 * IndexedDB (with the untouched log's results) and in the UI events; nothing after it is kept.
 * (The verification layer alone, in Node, is test/e2e/tamper.spec.ts.)
 */
import { test, expect, type Page } from '@playwright/test'
import type { Devnet } from '../devnet/devnet'
import { startTamperRig, type TamperRig } from './support/tamper-rig'
import {
  withFault, EXPECTED_CODE, LOG_FAULTS,
  type CapturedLog, type RunningServer,
} from './support/tamper-su'
import { harnessUrl } from './env'
import type { ProofHarness } from './harness/proof'
import type { MessageResult, NodeErrorInfo } from '../../src/node/contract'

declare global {
  interface Window { proof: ProofHarness }
}

const DEVNET_PORT = 18100
/** The faulty nonce: mid-log, with verified edges before it and edges after it. */
const K = 6

test.describe.configure({ mode: 'serial' })

let devnet: Devnet
let log: CapturedLog
let su: RunningServer
let gateway: RunningServer
/**
 * Results per message id of the untouched log opened in the tab (the first test). The faulty
 * runs' prefixes must equal them. (Equality with a CU is compute-proof.spec.ts's subject.)
 */
const baseline = new Map<string, string>()

const resultText = (r: Partial<MessageResult> | undefined): string => JSON.stringify({
  Output: r?.Output ?? '',
  Messages: r?.Messages ?? [],
  Spawns: r?.Spawns ?? [],
  Error: r?.Error === undefined || r.Error === null || r.Error === '' ? null : typeof r.Error === 'string' ? r.Error : JSON.stringify(r.Error),
})

let rig: TamperRig

test.beforeAll(async () => {
  test.setTimeout(180_000)
  rig = await startTamperRig(DEVNET_PORT)
  ;({ devnet, log, su, gateway } = rig)
})

test.afterAll(async () => {
  await rig?.close()
})

async function openTampered(page: Page, store: string): Promise<void> {
  page.on('pageerror', (e) => console.log('pageerror:', e.message))
  // Others edit src/ while this runs: the dev server's HMR socket would reload the page (and lose
  // its state) on every save. The page keeps a socket that never hears from the server instead.
  await page.routeWebSocket(() => true, () => undefined)
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) console.log('navigated:', f.url().slice(0, 80)) })
  // gateway = the lying proxy; su = the tamper SU as the fallback too; no cross-check
  const q = new URLSearchParams({ gateway: gateway.url, su: su.url, mu: devnet.urls.mu, cu: '', pageSize: '5', store: `aolight-e2e-tamper-${store}` })
  await page.goto(`${harnessUrl}/proof.html?${q}`)
  await page.waitForFunction(() => document.title === 'proof harness ready')
  await page.evaluate((p) => window.proof.open(p), log.processId)
}

/** Waits for `stopped` and for evaluation to reach `evaluated` entries; returns the error. */
async function stoppedWith(page: Page, evaluated: number, opts: { shownAsEvents: boolean }): Promise<NodeErrorInfo> {
  // Polled from here: waitForFunction does not await an async predicate.
  const deadline = Date.now() + 60_000
  for (;;) {
    const st = await page.evaluate(async () => {
      const status = window.proof.status()
      const shown = new Set(window.proof.events().flatMap((e) => (e.type === 'message' ? [e.message.nonce] : []))).size
      return { status, shown, evaluated: status?.state === 'stopped' ? (await window.proof.stats()).evaluated : -1 }
    })
    // events arrive in batches (~100 ms): wait for the UI to have seen every evaluated message too
    if (st.status?.state === 'stopped' && st.evaluated >= evaluated && (!opts.shownAsEvents || st.shown >= evaluated)) return st.status.error
    if (Date.now() > deadline) {
      console.log('not stopped:', JSON.stringify(await page.evaluate(async () => ({
        timeline: window.proof.timedEvents().map((e) => `${e.at.toFixed(0)} ${e.event.type}${e.event.type === 'status' ? ':' + e.event.status.state : e.event.type === 'message' ? ':' + String(e.event.message.nonce) : ''}`),
        stats: await window.proof.stats(),
      }))).slice(0, 4000))
      throw new Error(`not stopped with ${evaluated} evaluated within 60 s: ${JSON.stringify(st)}`)
    }
    await page.waitForTimeout(250)
  }
}

test('the untouched log through the tamper SU and the gateway proxy opens idle, every message computed', async ({ page }) => {
  test.setTimeout(120_000)
  rig.serve(log.edges)
  await openTampered(page, 'untouched')
  const head = log.edges.length - 1
  await page.waitForFunction((h) => {
    const st = window.proof.status()
    return st?.state === 'stopped' || (st?.state === 'idle' && st.evaluatedHead === h)
  }, head, { timeout: 90_000, polling: 250 }).catch(async (e: unknown) => {
    console.log('not idle:', JSON.stringify(await page.evaluate(() => ({ status: window.proof.status(), events: window.proof.events().filter((x) => x.type !== 'message').slice(-8) }))).slice(0, 3000))
    throw e
  })
  expect(await page.evaluate(() => window.proof.status())).toEqual({ state: 'idle', verifiedHead: head, evaluatedHead: head })
  const summary = await page.evaluate(() => window.proof.events().filter((e) => e.type === 'summary').pop())
  expect(summary?.type === 'summary' && summary.summary.schedulerUrl).toBe(su.url)
  const messages = await page.evaluate(() => window.proof.allMessages())
  expect(messages.map((m) => m.nonce)).toEqual([...Array(head + 1).keys()].reverse())
  for (const m of messages) {
    expect(m.verification, `nonce ${m.nonce}`).toEqual({ level: 'computed' })
    baseline.set(m.id, resultText(m.result))
  }
  await page.evaluate(() => window.proof.close())
})

for (const fault of LOG_FAULTS) {
  // A duplicate's first copy is the genuine edge K: it verifies, the repeat is refused.
  const through = fault === 'duplicate' ? K : K - 1
  test(`${fault}: stopped at nonce ${K} with ${EXPECTED_CODE[fault]}; nonces 0..${through} stay verified and computed`, async ({ page }) => {
    test.setTimeout(90_000)
    rig.serve(await withFault(log, fault, K))
    await openTampered(page, fault)
    const error = await stoppedWith(page, through + 1, { shownAsEvents: true })
    test.info().annotations.push({ type: fault, description: error.message })
    expect(error.code).toBe('process/verification-failed')
    expect(error.details.check).toBe(EXPECTED_CODE[fault])
    expect(error.details.nonce).toBe(K)
    expect(error.message).toContain(`nonce ${K}`)
    expect(error.message).toContain(log.processId)

    const stats = await page.evaluate(() => window.proof.stats())
    expect(stats.verified, 'verified prefix').toBe(through + 1)
    expect(stats.evaluated, 'computed prefix').toBe(through + 1)
    expect(stats.restoredAt, 'a fresh store: everything computed in this open').toBeNull()
    // IndexedDB: exactly the verified prefix, each computed with the untouched log's result
    const messages = await page.evaluate(() => window.proof.allMessages())
    expect(messages.map((m) => m.nonce)).toEqual([...Array(through + 1).keys()].reverse())
    for (const m of messages) {
      expect(m.verification, `nonce ${m.nonce}`).toEqual({ level: 'computed' })
      expect(resultText(m.result), `nonce ${m.nonce}: the same result as the untouched log's`).toBe(baseline.get(m.id))
    }
    // UI events: the same prefix, computed; the faulty entry never shows up as a message
    const events = await page.evaluate(() => window.proof.events())
    const shown = new Map<number, string>()
    for (const e of events) if (e.type === 'message' && e.message.nonce !== null) shown.set(e.message.nonce, e.message.verification.level)
    expect([...shown.keys()].sort((a, b) => a - b)).toEqual([...Array(through + 1).keys()])
    expect([...shown.values()].every((l) => l === 'computed')).toBe(true)
    const lastSummary = events.filter((e) => e.type === 'summary').pop()
    expect(lastSummary?.type === 'summary' && lastSummary.summary.messageCount).toBe(through + 1)
    // The kept state is usable: a dry-run on it answers
    const dry = await page.evaluate(() => window.proof.dryRun({ tags: [{ name: 'Action', value: 'Eval' }], data: 'return 6 * 7' }))
    expect(JSON.stringify(dry.Output)).toContain('42')

    // Reopening with the fault still served: stops at the same nonce, the stored prefix stays.
    await page.evaluate(() => window.proof.close())
    await page.evaluate((p) => window.proof.open(p), log.processId)
    const again = await stoppedWith(page, through + 1, { shownAsEvents: false })
    // Resuming pages from the stored head (from-nonce ${through}) can meet the fault at the page
    // boundary, where the SU client's paging check reports it before the log checker
    // (su/bad-page: "expected to start at nonce <stored head + 1>, starts at …").
    test.info().annotations.push({ type: `${fault} on reopen`, description: again.message })
    expect(again.code).toBe('process/verification-failed')
    if (again.details.check === 'su/bad-page') expect(again.message).toContain(`expected to start at nonce ${through + 1}`)
    else expect({ check: again.details.check, nonce: again.details.nonce }).toEqual({ check: EXPECTED_CODE[fault], nonce: K })
    expect((await page.evaluate(() => window.proof.allMessages())).length).toBe(through + 1)
    const reopened = await page.evaluate(() => window.proof.stats())
    expect(reopened.evaluated, 'the computed prefix is kept across opens').toBe(through + 1)
    await page.evaluate(() => window.proof.close())
  })
}

test('module bytes changed by the gateway: stopped with module/tampered naming the module, nothing evaluated', async ({ page }) => {
  test.setTimeout(90_000)
  rig.serve(log.edges)
  rig.alterModule(true)
  try {
    await openTampered(page, 'module-bytes')
    const error = await stoppedWith(page, 0, { shownAsEvents: false })
    test.info().annotations.push({ type: 'module-bytes', description: error.message })
    expect(error.code).toBe('process/verification-failed')
    expect(error.details.check).toBe('module/tampered')
    expect(error.message).toContain(devnet.moduleIds.aos64)
    const evaluated = await page.evaluate(() => window.proof.events().filter((e) => e.type === 'message').length)
    expect(evaluated).toBe(0)
  } finally {
    rig.alterModule(false)
  }
})
