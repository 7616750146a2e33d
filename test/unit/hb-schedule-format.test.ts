/**
 * A HyperBEAM scheduler answering in its `application/aos-2` format must fail with a clear
 * "HyperBEAM scheduler: not supported yet" error, not a field-shape error. The page is rendered
 * from real signed items (arbundles, devnet key) with the field list of HB's serializer:
 * dev_scheduler_formats.erl assignments_to_aos2 (page_info with process/timestamp/block-height/
 * block-hash as strings, numeric slot cursors) and dev_json_iface.erl message_to_json_struct
 * (Id, Anchor, Owner = address, From, Tags, Target, Data or null, Signature, PublicKey).
 */
import { describe, it, expect, afterEach } from 'vitest'
import { createHash } from 'node:crypto'
import { createData, ArweaveSigner, type DataItem } from 'arbundles'
import { toB64Url } from '../../src/protocol/base64url'
import { SuClient } from '../../src/protocol/su-client'
import { HttpClient } from '../../src/protocol/http'
import { serve, closeTestServers, sendJson, protocolFailure } from './http-test-server'
import { jwk, buildSignedLog } from './su-signed-log'

afterEach(closeTestServers)
const http = new HttpClient({ retry: { retries: 0 }, timeoutMs: 5000 })

/** message_to_json_struct's keys for a signed item (owner_as_address; Data null unless printable). */
function jsonStruct(item: DataItem) {
  const data = new TextDecoder().decode(item.rawData)
  const printable = /^[\x20-\x7e\n\r\t]*$/.test(data)
  const from = item.tags.find((t) => t.name.toLowerCase() === 'from-process')?.value
  return {
    Id: item.id,
    Anchor: item.anchor ?? '',
    Owner: toB64Url(new Uint8Array(createHash('sha256').update(item.rawOwner).digest())),
    From: from,
    Tags: item.tags,
    Target: item.target ?? '',
    Data: printable ? data : null,
    Signature: item.signature,
    PublicKey: item.owner,
  }
}

async function hbPage() {
  const signer = new ArweaveSigner(jwk('wallet-a'))
  const sign = async (tags: { name: string; value: string }[], data: string) => {
    const it = createData(data, signer, { tags })
    await it.sign(signer)
    return it
  }
  const msg = await sign([{ name: 'Variant', value: 'ao.N.1' }, { name: 'Type', value: 'Message' }, { name: 'Action', value: 'Eval' }], 'return 1')
  const assignment = await sign(
    [
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Variant', value: 'ao.N.1' },
      { name: 'Process', value: 'P'.repeat(43) },
      { name: 'Slot', value: '7' },
      { name: 'Hash-Chain', value: 'H'.repeat(43) },
    ],
    '',
  )
  return {
    page_info: { process: 'P'.repeat(43), has_next_page: false, timestamp: '1750000000000', 'block-height': '1650000', 'block-hash': 'B'.repeat(43) },
    edges: [{ cursor: 7, node: { message: jsonStruct(msg), assignment: jsonStruct(assignment) } }],
  }
}

describe('HyperBEAM aos-2 schedules', () => {
  it('a schedule page: su/hyperbeam-unsupported "HyperBEAM scheduler: not supported yet", marked hyperbeam', async () => {
    const page = await hbPage()
    const s = await serve((_r, res) => sendJson(res, page))
    const e = await protocolFailure(new SuClient(s.url, http).getSchedulePage({ processId: 'P'.repeat(43) }))
    expect(e.code).toBe('su/hyperbeam-unsupported')
    expect(e.message).toMatch(/^HyperBEAM scheduler: not supported yet: the schedule page: its page_info carries process\/block-hash/)
    expect(e.details.hyperbeam).toBe(true)
  })

  it('recognised by the items alone (legacy page_info): the dev_json_iface keys', async () => {
    const page = await hbPage()
    const s = await serve((_r, res) => sendJson(res, { ...page, page_info: { has_next_page: false } }))
    const e = await protocolFailure(new SuClient(s.url, http).getSchedulePage({ processId: 'P'.repeat(43) }))
    expect(e.message).toContain('edges[0]: the assignment has dev_json_iface keys')
  })

  it('a single message read the same way', async () => {
    const page = await hbPage()
    const s = await serve((_r, res) => sendJson(res, page.edges[0]!.node))
    const e = await protocolFailure(new SuClient(s.url, http).getMessage('M'.repeat(43), 'P'.repeat(43)))
    expect(e.message).toMatch(/^HyperBEAM scheduler: not supported yet: the message read:/)
  })

  it('a legacynet page is not mistaken for one', async () => {
    const log = await buildSignedLog([1000, 1001])
    const s = await serve((_r, res) => sendJson(res, { page_info: { has_next_page: false }, edges: log.edges }))
    const page = await new SuClient(s.url, http).getSchedulePage({ processId: log.processId })
    expect(page.edges).toHaveLength(2)
  })
})
