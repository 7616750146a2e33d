/**
 * Cross-check of cron evaluations against a CU's `/cron` (they have no id, so `/result` cannot
 * name them). A real aos process on the devnet with `Cron-Interval: 1-second`; our own runtime
 * folds its SU log with the light node's cron generator (src/compute/cron.ts) in Node, and each
 * local cron result is checked against the devnet CU (real aos, reference ao-loader) by its place
 * in the CU's order: timestamp and ordinate (the nonce it follows).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkAgainst, crossCheckerFor, toCheckRecord, type CheckTarget } from '../../src/compute/cross-check'
import { toRecord } from '../../src/compute/check-verdicts'
import { cronSourceFor } from '../../src/compute/cron'
import { boundaryOf } from '../../src/compute/evaluator'
import { toMessageResult } from '../../src/compute/logged-message'
import { cronResultId, parseCronResultId } from '../../src/compute/pipeline-types'
import { CuClient, parseEvaluationCursor } from '../../src/protocol/cu-client'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { mapEdge } from '../../src/protocol/message-mapping'
import { loadAoModule } from '../../src/wasm/index'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { addressOf, loadReplaySource, readLog } from '../e2e/support/proof-log'
import { spawnCronProcess } from '../e2e/support/cron-process'

// Helper 4's ports (13400-13490).
const DEVNET_PORT = 13410

interface LocalCron {
  nonce: number
  index: number
  timestamp: number
  result: ReturnType<typeof toMessageResult>
}

describe('cron results checked against the devnet CU /cron', () => {
  let devnet: Devnet
  let pid = ''
  const crons: LocalCron[] = []

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: DEVNET_PORT })
    pid = (await spawnCronProcess(devnet)).processId

    // Our fold: scheduled messages in nonce order, the crons due between each pair first.
    const { proc, bytes, options, env } = await loadReplaySource(devnet.urls.gateway, devnet.urls.su, pid)
    const source = cronSourceFor({
      processId: pid,
      ownerAddress: proc.owner.address,
      tags: proc.tags,
      origin: { timestamp: proc.timestamp, blockHeight: Number.parseInt(proc.block, 10) },
      gateway: new GatewayClient(devnet.urls.gateway),
    })!
    const inst = await loadAoModule(bytes, options)
    let prev: ReturnType<typeof boundaryOf> | undefined
    for (const edge of await readLog(devnet.urls.su, pid)) {
      const s = mapEdge(edge, addressOf)
      if (prev) {
        let index = 0
        for (const m of await source.between(prev, boundaryOf(s.message))) {
          const result = await inst.handle(m as never, env)
          crons.push({ nonce: prev.nonce, index: ++index, timestamp: m.Timestamp, result: toMessageResult(result) })
        }
      }
      await inst.handle(s.message as never, env)
      prev = boundaryOf(s.message)
    }
  }, 120_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  const targetOf = (c: LocalCron, local = c.result): CheckTarget => ({ processId: pid, messageId: cronResultId(c.nonce, c.index), nonce: c.nonce, cron: { index: c.index, timestamp: c.timestamp }, local })

  it('the CU cursors on /cron carry timestamp, ordinate and cron id', async () => {
    const page = await new CuClient(devnet.urls.cu).cron(pid, { limit: 1000 })
    expect(page.edges.length).toBeGreaterThan(0)
    for (const e of page.edges) expect(parseEvaluationCursor(e.cursor)).toMatchObject({ timestamp: expect.any(Number), ordinate: expect.stringMatching(/^\d+$/), cron: '0-1-second' })
    expect(parseEvaluationCursor('1700000000000')).toEqual({ timestamp: 1700000000000 })
    expect(parseEvaluationCursor('not a cursor')).toBeNull()
  })

  it('every local cron result is agreed; the errored ones are not listed by the CU, never diverged', async () => {
    const ok = crons.filter((c) => c.result.Error === undefined)
    const failed = crons.filter((c) => c.result.Error !== undefined)
    expect(ok.length).toBeGreaterThanOrEqual(2)
    expect(failed.length).toBeGreaterThanOrEqual(1)
    expect(String(failed[0]!.result.Error)).toContain('fails on purpose')
    const cu = new CuClient(devnet.urls.cu)
    for (const c of ok) {
      const o = await checkAgainst(cu, targetOf(c))
      expect([c.nonce, c.index, o.verdict]).toEqual([c.nonce, c.index, 'agreed'])
    }
    for (const c of failed) {
      const o = await checkAgainst(cu, targetOf(c))
      expect(o).toMatchObject({ verdict: 'unavailable', reason: 'not-listed' })
      if (o.verdict === 'unavailable') expect(o.message).toContain(`cron ${c.index} after nonce ${c.nonce} (timestamp ${c.timestamp})`)
    }
  })

  it('a cron result that differs is a divergence naming the field, under its cron id (nonce null)', async () => {
    const c = crons.find((x) => x.result.Error === undefined)!
    const changed = structuredClone(c.result)
    ;(changed.Output as { data: string }).data += ' (tampered)'
    const o = await checkAgainst(new CuClient(devnet.urls.cu), targetOf(c, changed))
    expect(o.verdict).toBe('diverged')
    if (o.verdict !== 'diverged') return
    expect(o.divergences.map((d) => [d.field, d.messageId, d.nonce])).toEqual([['Output.data', cronResultId(c.nonce, c.index), null]])
    expect(o.divergences[0]!.local).toContain('(tampered)')
    expect(parseCronResultId(o.divergences[0]!.messageId)).toEqual({ nonce: c.nonce, cron: c.index })
    // Stored under the cron's own key (nonce it follows, cron index), like a message's check.
    expect(toCheckRecord(o, 1)).toMatchObject({ nonce: c.nonce, cron: c.index, verdict: 'diverged', divergences: [{ field: 'Output.data' }] })
  })

  it('the pipeline checker takes cron requests; records carry the cron index', async () => {
    const c = crons.find((x) => x.result.Error === undefined)!
    const req = { processId: pid, messageId: cronResultId(c.nonce, c.index), nonce: c.nonce, cron: { index: c.index, timestamp: c.timestamp }, result: c.result }
    const [o] = await crossCheckerFor([new CuClient(devnet.urls.cu)]).check(req)
    expect(o).toEqual({ verdict: 'agreed', cu: devnet.urls.cu })
    expect(toRecord(req, o!, 5)).toEqual({ processId: pid, nonce: c.nonce, cron: c.index, remote: devnet.urls.cu, checkedAt: 5, verdict: 'agreed', divergences: [] })
    // A time with no cron of this process (1 ms past a tick) is not listed, never agreed.
    const [none] = await crossCheckerFor([new CuClient(devnet.urls.cu)]).check({ ...req, cron: { index: c.index, timestamp: c.timestamp + 1 } })
    expect(none).toMatchObject({ verdict: 'error', cu: devnet.urls.cu })
  })
})
