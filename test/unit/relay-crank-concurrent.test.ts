/**
 * The app cranks a pushed hop from two sources at once: its own evaluation of the target (when the
 * tab has it open: src/node/client.ts feeds pushed ids back into what it cranks) and the relay's
 * recursion from the CU's result. Against the real devnet (its own crank switched off, as in
 * relay-cascade.test.ts): two cranks of the same result started together, each walking on through
 * the hops, put every hop in its target's SU log exactly once.
 */
import { describe, expect, it } from 'vitest'
import { crankHereRig, openTab } from './relay-devnet-harness'

const BASE_PORT = 14300

describe('crank here: the same hop cranked from two sources at once', () => {
  const tab = crankHereRig(BASE_PORT) // the network's MU pushes nothing in this file

  it('A → B → C cranked twice concurrently: each hop pushed once', async () => {
    const A = await tab.ops.spawn()
    const B = await tab.ops.spawn()
    const C = await tab.ops.spawn()
    expect(await tab.ops.evalOn(A, `Handlers.add("start", Handlers.utils.hasMatchingTag("Action", "Start"), function (m) Send({ Target = "${B}", Action = "Hop" }) end)
      return "A ready"`)).toContain('A ready')
    expect(await tab.ops.evalOn(B, `Handlers.add("hop", Handlers.utils.hasMatchingTag("Action", "Hop"), function (m) Send({ Target = "${C}", Action = "Hop2" }) end)
      return "B ready"`)).toContain('B ready')

    const start = await tab.ops.send(A, [{ name: 'Action', value: 'Start' }])
    const result = await tab.ops.cu.result(start, A)
    const [one, two] = await Promise.all([tab.relay.crankResult(result, tab.ops.origin(A, start)), tab.relay.crankResult(result, tab.ops.origin(A, start))])
    expect([...one!.errors, ...two!.errors]).toEqual([])
    // Between them: two pushes (A→B, B→C); the other crank found each already pushed.
    expect(one!.pushed.length + two!.pushed.length).toBe(2)
    expect(one!.alreadyPushed + two!.alreadyPushed).toBe(2)
    expect((await tab.ops.pushesIn(B)).map((p) => p.action)).toEqual(['Hop'])
    expect((await tab.ops.pushesIn(C)).map((p) => p.action)).toEqual(['Hop2'])
  }, 120_000)
})
