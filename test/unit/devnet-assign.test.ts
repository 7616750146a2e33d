/**
 * Devnet assignments and push dedupe, end to end with real aos processes:
 * - SU `POST /?process-id=B&assign=M` (and via the MU, with `exclude=Data`) puts a message sent
 *   to process A into B's log at the next nonce with `message: null`, an SU-signed assignment
 *   (Message, Exclude tags) on the hash chain; the CU hydrates it from the gateway the
 *   reference way (Id, Owner/From = on-chain signer, Target = recipient, Data as text);
 * - an outbox `Assignments` entry from A's evaluation reaches B the same way;
 * - a double push (same content, re-signed by the MU) is refused by the SU (deep hash
 *   ignoring Pushed-For); with that rule off, the CU skips the copy by its reference deep hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ArweaveSigner, createData } from 'arbundles'
import { mu } from 'wao/test'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { sendMessage, spawnProcess } from '../devnet/ao-http'
import { SuClient } from '../../src/protocol/su-client'
import { LogChecker } from '../../src/protocol/log-check'

const BASE_PORT = 15810
const DEDUPE_PORT = 15820
const NO_DEDUPE_PORT = 15825

interface Tag {
  name: string
  value: string
}
interface Edge {
  node: { message: { id: string } | null; assignment: { id: string; tags: Tag[]; owner: { address: string } } }
}
const tag = (tags: Tag[], name: string) => tags.find((t) => t.name === name)?.value

const NOTE_BOOT = `
ao.addAssignable("all", function(msg) return true end)
Handlers.add("note", Handlers.utils.hasMatchingTag("Action", "Note"), function(msg)
  print("note id=" .. msg.Id .. " from=" .. msg.From .. " owner=" .. msg.Owner .. " target=" .. tostring(msg.Target) .. " data=" .. tostring(msg.Data))
end)
Handlers.add("ping", Handlers.utils.hasMatchingTag("Action", "Ping"), function(msg)
  Pings = (Pings or 0) + 1
  print("ping " .. Pings)
end)
`

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

describe('devnet assignments', () => {
  let devnet: Devnet
  const wallet = loadKey('wallet-a')
  let a = ''
  let b = ''
  const edges = async (pid: string) => (await getJson<{ edges: Edge[] }>(`${devnet.urls.su}/${pid}?process-id=${pid}&limit=1000`)).edges
  const output = async (pid: string, mid: string) => {
    const r = await getJson<{ Output: { data: string } }>(`${devnet.urls.cu}/result/${mid}?process-id=${pid}`)
    return r.Output.data
  }

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    const spawn = (data?: string) =>
      spawnProcess(devnet.urls.mu, wallet, {
        module: devnet.moduleIds.aos64,
        scheduler: devnet.suAddress,
        ...(data ? { data, tags: [{ name: 'Authority', value: devnet.authority }, { name: 'On-Boot', value: 'Data' }] } : { tags: [{ name: 'Authority', value: devnet.authority }] }),
      })
    a = await spawn()
    b = await spawn(NOTE_BOOT)
  })
  afterAll(async () => {
    await devnet?.stop()
  })

  it('SU ?assign= schedules an existing message on another process; the CU hydrates it', async () => {
    const m = await sendMessage(devnet.urls.mu, wallet, a, [{ name: 'Action', value: 'Note' }], 'hello assign')
    const before = (await edges(b)).length
    const res = await fetch(`${devnet.urls.su}/?process-id=${b}&assign=${m}`, { method: 'POST' })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { timestamp: number; id: string }
    const log = await edges(b)
    expect(log.length).toBe(before + 1)
    const edge = log.at(-1)!
    expect(edge.node.message).toBeNull()
    expect(edge.node.assignment.id).toBe(body.id)
    expect(tag(edge.node.assignment.tags, 'Message')).toBe(m)
    expect(tag(edge.node.assignment.tags, 'Nonce')).toBe(String(before))
    expect(edge.node.assignment.owner.address).toBe(devnet.suAddress)
    expect(await output(b, m)).toBe(`note id=${m} from=${wallet.address} owner=${wallet.address} target=${a} data=hello assign`)
    // The whole log, assignment included, still verifies (signatures, nonces, hash chain).
    const su = new SuClient(devnet.urls.su)
    const checker = new LogChecker({ processId: b, scheduler: { address: devnet.suAddress } })
    for await (const page of su.streamSchedule(b, { pageSize: 100 })) {
      const r = await checker.checkPage(page.edges)
      expect(r.failure).toBeUndefined()
      expect(r.verified.at(-1)!.messageSigned).toBe(false)
    }
  })

  it('MU ?assign= relays with exclude=Data: Exclude tag, no Data given to the process', async () => {
    const m = await sendMessage(devnet.urls.mu, wallet, a, [{ name: 'Action', value: 'Note' }], 'secret')
    const res = await fetch(`${devnet.urls.mu}/?process-id=${b}&assign=${m}&exclude=Data`, { method: 'POST' })
    expect(res.status).toBe(202)
    const edge = (await edges(b)).at(-1)!
    expect(edge.node.assignment.tags.filter((t) => t.name === 'Exclude').map((t) => t.value)).toEqual(['Data'])
    expect(await output(b, m)).toContain(`note id=${m}`)
    const ev = await getJson<{ msg: Record<string, unknown> }>(`${devnet.urls.cu}/devnet/evaluated/${m}?process-id=${b}`)
    expect('Data' in ev.msg).toBe(false)
    expect(ev.msg.Target).toBe(a)
    // Errors: unknown tx, one of the pair missing.
    expect((await fetch(`${devnet.urls.su}/?process-id=${b}&assign=${'x'.repeat(43)}`, { method: 'POST' })).status).toBe(400)
    expect((await fetch(`${devnet.urls.su}/?assign=${m}`, { method: 'POST' })).status).toBe(400)
  })

  it('an outbox Assignments entry reaches the target process through the SU', async () => {
    const m = await sendMessage(devnet.urls.mu, wallet, a, [{ name: 'Action', value: 'Note' }], 'via outbox')
    const before = (await edges(b)).length
    await sendMessage(devnet.urls.mu, wallet, a, [{ name: 'Action', value: 'Eval' }], `ao.assign({ Processes = { "${b}" }, Message = "${m}" })`)
    const log = await edges(b)
    expect(log.length).toBe(before + 1)
    expect(log.at(-1)!.node.message).toBeNull()
    expect(tag(log.at(-1)!.node.assignment.tags, 'Message')).toBe(m)
    expect(await output(b, m)).toContain('data=via outbox')
  })
})

/** A push as the MU makes it: signed by the MU key, From-Process, a fixed anchor. */
async function push(target: string, fromProcess: string, pushedFor: string) {
  const signer = new ArweaveSigner(mu.jwk as never)
  const item = createData('ping', signer, {
    target,
    anchor: '00000000000000000000000000000007',
    tags: [
      { name: 'Action', value: 'Ping' },
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Variant', value: 'ao.TN.1' },
      { name: 'Type', value: 'Message' },
      { name: 'From-Process', value: fromProcess },
      { name: 'Pushed-For', value: pushedFor },
    ],
  })
  await item.sign(signer)
  return item
}

