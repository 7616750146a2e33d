/**
 * The devnet MU pushes outbox messages with the reference tag order (build-tx.js), and the devnet
 * SU refuses a repeat push by the reference SU's deep hash (su core/bytes.rs `deep_hash`: owner
 * blanked, signature type "1", tags in item order without `Pushed-For`). So the light node's
 * crank (src/relay/crank.ts), pushing an outbox the devnet MU already pushed, is refused as a
 * duplicate instead of double-delivering; and the check is order-sensitive, as the SU's is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { ArweaveSigner, createData } from 'arbundles'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { sendMessage, spawnProcess } from '../devnet/ao-http'
import { pushDeepHash } from '../devnet/push-deep-hash'
import { planCrank, type OutboxResult } from '../../src/relay/crank'
import { KeySigner } from '../../src/relay/signer'
import { Ed25519Signer } from '../../src/protocol/signing'
import type { ItemInput } from '../../src/protocol/ans104'

const BASE_PORT = 19020

interface Tag {
  name: string
  value: string
}
interface SuMessage {
  id: string
  tags: Tag[]
  target: string
  anchor: string | null
  data: string
}

const tagOf = (tags: Tag[], name: string) => tags.find((t) => t.name === name)?.value

describe('SU push deep hash (reference formula)', () => {
  const a = new ArweaveSigner(loadKey('wallet-a').jwk as never)
  const b = new ArweaveSigner(loadKey('wallet-b').jwk as never)
  const target = 'T'.repeat(43)
  const anchor = '00000000000000000000000000000007'
  const tags = [
    { name: 'Action', value: 'Ping' },
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'From-Process', value: 'P'.repeat(43) },
  ]
  const item = async (signer: ArweaveSigner, t: Tag[], data = 'd') => {
    const it = createData(data, signer, { target, anchor, tags: t })
    await it.sign(signer)
    return it
  }

  it('equal for two signers and for a different Pushed-For; different for tag order, data, anchor', async () => {
    const base = pushDeepHash(await item(a, tags))!
    expect(base).toMatch(/^[A-Za-z0-9_-]{64}$/)
    expect(pushDeepHash(await item(b, tags))).toBe(base)
    expect(pushDeepHash(await item(b, [...tags, { name: 'Pushed-For', value: 'x'.repeat(43) }]))).toBe(base)
    expect(pushDeepHash(await item(a, [tags[1]!, tags[0]!, tags[2]!]))).not.toBe(base)
    expect(pushDeepHash(await item(a, tags, 'e'))).not.toBe(base)
    const other = createData('d', a, { target, anchor: '00000000000000000000000000000008', tags })
    await other.sign(a)
    expect(pushDeepHash(other)).not.toBe(base)
    // Not a push: no dedupe key.
    expect(pushDeepHash(await item(a, tags.filter((t) => t.name !== 'From-Process')))).toBeUndefined()
  })
})

describe('devnet MU push vs the light node crank', () => {
  let devnet: Devnet
  const wallet = loadKey('wallet-a')
  const relayKey = new KeySigner('relay', new Ed25519Signer(ed25519.utils.randomSecretKey()))
  let pidA = ''
  let pidB = ''
  let evalId = ''
  let result: OutboxResult

  const log = async (pid: string) =>
    ((await (await fetch(`${devnet.urls.su}/${pid}?process-id=${pid}&limit=1000`)).json()) as { edges: { node: { message: SuMessage | null } }[] }).edges
  const post = async (input: ItemInput) => {
    const signed = await relayKey.sign(input)
    const res = await fetch(`${devnet.urls.su}/`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: signed.bytes as Uint8Array<ArrayBuffer> })
    return { status: res.status, text: await res.text() }
  }

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    const spawn = () => spawnProcess(devnet.urls.mu, wallet, { module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, tags: [{ name: 'Authority', value: devnet.authority }] })
    pidA = await spawn()
    pidB = await spawn()
    // aos puts Variant among its own tags; extra tags make the order observable.
    evalId = await sendMessage(devnet.urls.mu, wallet, pidA, [{ name: 'Action', value: 'Eval' }], `Send({ Target = "${pidB}", Action = "Ping", Data = "hi", Zeta = "z", Alpha = "a" })`)
    result = (await (await fetch(`${devnet.urls.cu}/result/${evalId}?process-id=${pidA}`)).json()) as OutboxResult
  }, 60_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  it('the devnet MU push has the reference tag order, exactly what our crank builds', async () => {
    expect(result.Messages).toHaveLength(1)
    const theirs = (await log(pidB)).map((e) => e.node.message).find((m) => m && tagOf(m.tags, 'Pushed-For') === evalId)!
    expect(theirs).toBeDefined()
    const plan = planCrank(result, { processId: pidA, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: evalId, pushedFor: evalId })
    const ours = plan.messages[0]!.input
    expect(ours.tags).toEqual(theirs.tags) // in order, not just as a set
    const names = theirs.tags.map((t) => t.name)
    expect(names.slice(-5)).toEqual(['Data-Protocol', 'Type', 'From-Process', 'From-Module', 'Pushed-For'])
    // Variant stays where the process put it (before the MU's tags), as build-tx.js leaves it.
    expect(names.indexOf('Variant')).toBeGreaterThanOrEqual(0)
    expect(names.indexOf('Variant')).toBeLessThan(names.length - 5)
  })

  it("our crank's push of the same outbox is refused by the SU as a duplicate; B's log is unchanged", async () => {
    const before = (await log(pidB)).length
    const plan = planCrank(result, { processId: pidA, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: evalId, pushedFor: evalId })
    const res = await post(plan.messages[0]!.input)
    expect(res.status).toBe(400)
    expect(res.text).toMatch(/deep hash/)
    // A different Pushed-For does not make it new either (the SU ignores that tag).
    const other = planCrank(result, { processId: pidA, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: evalId, pushedFor: 'o'.repeat(43) })
    expect((await post(other.messages[0]!.input)).status).toBe(400)
    expect((await log(pidB)).length).toBe(before)
  })

  it('the dedupe is order-sensitive like the SU: the old devnet order (Variant moved after the MU tags) is a different push', async () => {
    const before = (await log(pidB)).length
    const plan = planCrank(result, { processId: pidA, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId: evalId, pushedFor: evalId })
    const input = plan.messages[0]!.input
    const variant = input.tags!.find((t) => t.name === 'Variant')!
    const moved = { ...input, tags: [...input.tags!.filter((t) => t.name !== 'Variant'), variant] }
    expect((await post(moved)).status).toBe(200)
    expect((await log(pidB)).length).toBe(before + 1)
  })
})
