/**
 * Our clients end to end against the local ao network (test/devnet): aoconnect spawns a real aos
 * process and sends messages; then only our code locates the SU through gateway GraphQL, reads
 * the process record, streams the schedule page by page, verifies every edge (signatures,
 * nonces, hash chain, SU key), reads CU results and the module bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createSigner } from '@permaweb/aoconnect'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { HttpClient } from '../../src/protocol/http'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { Locator } from '../../src/protocol/locate'
import { SuClient } from '../../src/protocol/su-client'
import { CuClient } from '../../src/protocol/cu-client'
import { LogChecker } from '../../src/protocol/log-check'
import { tagValue } from '../../src/protocol/wire-types'

// Helper 02's ports: this file owns its devnet.
const BASE_PORT = 15200

interface AoClient {
  spawn(args: Record<string, unknown>): Promise<string>
  message(args: Record<string, unknown>): Promise<string>
}

describe('clients against the devnet', () => {
  let devnet: Devnet
  let pid = ''
  const messageIds: string[] = []
  const http = new HttpClient({ timeoutMs: 20_000, retry: { retries: 1, baseDelayMs: 50 } })

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    const ao = connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as AoClient
    const signer = createSigner(loadKey('wallet-a').jwk)
    pid = await ao.spawn({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, signer, tags: [{ name: 'Authority', value: devnet.authority }] })
    for (const expr of ['1 + 41', '"a" .. "b"', '2 * 21']) {
      messageIds.push(await ao.message({ process: pid, signer, tags: [{ name: 'Action', value: 'Eval' }], data: expr }))
    }
  }, 120_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  it('locates the SU: Scheduler tag -> Scheduler-Location', async () => {
    const loc = await new Locator({ gateway: new GatewayClient(devnet.urls.gateway, http), http }).locate(pid)
    expect(loc).toMatchObject({ url: devnet.urls.su, address: devnet.suAddress, source: 'scheduler-location' })
  })

  it('streams the schedule by nonce pages and verifies every edge', async () => {
    const su = new SuClient(devnet.urls.su, http)
    const proc = await su.getProcess(pid)
    expect(proc.processId).toBe(pid)
    expect(tagValue(proc.tags, 'Scheduler')).toBe(devnet.suAddress)
    const checker = new LogChecker({ processId: pid, scheduler: { address: tagValue(proc.tags, 'Scheduler')! } })
    const levels: string[] = []
    let pages = 0
    for await (const page of su.streamSchedule(pid, { pageSize: 2 })) {
      pages++
      const r = await checker.checkPage(page.edges)
      expect(r.failure).toBeUndefined()
      levels.push(...r.verified.map((v) => `${v.nonce}:${v.level}`))
    }
    expect(pages).toBe(2)
    expect(levels).toEqual(['0:chained', '1:chained', '2:chained', '3:chained'])
    expect(checker.state.nonce).toBe(3)
  })

  it('assignments carry 32 random anchor bytes, shown only with show-anchor, as a real SU does', async () => {
    const page = async (show: boolean) => (await (await fetch(`${devnet.urls.su}/${pid}?process-id=${pid}${show ? '&show-anchor=true' : ''}`)).json()) as
      { edges: { node: { assignment: { anchor: string | null } } }[] }
    const hidden = await page(false)
    expect(hidden.edges.map((e) => e.node.assignment.anchor)).toEqual(hidden.edges.map(() => null))
    const shown = (await page(true)).edges.map((e) => e.node.assignment.anchor)
    for (const a of shown) expect(Buffer.from(a!, 'base64url')).toHaveLength(32)
    expect(new Set(shown).size).toBe(shown.length)

    // Without show-anchor the SU hides what was signed: the first assignment cannot verify.
    const su = new SuClient(devnet.urls.su, http)
    const checker = new LogChecker({ processId: pid, scheduler: { address: devnet.suAddress } })
    const plain = await su.getSchedulePage({ processId: pid, showAnchor: false })
    const r = await checker.checkPage(plain.edges)
    expect(r.verified).toEqual([])
    expect(r.failure).toMatchObject({ code: 'log/assignment-signature', details: { nonce: 0 } })
  })

  it('reads CU results and the module bytes', async () => {
    const cu = new CuClient(devnet.urls.cu, http)
    const r = await cu.result(messageIds[0]!, pid)
    expect(r.Error).toBeUndefined()
    expect((r.Output as { data: unknown }).data).toBe('42')
    const wasm = await new GatewayClient(devnet.urls.gateway, http).getRaw(devnet.moduleIds.aos64)
    expect([...wasm.subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d])
  })
})