describe('devnet double-push dedupe', () => {
  const wallet = loadKey('wallet-a')
  let on: Devnet
  let off: Devnet
  const spawnOn = async (d: Devnet) =>
    spawnProcess(d.urls.mu, wallet, { module: d.moduleIds.aos64, scheduler: d.suAddress, data: NOTE_BOOT, tags: [{ name: 'Authority', value: d.authority }, { name: 'On-Boot', value: 'Data' }] })

  beforeAll(async () => {
    on = await startDevnet({ basePort: DEDUPE_PORT })
    off = await startDevnet({ basePort: NO_DEDUPE_PORT, suDedupePushes: false })
  })
  afterAll(async () => {
    await on?.stop()
    await off?.stop()
  })

  it('the SU refuses a re-signed copy of a push, even with another Pushed-For', async () => {
    const p = await spawnOn(on)
    const first = await push(p, p, 'origin-1'.padEnd(43, 'x'))
    const copy = await push(p, p, 'origin-2'.padEnd(43, 'x'))
    expect(first.id).not.toBe(copy.id)
    expect((await fetch(`${on.urls.su}/`, { method: 'POST', body: new Uint8Array(first.getRaw()) })).status).toBe(200)
    const refused = await fetch(`${on.urls.su}/`, { method: 'POST', body: new Uint8Array(copy.getRaw()) })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: string }).error).toContain('deep hash')
  })

  it('without the SU rule, the CU skips a copy whose reference deep hash was evaluated', async () => {
    const p = await spawnOn(off)
    const pushedFor = 'origin-1'.padEnd(43, 'x')
    const first = await push(p, p, pushedFor)
    const same = await push(p, p, pushedFor) // same content and Pushed-For, new signature
    const other = await push(p, p, 'origin-2'.padEnd(43, 'x')) // the reference CU hash includes Pushed-For
    for (const item of [first, same, other]) expect((await fetch(`${off.urls.su}/`, { method: 'POST', body: new Uint8Array(item.getRaw()) })).status).toBe(200)
    const res = (id: string) => fetch(`${off.urls.cu}/result/${id}?process-id=${p}`)
    expect(((await (await res(first.id)).json()) as { Output: { data: string } }).Output.data).toBe('ping 1')
    const skipped = await res(same.id)
    expect(skipped.status).toBe(404)
    expect(((await skipped.json()) as { error: string }).error).toContain('deep hash')
    expect(((await (await res(other.id)).json()) as { Output: { data: string } }).Output.data).toBe('ping 2')
  })
})
