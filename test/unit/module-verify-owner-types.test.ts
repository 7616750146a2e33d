/**
 * Gateway-described items (owner key, signature, tags, target, anchor from GraphQL; bytes from
 * /raw) are checked for every ANS-104 signature type our signing.ts verifies, the type guessed
 * from the owner length (protocol/owner-signature-types.ts). Items are the arbundles-signed
 * fixtures of test/fixtures/ans104 (generate.ts), rendered as a gateway would describe them.
 */
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { decodeDataItem } from '../../src/protocol/ans104'
import { toB64Url } from '../../src/protocol/base64url'
import { itemBytesVerify } from '../../src/compute/module-verify'
import { signatureTypesForOwnerLength } from '../../src/protocol/owner-signature-types'
import type { GqlTransaction } from '../../src/protocol/gateway-client'

const fixture = (name: string) => decodeDataItem(new Uint8Array(readFileSync(new URL(`../fixtures/ans104/items/${name}.bin`, import.meta.url))))

function gatewayMeta(name: string) {
  const item = fixture(name)
  const meta: GqlTransaction = {
    id: item.id,
    owner: { address: 'unused-by-the-check', key: toB64Url(item.owner) },
    tags: item.tags,
    signature: toB64Url(item.signature),
    anchor: item.anchor ? toB64Url(item.anchor) : '',
    recipient: item.target ? toB64Url(item.target) : '',
    block: null,
  }
  return { item, meta }
}

describe('itemBytesVerify: signature type from the owner length', () => {
  const cases: [string, number][] = [
    ['arweave-target-anchor', 1],
    ['ed25519-target-anchor', 2],
    ['ethereum-basic', 3],
    ['solana-target-anchor', 4],
    ['aptos-basic', 5],
    ['multi-aptos-basic', 6],
    ['typed-ethereum-basic', 7],
  ]
  for (const [name, type] of cases) {
    it(`verifies a type ${type} item (${name}) and refuses changed bytes`, async () => {
      const { item, meta } = gatewayMeta(name)
      expect(item.signatureType).toBe(type)
      expect(signatureTypesForOwnerLength(item.owner.length)).toContain(type)
      expect(await itemBytesVerify(meta, item.data)).toEqual({ ok: true })
      const changed = new Uint8Array([...item.data, 0x21])
      const v = await itemBytesVerify(meta, changed)
      expect(v.ok).toBe(false)
    })
  }

  it('names an owner length no type has', async () => {
    const { item, meta } = gatewayMeta('ed25519-basic')
    const v = await itemBytesVerify({ ...meta, owner: { ...meta.owner, key: toB64Url(new Uint8Array(33)) } }, item.data)
    expect(v).toEqual({ ok: false, reason: 'owner key of 33 bytes fits no signature type' })
  })
})
