/** Strict ANS-104 decoding, Avro tag blocks, limits, item creation and addresses. */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  createUnsignedItem,
  decodeDataItem,
  decodeTags,
  decodeVerifiedDataItem,
  encodeTags,
  signDataItem,
  verifyDataItem,
  type Tag,
} from '../../src/protocol/ans104'
import { ArweaveJwkSigner, cachedKeyCount, Ed25519Signer, EthereumSigner, forceNobleEd25519, type ArweaveJwk } from '../../src/protocol/signing'
import type { FixtureEntry } from '../fixtures/ans104/generate'
import { ownerToAddress, toChecksumAddress } from '../../src/protocol/address'
import { signatureTypeForOwnerLength, signatureTypeInfo } from '../../src/protocol/signature-types'
import { isProtocolError, type ProtocolErrorCode } from '../../src/protocol/errors'
import { writeU64LE } from '../../src/protocol/bytes'
import { toB64Url } from '../../src/protocol/base64url'

const ed = new Ed25519Signer(createHash('sha256').update('ans104 unit ed25519').digest())
const tags: Tag[] = [
  { name: 'Data-Protocol', value: 'ao' },
  { name: 'Action', value: 'Transfer' },
  { name: 'Quantity', value: '1000' },
]
const target = new Uint8Array(32).fill(3)
const anchor = 'anchor-anchor-anchor-anchor-0123'

function throwsCode(fn: () => unknown, code: ProtocolErrorCode): void {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught, `expected ProtocolError ${code}`).toBeDefined()
  expect(isProtocolError(caught), `not a ProtocolError: ${String(caught)}`).toBe(true)
  expect((caught as { code: string }).code).toBe(code)
}

/** Offset of the tag header (u64 count, u64 bytes) in an ed25519 item with target and anchor. */
const TAG_HEADER = 2 + 64 + 32 + 33 + 33

describe('decodeDataItem', () => {
  it('round-trips a signed item and verifies it', async () => {
    const { bytes, id } = await signDataItem({ data: 'payload', tags, target, anchor }, ed)
    const item = await decodeVerifiedDataItem(bytes)
    expect(item.id).toBe(id)
    expect(item.tags).toEqual(tags)
    expect(new TextDecoder().decode(item.data)).toBe('payload')
    expect(item.target).toEqual(target)
    expect(new TextDecoder().decode(item.anchor)).toBe(anchor)
  })

  it('rejects every truncation before the data, and keeps a shorter data after it', async () => {
    const { bytes } = await signDataItem({ data: 'payload', tags, target, anchor }, ed)
    const dataStart = bytes.length - 'payload'.length
    for (let n = 0; n < dataStart; n++) throwsCode(() => decodeDataItem(bytes.subarray(0, n)), 'item/truncated')
    for (let n = dataStart; n <= bytes.length; n++) expect(decodeDataItem(bytes.subarray(0, n)).data.length).toBe(n - dataStart)
  })

  it('rejects unknown signature types and parses all of 1-7', () => {
    for (const t of [0, 8, 255, 0xffff]) throwsCode(() => decodeDataItem(new Uint8Array([t & 0xff, t >> 8, ...new Uint8Array(2000)])), 'item/unknown-signature-type')
    for (let t = 1; t <= 7; t++) {
      const info = signatureTypeInfo(t)
      const bytes = new Uint8Array(2 + info.signatureLength + info.ownerLength + 2 + 16)
      bytes[0] = t
      const item = decodeDataItem(bytes)
      expect(item.signatureType).toBe(t)
      expect(item.signature.length).toBe(info.signatureLength)
      expect(item.owner.length).toBe(info.ownerLength)
    }
  })

  it('rejects presence bytes other than 0/1', async () => {
    const { bytes } = await signDataItem({ data: 'x', tags }, ed)
    const badTarget = bytes.slice()
    badTarget[2 + 64 + 32] = 2
    throwsCode(() => decodeDataItem(badTarget), 'item/bad-presence-byte')
    const badAnchor = bytes.slice()
    badAnchor[2 + 64 + 32 + 1] = 0x80
    throwsCode(() => decodeDataItem(badAnchor), 'item/bad-presence-byte')
  })

  it('checks the declared tag count and byte size against the Avro blob', async () => {
    const { bytes } = await signDataItem({ data: 'some data', tags, target, anchor }, ed)
    const withCount = (n: number) => {
      const b = bytes.slice()
      writeU64LE(b, TAG_HEADER, n)
      return b
    }
    throwsCode(() => decodeDataItem(withCount(2)), 'item/tag-encoding')
    throwsCode(() => decodeDataItem(withCount(4)), 'item/tag-encoding')
    throwsCode(() => decodeDataItem(withCount(0)), 'item/tag-encoding')
    throwsCode(() => decodeDataItem(withCount(129)), 'item/tag-limit')
    const size = bytes[TAG_HEADER + 8]!
    const withSize = (n: number) => {
      const b = bytes.slice()
      writeU64LE(b, TAG_HEADER + 8, n)
      return b
    }
    throwsCode(() => decodeDataItem(withSize(size + 1)), 'item/tag-encoding') // a data byte after the terminator
    throwsCode(() => decodeDataItem(withSize(size - 1)), 'item/tag-encoding') // terminator cut off
    throwsCode(() => decodeDataItem(withSize(bytes.length)), 'item/truncated')
    const huge = bytes.slice()
    huge.fill(0xff, TAG_HEADER + 8, TAG_HEADER + 16)
    throwsCode(() => decodeDataItem(huge), 'item/truncated')
  })

  it('accepts an item without tags only with 0 tag bytes, or an empty Avro array', async () => {
    const { bytes } = await signDataItem({ data: 'x' }, ed)
    expect(decodeDataItem(bytes).tags).toEqual([])
    expect(decodeTags(new Uint8Array([0]), 0)).toEqual([])
    throwsCode(() => decodeTags(new Uint8Array(0), 1), 'item/tag-encoding')
  })
})

