/**
 * "Crank here" recursion against the real devnet (real aos Wasm, real signatures): the tab's relay
 * pushes A's outbox to B, asks for the result of that push, pushes B's outbox to C, and C's back to
 * A. Every hop lands exactly once in its target's SU log, signed by the tab's relay key, with
 * `From-Process` the sender and `Pushed-For` the id of the message that started the cascade (as the
 * reference MU's build-tx.js carries `initialTxId`). A second crank, and a crank cut short after the
 * first hop, push nothing twice.
 *
 * The devnet's SU and MU crank every item they schedule, before answering; a real SU never cranks.
 * Here the network leaves cranking to us: the devnet's crank is switched off for this file (a
 * prototype patch on DevnetCompute's private `crank`, test-only; asked for as a devnet option),
 * so the only pushes are the tab's.
 */
import { describe, expect, it } from 'vitest'
import { crankHereRig, openTab } from './relay-devnet-harness'

const BASE_PORT = 13500

describe('crank here: recursion through pushed messages', () => {
  const tab = crankHereRig(BASE_PORT) // the network's MU pushes nothing in this file

  it('A → B → C → A: each hop pushed once by the tab, From-Process the sender, Pushed-For the origin', async () => {
    const A = await tab.ops.spawn()
    const B = await tab.ops.spawn()
    const C = await tab.ops.spawn()
    expect(await tab.ops.evalOn(A, `
      Backs = 0
      Handlers.add("start", Handlers.utils.hasMatchingTag("Action", "Start"), function (m) Send({ Target = "${B}", Action = "Hop", Data = "from A" }) end)
      Handlers.add("back", Handlers.utils.hasMatchingTag("Action", "Back"), function (m) Backs = Backs + 1; BackFrom = m.From end)
      return "A ready"`)).toContain('A ready')
    expect(await tab.ops.evalOn(B, `
      Handlers.add("hop", Handlers.utils.hasMatchingTag("Action", "Hop"), function (m) Send({ Target = "${C}", Action = "Hop2", Data = m.Data .. ", B" }) end)
      return "B ready"`)).toContain('B ready')
    expect(await tab.ops.evalOn(C, `
      Handlers.add("hop2", Handlers.utils.hasMatchingTag("Action", "Hop2"), function (m) Send({ Target = "${A}", Action = "Back", Data = m.Data .. ", C" }) end)
      return "C ready"`)).toContain('C ready')

    const start = await tab.ops.send(A, [{ name: 'Action', value: 'Start' }])
    const result = await tab.ops.cu.result(start, A)
    expect(result.Messages).toHaveLength(1)
    expect(await tab.ops.pushesIn(B)).toEqual([]) // nobody cranked yet

    const report = (await tab.relay.crankResult(result, tab.ops.origin(A, start)))!
    expect(report.errors).toEqual([])
    expect(report.pushed.map((p) => [p.target, p.depth])).toEqual([[B, 0], [C, 1], [A, 2]])
    const me = tab.relay.relayKey.address
    expect(await tab.ops.pushesIn(B)).toEqual([{ id: report.pushed[0]!.id, owner: me, from: A, action: 'Hop', pushedFor: start, count: null }])
    expect(await tab.ops.pushesIn(C)).toEqual([{ id: report.pushed[1]!.id, owner: me, from: B, action: 'Hop2', pushedFor: start, count: null }])
    expect(await tab.ops.pushesIn(A)).toEqual([{ id: report.pushed[2]!.id, owner: me, from: C, action: 'Back', pushedFor: start, count: null }])
    // A evaluated the last hop: it trusted the relay key (Authority) and counted one Back from C.
    expect(await tab.ops.evalOn(A, 'return tostring(Backs) .. " from " .. BackFrom')).toContain(`1 from ${C}`)

    // Cranked again (the tab evaluated the message again, or another view asked): nothing new.
    const again = (await tab.relay.crankResult(result, tab.ops.origin(A, start)))!
    expect(again.pushed).toEqual([])
    expect(again.alreadyPushed).toBe(3)
    expect(again.errors).toEqual([])
    for (const pid of [A, B, C]) expect(await tab.ops.pushesIn(pid)).toHaveLength(1)
  }, 120_000)

  it('a crank cut short after the first hop (the tab closed) finishes the cascade after a reload, nothing twice', async () => {
    const A = await tab.ops.spawn()
    const B = await tab.ops.spawn()
    const C = await tab.ops.spawn()
    await tab.ops.evalOn(A, `Handlers.add("start", Handlers.utils.hasMatchingTag("Action", "Start"), function (m) Send({ Target = "${B}", Action = "Hop" }) end)`)
    await tab.ops.evalOn(B, `Handlers.add("hop", Handlers.utils.hasMatchingTag("Action", "Hop"), function (m) Send({ Target = "${C}", Action = "Hop2" }) end)`)
    const start = await tab.ops.send(A, [{ name: 'Action', value: 'Start' }])
    const result = await tab.ops.cu.result(start, A)

    // The first tab pushes hop 1 and goes away before asking for B's result.
    const cutShort = await openTab(tab.devnet, tab.storage, { cu: null })
    const first = (await cutShort.crankResult(result, tab.ops.origin(A, start)))!
    expect(first.pushed.map((p) => p.target)).toEqual([B])
    expect(await tab.ops.pushesIn(C)).toEqual([])

    // Reloaded (same storage): hop 1 is known, the walk goes on through it and pushes hop 2 once.
    tab.relay = await openTab(tab.devnet, tab.storage)
    const resumed = (await tab.relay.crankResult(result, tab.ops.origin(A, start)))!
    expect(resumed.errors).toEqual([])
    expect(resumed.alreadyPushed).toBe(1)
    expect(resumed.pushed.map((p) => [p.target, p.depth])).toEqual([[C, 1]])
    expect(await tab.ops.pushesIn(B)).toHaveLength(1)
    expect((await tab.ops.pushesIn(C)).map((p) => [p.from, p.pushedFor])).toEqual([[B, start]])
  }, 120_000)
})
