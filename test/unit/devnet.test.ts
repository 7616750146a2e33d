/**
 * The devnet proof: aoconnect spawns and messages a real aos process through the devnet, the CU
 * answers 42, and the SU log read back with plain fetch is reference-shaped: nonces 0..n, the
 * legacynet hash chain, SU-signed assignments and the original signed messages (each rebuilt
 * from its JSON and verified with arbundles). A second wallet and an outbox push prove the
 * reference Owner/From mapping.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createSigner } from '@permaweb/aoconnect'
import { createData, DataItem } from 'arbundles'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { fromB64Url, toB64Url } from '../../src/protocol/base64url'
import { SuClient, edgeNonce } from '../../src/protocol/su-client'
import { hashChainSeed, nextHashChain } from '../../src/protocol/hash-chain'

// Helper 03's ports: a test file owns its devnet.
const BASE_PORT = 15300

interface Tag {
  name: string
  value: string
}
interface Owner {
  address: string
  key: string
}
interface Item {
  id: string
  owner: Owner
  tags: Tag[]
  signature: string
  anchor: string | null
  target: string
  data?: string | null
}
interface Page {
  page_info: { has_next_page: boolean }
  edges: { cursor: string; node: { message: Item | null; assignment: Item } }[]
}

interface AoClient {
  spawn(args: Record<string, unknown>): Promise<string>
  message(args: Record<string, unknown>): Promise<string>
  result(args: Record<string, unknown>): Promise<unknown>
  dryrun(args: Record<string, unknown>): Promise<unknown>
}

const tag = (tags: Tag[], name: string) => tags.find((t) => t.name === name)?.value

/** Rebuilds the binary item from its SU JSON and verifies it: proves the JSON is exactly what was signed. */
/** `binaryAnchor`: the JSON anchor is base64url of the raw bytes (an assignment read with show-anchor). */
async function verifiesAsSigned(j: Item, binaryAnchor = false): Promise<boolean> {
  const publicKey = Buffer.from(fromB64Url(j.owner.key))
  const keyOnly = { publicKey, signatureType: 1, signatureLength: 512, ownerLength: 512, sign: () => new Uint8Array() }
  const rawAnchor = binaryAnchor && j.anchor ? Buffer.from(fromB64Url(j.anchor)) : null
  const item = createData(j.data ?? '', keyOnly as never, {
    tags: j.tags,
    ...(j.target ? { target: j.target } : {}),
    ...(j.anchor ? { anchor: rawAnchor ? 'A'.repeat(32) : j.anchor } : {}),
  })
  if (rawAnchor) rawAnchor.copy(item.getRaw(), 2 + 512 + 512 + (j.target ? 33 : 1) + 1)
  await item.setSignature(Buffer.from(fromB64Url(j.signature)))
  return item.id === j.id && (await DataItem.verify(item.getRaw()))
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as T }
}