/** Re-encodes encodeTags output as Avro blocks of the given sizes, optionally with negative counts + byte sizes. */
function blocks(list: Tag[], sizes: number[], negative: boolean): Uint8Array {
  const zz = (n: number) => {
    const out: number[] = []
    let z = n >= 0 ? n * 2 : -n * 2 - 1
    while (z >= 128) {
      out.push((z & 0x7f) | 0x80)
      z = Math.floor(z / 128)
    }
    out.push(z)
    return out
  }
  const out: number[] = []
  let i = 0
  for (const size of sizes) {
    const items = encodeTags(list.slice(i, i + size))
    i += size
    // encodeTags gives count ‖ items ‖ 0: keep the items
    const body = [...items.subarray(zz(size).length, items.length - 1)]
    if (negative) out.push(...zz(-size), ...zz(body.length), ...body)
    else out.push(...zz(size), ...body)
  }
  out.push(0)
  return new Uint8Array(out)
}

describe('Avro tags', () => {
  const many: Tag[] = Array.from({ length: 70 }, (_, i) => ({ name: `n${i}`, value: 'é'.repeat(i + 1) }))

  it('decodes multiple blocks and negative counts with byte sizes', () => {
    expect(decodeTags(blocks(many, [70], false), 70)).toEqual(many)
    expect(decodeTags(blocks(many, [30, 1, 39], false), 70)).toEqual(many)
    expect(decodeTags(blocks(many, [70], true), 70)).toEqual(many)
    expect(decodeTags(blocks(many, [10, 60], true), 70)).toEqual(many)
  })

  it('rejects a negative block whose byte size lies', () => {
    const blob = blocks(many.slice(0, 3), [3], true)
    const lie = blob.slice()
    lie[1] = lie[1]! - 2 // zig-zag size - 1
    throwsCode(() => decodeTags(lie, 3), 'item/tag-encoding')
  })

  it('enforces tag limits when decoding', () => {
    throwsCode(() => decodeTags(encodeTags([{ name: '', value: 'v' }]), 1), 'item/tag-limit')
    throwsCode(() => decodeTags(encodeTags([{ name: 'n', value: '' }]), 1), 'item/tag-limit')
    throwsCode(() => decodeTags(encodeTags([{ name: 'n'.repeat(1025), value: 'v' }]), 1), 'item/tag-limit')
    throwsCode(() => decodeTags(encodeTags([{ name: 'n', value: 'v'.repeat(3073) }]), 1), 'item/tag-limit')
    expect(decodeTags(encodeTags([{ name: 'n'.repeat(1024), value: 'v'.repeat(3072) }]), 1)).toHaveLength(1)
    throwsCode(() => decodeTags(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 1), 'item/tag-encoding')
  })

  it('enforces tag limits when creating items', () => {
    const tooMany = Array.from({ length: 129 }, (_, i) => ({ name: `n${i}`, value: 'v' }))
    throwsCode(() => createUnsignedItem({ tags: tooMany }, ed), 'item/tag-limit')
    throwsCode(() => createUnsignedItem({ tags: [{ name: 'n', value: '' }] }, ed), 'item/tag-limit')
    throwsCode(() => createUnsignedItem({ target: new Uint8Array(31) }, ed), 'item/bad-field')
    throwsCode(() => createUnsignedItem({ anchor: 'short' }, ed), 'item/bad-field')
  })
})

