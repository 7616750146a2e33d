/**
 * The app cranks a pushed hop from two sources at once: its own evaluation of the target (when the
 * tab has it open: src/node/client.ts feeds pushed ids back into what it cranks) and the relay's
 * recursion from the CU's result. Against the real devnet (its own crank switched off, as in
 * relay-cascade.test.ts): two cranks of the same result started together, each walking on through
 * the hops, put every hop in its target's SU log exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { DevnetCompute } from '../devnet/compute'
import { MemoryQueueStore } from '../../src/relay/memory-queue-store'
import type { RelayService } from '../../src/relay/relay-service'
import { devnetOps, memoryKv, openTab } from './relay-devnet-harness'

const BASE_PORT = 44300

const proto = DevnetCompute.prototype as unknown as { crank: (...a: unknown[]) => Promise<void> }
const devnetCrank = proto.crank
proto.crank = async function () {} // the network's MU pushes nothing in this file

describe('crank here: the same hop cranked from two sources at once', () => {
  let devnet: Devnet
  let relay: RelayService
  const storage = { store: new MemoryQueueStore(), kv: memoryKv() }
  let ops: ReturnType<typeof devnetOps>

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    relay = await openTab(devnet, storage)
    ops = devnetOps(devnet, () => relay)
  }, 60_000)
  afterAll(async () => {
    proto.crank = devnetCrank
    await devnet?.stop()
  })

  it('A → B → C cranked twice concurrently: each hop pushed once', async () => {
    const A = await ops.spawn()
    const B = await ops.spawn()
    const C = await ops.spawn()
    expect(await ops.evalOn(A, `Handlers.add("start", Handlers.utils.hasMatchingTag("Action", "Start"), function (m) Send({ Target = "${B}", Action = "Hop" }) end)
      return "A ready"`)).toContain('A ready')
    expect(await ops.evalOn(B, `Handlers.add("hop", Handlers.utils.hasMatchingTag("Action", "Hop"), function (m) Send({ Target = "${C}", Action = "Hop2" }) end)
      return "B ready"`)).toContain('B ready')

    const start = await ops.send(A, [{ name: 'Action', value: 'Start' }])
    const result = await ops.cu.result(start, A)
    const [one, two] = await Promise.all([relay.crankResult(result, ops.origin(A, start)), relay.crankResult(result, ops.origin(A, start))])
    expect([...one!.errors, ...two!.errors]).toEqual([])
    // Between them: two pushes (A→B, B→C); the other crank found each already pushed.
    expect(one!.pushed.length + two!.pushed.length).toBe(2)
    expect(one!.alreadyPushed + two!.alreadyPushed).toBe(2)
    expect((await ops.pushesIn(B)).map((p) => p.action)).toEqual(['Hop'])
    expect((await ops.pushesIn(C)).map((p) => p.action)).toEqual(['Hop2'])
  }, 120_000)
})