describe('devnet', () => {
  let devnet: Devnet
  const walletA = loadKey('wallet-a')
  const walletB = loadKey('wallet-b')
  let ao: AoClient
  let pid = ''
  let evalId = ''
  let whoamiId = ''
  let pushEvalId = ''

  beforeAll(async () => {
    const t0 = performance.now()
    devnet = await startDevnet({ basePort: BASE_PORT })
    console.log(`devnet started in ${Math.round(performance.now() - t0)} ms`)
    ao = connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as AoClient
  })
  afterAll(async () => {
    await devnet?.stop()
  })

  it('publishes modules as signed items with the real tags, served by GraphQL and /raw', async () => {
    const res = await fetch(`${devnet.urls.gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query($ids:[ID!]){ transactions(ids:$ids){ edges{ node{ id signature anchor recipient owner{address key} tags{name value} data{size} } } } }`,
        variables: { ids: [devnet.moduleIds.aos64] },
      }),
    })
    const node = ((await res.json()) as { data: { transactions: { edges: { node: Item & { recipient: string; data: { size: string } } }[] } } }).data.transactions.edges[0]!.node
    expect(tag(node.tags, 'Type')).toBe('Module')
    expect(tag(node.tags, 'Module-Format')).toBe('wasm64-unknown-emscripten-draft_2024_02_15')
    expect(tag(node.tags, 'Input-Encoding')).toBe('JSON-1')
    const wasm = new Uint8Array(await (await fetch(`${devnet.urls.gateway}/raw/${devnet.moduleIds.aos64}`)).arrayBuffer())
    expect(wasm.length).toBe(Number(node.data.size))
    expect([...wasm.subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d])
    // The item rebuilt from GraphQL metadata + the /raw bytes verifies under the publisher's key.
    const rebuilt = { ...node, target: node.recipient, anchor: null, data: undefined }
    const keyOnly = { publicKey: Buffer.from(fromB64Url(node.owner.key)), signatureType: 1, signatureLength: 512, ownerLength: 512, sign: () => new Uint8Array() }
    const item = createData(Buffer.from(wasm), keyOnly as never, { tags: rebuilt.tags })
    await item.setSignature(Buffer.from(fromB64Url(node.signature)))
    expect(item.id).toBe(devnet.moduleIds.aos64)
    expect(await DataItem.verify(item.getRaw())).toBe(true)
  })

  it('aoconnect spawns aos 2.0.6, Evals 1 + 41 and reads 42 from the devnet CU', async () => {
    const signer = createSigner(walletA.jwk)
    pid = await ao.spawn({
      module: devnet.moduleIds.aos64,
      scheduler: devnet.suAddress,
      signer,
      tags: [
        { name: 'Authority', value: devnet.authority },
        { name: 'Name', value: 'devnet-proof' },
      ],
    })
    expect(pid).toMatch(/^[A-Za-z0-9_-]{43}$/)
    evalId = await ao.message({ process: pid, signer, tags: [{ name: 'Action', value: 'Eval' }], data: '1 + 41' })
    const res = (await ao.result({ process: pid, message: evalId })) as { Output: { data: string }; Error?: unknown }
    expect(res.Error).toBeUndefined()
    expect(res.Output.data).toBe('42')
  })

  it('maps Owner/From the reference way: a second signer, and a push from the process itself', async () => {
    const signerA = createSigner(walletA.jwk)
    const handler = `Handlers.add("whoami", Handlers.utils.hasMatchingTag("Action", "Whoami"), function(msg)
      print("from=" .. tostring(msg.From) .. " owner=" .. tostring(msg.Owner) .. " fwd=" .. tostring(msg["Forwarded-By"]))
    end)
    return "ok"`
    const addId = await ao.message({ process: pid, signer: signerA, tags: [{ name: 'Action', value: 'Eval' }], data: handler })
    expect(((await ao.result({ process: pid, message: addId })) as { Output: { data: string } }).Output.data).toBe('ok')

    whoamiId = await ao.message({ process: pid, signer: createSigner(walletB.jwk), tags: [{ name: 'Action', value: 'Whoami' }] })
    const res = (await ao.result({ process: pid, message: whoamiId })) as { Output: { data: string } }
    expect(res.Output.data).toContain(`from=${walletB.address} owner=${walletB.address} fwd=nil`)

    // An outbox message to the process itself: the MU re-signs it, so Owner = MU, From = From-Process.
    pushEvalId = await ao.message({ process: pid, signer: signerA, tags: [{ name: 'Action', value: 'Eval' }], data: 'Send({ Target = ao.id, Action = "Whoami" })' })
    const log = (await getJson<Page>(`${devnet.urls.su}/${pid}?process-id=${pid}`)).body
    const pushed = log.edges.at(-1)!.node
    expect(tag(pushed.message!.tags, 'From-Process')).toBe(pid)
    expect(pushed.message!.owner.address).toBe(devnet.authority)
    const pushRes = (await ao.result({ process: pid, message: pushed.message!.id })) as { Output: { data: string } }
    expect(pushRes.Output.data).toContain(`from=${pid} owner=${devnet.authority} fwd=${devnet.authority}`)
  })

  it('serves a reference-shaped SU log: nonces, hash chain, SU-signed assignments, original messages', async () => {
    const { status, body: page } = await getJson<Page>(`${devnet.urls.su}/${pid}?process-id=${pid}&show-anchor=true`)
    expect(status).toBe(200)
    expect(page.page_info.has_next_page).toBe(false)
    const edges = page.edges
    expect(edges.length).toBe(6) // process, Eval 42, Eval handler, Whoami, Eval Send, pushed Whoami
    let prevAssignment = ''
    let prevChain = ''
    let prevTs = 0
    for (const [n, edge] of edges.entries()) {
      const a = edge.node.assignment
      const m = edge.node.message!
      expect(a.tags.map((t) => t.name)).toEqual([
        'Process', 'Epoch', 'Nonce', 'Hash-Chain', 'Block-Height', 'Timestamp', 'Data-Protocol', 'Type', 'Variant',
        ...(n === 0 ? [] : ['Message']),
      ])
      expect(tag(a.tags, 'Process')).toBe(pid)
      expect(tag(a.tags, 'Nonce')).toBe(String(n))
      expect(tag(a.tags, 'Epoch')).toBe('0')
      expect(tag(a.tags, 'Type')).toBe('Assignment')
      expect(tag(a.tags, 'Variant')).toBe('ao.TN.1')
      expect(tag(a.tags, 'Block-Height')).toMatch(/^\d{12}$/)
      if (n > 0) expect(tag(a.tags, 'Message')).toBe(m.id)
      else expect(m.id).toBe(pid)
      const ts = Number(tag(a.tags, 'Timestamp'))
      expect(ts).toBeGreaterThanOrEqual(prevTs)
      expect(edge.cursor).toBe(String(ts))
      const expectedChain =
        n === 0
          ? toB64Url(createHash('sha256').update(fromB64Url(pid)).digest())
          : toB64Url(createHash('sha256').update(fromB64Url(prevAssignment)).update(fromB64Url(prevChain)).digest())
      expect(tag(a.tags, 'Hash-Chain')).toBe(expectedChain)
      expect(a.owner.address).toBe(devnet.suAddress)
      expect(fromB64Url(a.anchor!)).toHaveLength(32) // the SU's random anchor, shown as base64url
      expect(await verifiesAsSigned(a, true)).toBe(true)
      expect(await verifiesAsSigned(m)).toBe(true)
      prevAssignment = a.id
      prevChain = tag(a.tags, 'Hash-Chain')!
      prevTs = ts
    }
    expect(edges[1]!.node.message!.id).toBe(evalId)
    expect(edges[1]!.node.message!.owner.address).toBe(walletA.address)
    expect(edges[3]!.node.message!.id).toBe(whoamiId)
    expect(edges[3]!.node.message!.owner.address).toBe(walletB.address)
    expect(edges[4]!.node.message!.id).toBe(pushEvalId)
  })

  it("reads back through aolight's own SU client and hash-chain code", async () => {
    const su = new SuClient(devnet.urls.su)
    const edges = []
    // Pages of 2 make the client follow has_next_page and check page continuity.
    for await (const page of su.streamSchedule(pid, { pageSize: 2 })) edges.push(...page.edges)
    expect(edges.map((e) => edgeNonce(e))).toEqual([0, 1, 2, 3, 4, 5])
    let chain = hashChainSeed(pid)
    for (const [n, e] of edges.entries()) {
      if (n > 0) chain = nextHashChain(edges[n - 1]!.node.assignment.id, chain)
      expect(tag(e.node.assignment.tags, 'Hash-Chain')).toBe(chain)
    }
    const proc = await su.getProcess(pid)
    expect(proc.processId).toBe(pid)
    expect((await su.getMessage(whoamiId, pid)).message?.owner.address).toBe(walletB.address)
    expect((await su.getTimestamp(pid)).blockHeight).toBeGreaterThanOrEqual(1_500_000)
  })

  it('pages by nonce and timestamp with the reference bounds', async () => {
    const nonces = async (q: string) => {
      const { body } = await getJson<Page>(`${devnet.urls.su}/${pid}?process-id=${pid}&${q}`)
      return { nonces: body.edges.map((e) => Number(tag(e.node.assignment.tags, 'Nonce'))), next: body.page_info.has_next_page, cursors: body.edges.map((e) => e.cursor) }
    }
    expect(await nonces('from-nonce=0&limit=2')).toMatchObject({ nonces: [1, 2], next: true, cursors: ['1', '2'] })
    expect(await nonces('from-nonce=2&to-nonce=4')).toMatchObject({ nonces: [3, 4], next: false })
    expect(await nonces('from-nonce=-1&limit=1')).toMatchObject({ nonces: [0], next: true })
    const all = await nonces('limit=100')
    const ts = all.cursors.map(Number)
    // from is exclusive, to inclusive (timestamp mode).
    const fromTs = ts[1]!
    const after = await nonces(`from=${fromTs}`)
    expect(after.nonces).toEqual(all.nonces.filter((_, i) => ts[i]! > fromTs))
    const upTo = await nonces(`to=${fromTs}`)
    expect(upTo.nonces).toEqual(all.nonces.filter((_, i) => ts[i]! <= fromTs))
  })

  it('serves the process record, single messages, timestamp and root like the reference SU', async () => {
    const { body: proc } = await getJson<{ process_id: string; block: string; owner: Owner; tags: Tag[]; timestamp: number; signature: string }>(`${devnet.urls.su}/processes/${pid}`)
    expect(proc.process_id).toBe(pid)
    expect(proc.owner.address).toBe(walletA.address)
    expect(proc.block).toMatch(/^\d{12}$/)
    expect(typeof proc.timestamp).toBe('number')
    expect(tag(proc.tags, 'Scheduler')).toBe(devnet.suAddress)
    const one = await getJson<{ message: Item; assignment: Item }>(`${devnet.urls.su}/${evalId}?process-id=${pid}`)
    expect(one.status).toBe(200)
    expect(one.body.message.id).toBe(evalId)
    expect((await getJson<{ timestamp: string; block_height: string }>(`${devnet.urls.su}/timestamp`)).body.block_height).toMatch(/^\d{12}$/)
    expect((await getJson<{ address: string }>(`${devnet.urls.su}/`)).body.address).toBe(devnet.suAddress)
  })

  it('finds the signed Scheduler-Location record by owner, pointing at the configured SU port', async () => {
    const res = await fetch(`${devnet.urls.gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query($o:[String!]){ transactions(owners:$o, tags:[{name:"Data-Protocol",values:["ao"]},{name:"Type",values:["Scheduler-Location"]}], sort:HEIGHT_DESC, first:1){ edges{ node{ id owner{address} tags{name value} } } } }`,
        variables: { o: [devnet.suAddress] },
      }),
    })
    const node = ((await res.json()) as { data: { transactions: { edges: { node: Item }[] } } }).data.transactions.edges[0]!.node
    expect(tag(node.tags, 'Url')).toBe(devnet.urls.su)
    expect(Number(tag(node.tags, 'Time-To-Live'))).toBeGreaterThan(0)
  })

  it('answers bad requests with 4xx JSON errors and keeps running', async () => {
    const cases: [string, RequestInit | undefined, number][] = [
      [`${devnet.urls.su}/${pid}`, undefined, 400], // no process-id
      [`${devnet.urls.su}/${pid}?process-id=${pid}&limit=abc`, undefined, 400],
      [`${devnet.urls.su}/nope?process-id=${pid}`, undefined, 404],
      [`${devnet.urls.su}/processes/nope`, undefined, 404],
      [`${devnet.urls.su}/`, { method: 'POST', body: 'garbage' }, 400],
      [`${devnet.urls.mu}/`, { method: 'POST', body: new Uint8Array(0) }, 400],
      [`${devnet.urls.cu}/result/${evalId}`, undefined, 400],
      [`${devnet.urls.cu}/result/${evalId}?process-id=nope`, undefined, 404],
      [`${devnet.urls.cu}/dry-run?process-id=${pid}`, { method: 'POST', body: '{not json' }, 400],
      [`${devnet.urls.gateway}/graphql`, { method: 'POST', body: '{}' }, 400],
      [`${devnet.urls.gateway}/raw/nope`, undefined, 404],
    ]
    for (const [url, init, status] of cases) {
      const res = await fetch(url, init)
      expect({ url, status: res.status }).toEqual({ url, status })
      expect(typeof ((await res.json()) as { error: string }).error).toBe('string')
    }
    // A message whose signature does not verify is refused.
    const item = createData('x', walletA.signer, { target: pid, tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Message' }] })
    await item.sign(walletA.signer)
    const raw = Buffer.from(item.getRaw())
    raw[raw.length - 1] = raw[raw.length - 1]! ^ 1
    expect((await fetch(`${devnet.urls.su}/`, { method: 'POST', body: raw })).status).toBe(400)
    expect((await getJson<{ address: string }>(`${devnet.urls.su}/`)).status).toBe(200)
  })

  it('dry-runs with the reference mapping and does not schedule anything', async () => {
    const before = (await getJson<Page>(`${devnet.urls.su}/${pid}?process-id=${pid}`)).body.edges.length
    const res = (await ao.dryrun({ process: pid, tags: [{ name: 'Action', value: 'Whoami' }], Owner: walletB.address })) as { Output: { data: string } }
    expect(res.Output.data).toContain(`from=${walletB.address} owner=${walletB.address}`)
    expect((await getJson<Page>(`${devnet.urls.su}/${pid}?process-id=${pid}`)).body.edges.length).toBe(before)
  })
})