describe('verifyDataItem', () => {
  it('throws typed errors for unknown types and wrong lengths', async () => {
    const { item } = await signDataItem({ data: 'x' }, ed)
    // same key and lengths, but type 5 signs a different message text: a clean false
    expect(await verifyDataItem({ ...item, signatureType: 5 })).toBe(false)
    await expect(verifyDataItem({ ...item, signatureType: 7 })).rejects.toSatisfy((e) => isProtocolError(e, 'item/bad-signature'))
    await expect(verifyDataItem({ ...item, owner: item.owner.subarray(1) })).rejects.toSatisfy((e) => isProtocolError(e, 'item/bad-key'))
    await expect(verifyDataItem({ ...item, signatureType: 9 })).rejects.toSatisfy((e) => isProtocolError(e, 'item/unknown-signature-type'))
  })

  it('verifies items rebuilt from tags (SU JSON) and rejects changed fields', async () => {
    const { item } = await signDataItem({ data: 'hello', tags, target, anchor }, ed)
    const rebuilt = { signatureType: 2, signature: item.signature, owner: item.owner, target, anchor: item.anchor, tags, data: new TextEncoder().encode('hello') }
    expect(await verifyDataItem(rebuilt)).toBe(true)
    expect(await verifyDataItem({ ...rebuilt, tags: tags.slice(1) })).toBe(false)
    expect(await verifyDataItem({ ...rebuilt, target: undefined })).toBe(false)
    expect(await verifyDataItem({ ...rebuilt, data: new TextEncoder().encode('hellO') })).toBe(false)
  })

  it('caches one RSA key per owner across many items', async () => {
    const jwk = JSON.parse(readFileSync(join(__dirname, '../fixtures/ans104/arweave-key.json'), 'utf8')) as ArweaveJwk
    const signer = new ArweaveJwkSigner(jwk)
    const items = await Promise.all(Array.from({ length: 5 }, (_, i) => signDataItem({ data: `n${i}`, tags }, signer)))
    await verifyDataItem(items[0]!.item)
    const before = cachedKeyCount()
    for (const { item } of items) expect(await verifyDataItem(item)).toBe(true)
    expect(cachedKeyCount()).toBe(before)
  })

  it('rejects a decode+verify of a tampered item with item/bad-signature', async () => {
    const { bytes } = await signDataItem({ data: 'hello', tags }, ed)
    bytes[bytes.length - 1]! ^= 1
    await expect(decodeVerifiedDataItem(bytes)).rejects.toSatisfy((e) => isProtocolError(e, 'item/bad-signature'))
  })
})

describe('ed25519 without WebCrypto Ed25519 (the @noble/curves path)', () => {
  it('verifies the arbundles ed25519-family fixtures and rejects flipped signatures', async () => {
    const dir = join(__dirname, '../fixtures/ans104')
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as FixtureEntry[]
    const edFamily = manifest.filter((e) => [2, 4, 5, 6].includes(e.signatureType))
    expect(edFamily.length).toBeGreaterThanOrEqual(4)
    forceNobleEd25519(true)
    try {
      for (const e of edFamily) {
        const bytes = new Uint8Array(readFileSync(join(dir, e.file)))
        expect(await verifyDataItem(decodeDataItem(bytes)), e.name).toBe(true)
        bytes[2 + 5]! ^= 0x10 // inside the signature
        expect(await verifyDataItem(decodeDataItem(bytes)), e.name).toBe(false)
      }
    } finally {
      forceNobleEd25519(false)
    }
  })
})

describe('addresses and owner lengths', () => {
  it('checksums Ethereum addresses per EIP-55 (spec vectors)', () => {
    for (const a of ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb']) {
      expect(toChecksumAddress(a.toLowerCase())).toBe(a)
    }
  })

  it('derives base64url(sha256(owner)) for non-Ethereum owners and 0x… for type 3', () => {
    expect(ownerToAddress(2, ed.publicKey)).toBe(toB64Url(createHash('sha256').update(ed.publicKey).digest()))
    const eth = new EthereumSigner(createHash('sha256').update('addr').digest())
    expect(ownerToAddress(3, eth.publicKey)).toMatch(/^0x[0-9a-fA-F]{40}$/)
  })

  it('maps SU owner lengths to signature types', () => {
    expect(signatureTypeForOwnerLength(512)).toBe(1)
    expect(signatureTypeForOwnerLength(32)).toBe(2)
    expect(signatureTypeForOwnerLength(65)).toBe(3)
    expect(signatureTypeForOwnerLength(42)).toBe(7)
    expect(signatureTypeForOwnerLength(1025)).toBe(6)
    throwsCode(() => signatureTypeForOwnerLength(33), 'item/bad-key')
  })
})
