/**
 * A real SU signs every assignment with 32 random anchor bytes (servers/su bytes.rs DataItem::new).
 * Its JSON (json.rs) carries the anchor as UTF-8 text, "" -> null when the bytes are not UTF-8,
 * and as base64url only when asked with `show-anchor=true` (the light node always asks:
 * src/compute/log-sync.ts). Built here with arbundles and the devnet SU key, the anchor bytes set
 * before signing (arbundles only takes text anchors).
 */
import { describe, it, expect } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { ArweaveSigner, createData, type DataItem } from 'arbundles'
import { LogChecker } from '../../src/protocol/log-check'
import { hashChainSeed, nextHashChain } from '../../src/protocol/hash-chain'
import { suPage } from '../../src/protocol/su-types'
import { jwk, suSigner, SU_ADDRESS } from './su-signed-log'

const wallet = new ArweaveSigner(jwk('wallet-a'))
type Tag = { name: string; value: string }

async function signed(signer: ArweaveSigner, tags: Tag[], data: string, opts: { target?: string; binaryAnchor?: boolean } = {}): Promise<DataItem> {
  const item = createData(data, signer, { tags, ...(opts.target && { target: opts.target }), ...(opts.binaryAnchor && { anchor: 'A'.repeat(32) }) })
  if (opts.binaryAnchor) {
    const raw = item.getRaw()
    const anchorAt = 2 + 512 + 512 + (opts.target ? 33 : 1) + 1
    randomBytes(32).copy(raw, anchorAt)
    raw[anchorAt] = 0xff // never valid UTF-8
  }
  await item.sign(signer)
  return item
}

/** json.rs + bytes.rs: UTF-8 text, else base64url with show-anchor, else null. */
function anchorJson(item: DataItem, showAnchor: boolean): string | null {
  const raw = item.rawAnchor
  if (raw.length === 0) return null
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    return showAnchor ? Buffer.from(raw).toString('base64url') : null
  }
}

const owner = (d: DataItem) => ({ address: createHash('sha256').update(d.rawOwner).digest('base64url'), key: d.owner })
const nodeJson = (a: DataItem, m: DataItem, showAnchor: boolean, target: string | null) => ({
  message: { id: m.id, owner: owner(m), data: Buffer.from(m.rawData).toString('utf8'), tags: m.tags, signature: m.signature, anchor: anchorJson(m, false), target },
  assignment: { id: a.id, owner: owner(a), tags: a.tags, signature: a.signature, anchor: anchorJson(a, showAnchor), target: '' },
})

describe('assignments signed with a binary anchor (real SU)', () => {
  it('verify with show-anchor; without it the SU hides the anchor and the signature cannot be checked', async () => {
    const proc = await signed(wallet, [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Process' }, { name: 'Module', value: 'x'.repeat(43) }, { name: 'Scheduler', value: SU_ADDRESS }], '1984')
    const pid = proc.id
    const assignmentTags = (nonce: number, chain: string, message?: string): Tag[] => [
      { name: 'Process', value: pid },
      ...(message ? [{ name: 'Message', value: message }] : []),
      { name: 'Epoch', value: '0' },
      { name: 'Nonce', value: String(nonce) },
      { name: 'Hash-Chain', value: chain },
      { name: 'Block-Height', value: '1500000' },
      { name: 'Timestamp', value: '1700000000000' },
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Type', value: 'Assignment' },
      { name: 'Variant', value: 'ao.TN.1' },
    ]
    const seed = hashChainSeed(pid)
    const a0 = await signed(suSigner, assignmentTags(0, seed), '', { binaryAnchor: true })
    const msg = await signed(wallet, [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Message' }, { name: 'Action', value: 'Eval' }], '1+1', { target: pid })
    const a1 = await signed(suSigner, assignmentTags(1, nextHashChain(a0.id, seed), msg.id), '', { binaryAnchor: true })

    const check = async (showAnchor: boolean) => {
      const page = suPage({
        page_info: { has_next_page: false },
        edges: [
          { cursor: '0', node: nodeJson(a0, proc, showAnchor, null) },
          { cursor: '1', node: nodeJson(a1, msg, showAnchor, pid) },
        ],
      })
      return new LogChecker({ processId: pid, scheduler: { address: SU_ADDRESS } }).checkPage(page.edges)
    }
    const shown = await check(true)
    expect(shown.failure).toBeUndefined()
    expect(shown.verified.map((v) => v.level)).toEqual(['chained', 'chained'])

    const hidden = await check(false)
    expect(hidden.verified).toHaveLength(0)
    expect(hidden.failure?.code).toBe('log/assignment-signature')
  }, 60_000)
})
