/**
 * Tamper suite, verification layer (Node side of the Playwright run, no page): a real aos log from
 * a devnet, served by our own SU (test/e2e/support/tamper-su.ts) with one fault at a time. Through
 * the same code path the compute worker uses (SuClient.streamSchedule + LogChecker, and the
 * module-bytes check of src/compute/module-verify.ts through a gateway), each fault must stop at
 * the right nonce with its specific code and message, and everything before it stays verified.
 */
import { test, expect } from '@playwright/test'
import type { Devnet } from '../devnet/devnet'
import { startTamperRig, type TamperRig } from './support/tamper-rig'
import {
  withFault, nonceOf, EXPECTED_CODE, LOG_FAULTS,
  type CapturedLog, type RunningServer,
} from './support/tamper-su'
import { SuClient } from '../../src/protocol/su-client'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { HttpClient } from '../../src/protocol/http'
import { Locator } from '../../src/protocol/locate'
import { LogChecker } from '../../src/protocol/log-check'
import { ProtocolError } from '../../src/protocol/errors'
import { tagValue } from '../../src/protocol/wire-types'
import { verifyModuleBytes } from '../../src/compute/module-verify'

const DEVNET_PORT = 17100
/** The faulty nonce: mid-log, with verified edges before it and edges after it. */
const K = 6

test.describe.configure({ mode: 'serial' })

let devnet: Devnet
let log: CapturedLog
let su: RunningServer
let gateway: RunningServer
const http = new HttpClient({ timeoutMs: 10_000, retry: { retries: 0 } })

let rig: TamperRig

test.beforeAll(async () => {
  test.setTimeout(180_000)
  rig = await startTamperRig(DEVNET_PORT)
  ;({ devnet, log, su, gateway } = rig)
})

test.afterAll(async () => {
  await rig?.close()
})

async function verifyServed(): Promise<{ verified: number[]; failure?: ProtocolError; state: number }> {
  const client = new SuClient(su.url, http)
  const proc = await client.getProcess(log.processId)
  const checker = new LogChecker({ processId: log.processId, scheduler: { address: tagValue(proc.tags, 'Scheduler')! } })
  const verified: number[] = []
  for await (const page of client.streamSchedule(log.processId, { pageSize: 1000 })) {
    const r = await checker.checkPage(page.edges)
    verified.push(...r.verified.map((v) => v.nonce))
    if (r.failure) return { verified, failure: r.failure, state: checker.state.nonce }
  }
  return { verified, state: checker.state.nonce }
}

test('the untouched log served by our SU verifies end to end (and the gateway proxy points at it)', async () => {
  expect(log.edges.length).toBeGreaterThan(K + 2)
  rig.serve(log.edges)
  const r = await verifyServed()
  expect(r.failure).toBeUndefined()
  expect(r.verified).toEqual(log.edges.map(nonceOf))
  const loc = await new Locator({ gateway: new GatewayClient(gateway.url, http), http }).locate(log.processId)
  expect(loc.url).toBe(su.url)
})

for (const fault of LOG_FAULTS) {
  // A duplicate's first copy is the genuine edge K: it verifies, the repeat is refused.
  const through = fault === 'duplicate' ? K : K - 1
  test(`${fault}: stops at nonce ${K} with ${EXPECTED_CODE[fault]}, nonces 0..${through} stay verified`, async () => {
    rig.serve(await withFault(log, fault, K))
    const r = await verifyServed()
    expect(r.failure, `no failure detected for ${fault}`).toBeInstanceOf(ProtocolError)
    expect(r.failure!.code).toBe(EXPECTED_CODE[fault])
    expect(r.failure!.details.nonce).toBe(K)
    expect(r.failure!.message).toContain(`nonce ${K}`)
    expect(r.failure!.message).toContain(log.processId)
    expect(r.verified).toEqual([...Array(through + 1).keys()])
    expect(r.state).toBe(through)
    test.info().annotations.push({ type: fault, description: r.failure!.message })
  })
}

test('module bytes changed by the gateway: module/tampered names the module; the real bytes pass', async () => {
  const gw = new GatewayClient(gateway.url, http)
  const meta = await gw.transaction(devnet.moduleIds.aos64)
  expect(meta).toBeDefined()
  rig.alterModule(false)
  await verifyModuleBytes(meta!, await gw.getRaw(devnet.moduleIds.aos64))
  rig.alterModule(true)
  try {
    const bytes = await gw.getRaw(devnet.moduleIds.aos64)
    const e = await verifyModuleBytes(meta!, bytes).then(() => undefined, (x: unknown) => x as { code?: string; message: string })
    expect(e?.code).toBe('module/tampered')
    expect(e?.message).toContain(devnet.moduleIds.aos64)
    test.info().annotations.push({ type: 'module-bytes', description: e!.message })
  } finally {
    rig.alterModule(false)
  }
})
