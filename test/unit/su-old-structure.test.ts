/**
 * Old-structure (pre-aop6) edges: the SU serves its signed outer bundle item as the assignment
 * (json.rs Message::from_bytes, `Epoch` as a top-level tag). Built here the way that SU stored
 * them: arbundles bundles the message and signs an outer item carrying the bundle tags and the
 * protocol tags with the devnet SU key; rendered as from_bytes renders it (no data). Its
 * signature is genuine but cannot be checked from the JSON; the helper says so, while a current
 * assignment is not flagged.
 */
import { describe, it, expect } from 'vitest'
import { createData, bundleAndSignData, ArweaveSigner } from 'arbundles'
import { verifyDataItem } from '../../src/protocol/ans104'
import { fromB64Url } from '../../src/protocol/base64url'
import { oldStructureAssignmentReason } from '../../src/protocol/su-types'
import { LogChecker } from '../../src/protocol/log-check'
import { assignmentJson, buildSignedLog, jwk, suSigner } from './su-signed-log'

describe('oldStructureAssignmentReason', () => {
  it('flags a genuine old-structure outer item, which cannot verify without its bundle data', async () => {
    const wallet = new ArweaveSigner(jwk('wallet-a'))
    const message = createData('hello', wallet, { tags: [{ name: 'Type', value: 'Message' }] })
    await message.sign(wallet)
    const bundle = await bundleAndSignData([message], suSigner)
    const outer = createData(new Uint8Array(bundle.getRaw()), suSigner, {
      tags: [
        { name: 'Bundle-Format', value: 'binary' },
        { name: 'Bundle-Version', value: '2.0.0' },
        { name: 'Block-Height', value: '000001300000' },
        { name: 'Timestamp', value: '1700000000000' },
        { name: 'Epoch', value: '0' },
        { name: 'Nonce', value: '3' },
        { name: 'Hash-Chain', value: 'H'.repeat(43) },
      ],
    })
    await outer.sign(suSigner)
    expect(await outer.isValid()).toBe(true)
    const a = assignmentJson(outer)
    // What the log checker does with an assignment (empty data): the genuine signature fails.
    const ok = await verifyDataItem({ signatureType: 1, signature: fromB64Url(a.signature), owner: fromB64Url(a.owner.key), tags: a.tags, data: new Uint8Array(0) })
    expect(ok).toBe(false)
    expect(oldStructureAssignmentReason(a)).toMatch(/old-structure \(pre-aop6\).*Bundle-Format: binary.*cannot be verified from the SU/)

    // The log checker reports it as unverifiable, not as a forged assignment signature.
    const log = await buildSignedLog([1000])
    const edge = { ...log.edges[0]!, node: { ...log.edges[0]!.node, assignment: a } }
    const checked = await new LogChecker({ processId: log.processId, scheduler: { key: a.owner.key } }).checkPage([edge])
    expect(checked.verified).toHaveLength(0)
    expect(checked.failure?.code).toBe('log/unverifiable-assignment')
    expect(checked.failure?.details).toMatchObject({ nonce: 3, oldStructure: true })
  }, 30_000)

  it('does not flag current assignments', async () => {
    const log = await buildSignedLog([1000, 1001])
    for (const e of log.edges) expect(oldStructureAssignmentReason(e.node.assignment)).toBeUndefined()
  })
})
