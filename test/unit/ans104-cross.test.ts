/**
 * Cross-implementation proof: items made by arbundles (fixtures from test/fixtures/ans104/generate.ts)
 * decode and verify in ours with the same ids and signature data, and items we sign verify in
 * arbundles, arweave-js and ethers.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DataItem as ArDataItem, ArweaveSigner as ArArweaveSigner, MultiSignatureAptosSigner, createData } from 'arbundles'
import { ed25519 } from '@noble/curves/ed25519.js'
import Arweave from 'arweave'
import { verifyMessage } from '@ethersproject/wallet'
import {
  decodeDataItem,
  encodeDataItem,
  getSignatureData,
  getSignatureDataAsync,
  signDataItem,
  verifyDataItem,
  type DataItem,
  type Signer,
} from '../../src/protocol/ans104'
import { ArweaveJwkSigner, Ed25519Signer, EthereumSigner, type ArweaveJwk } from '../../src/protocol/signing'
import { ownerToAddress } from '../../src/protocol/address'
import { toB64Url } from '../../src/protocol/base64url'
import type { FixtureEntry } from '../fixtures/ans104/generate'

const dir = join(__dirname, '../fixtures/ans104')
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as FixtureEntry[]
const load = (e: FixtureEntry) => new Uint8Array(readFileSync(join(dir, e.file)))
const jwk = JSON.parse(readFileSync(join(dir, 'arweave-key.json'), 'utf8')) as ArweaveJwk
const b64 = (b: Uint8Array | undefined) => (b ? toB64Url(b) : '')

describe('arbundles fixtures decode in ours', () => {
  it('covers every signature type 1-7', () => {
    expect(new Set(manifest.map((e) => e.signatureType))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]))
  })

  for (const e of manifest) {
    it(`${e.name} (type ${e.signatureType})`, async () => {
      const bytes = load(e)
      const item = decodeDataItem(bytes)
      expect(item.signatureType).toBe(e.signatureType)
      expect(item.id).toBe(e.id)
      expect(b64(item.owner)).toBe(e.owner)
      expect(b64(item.target)).toBe(e.target)
      expect(b64(item.anchor)).toBe(e.anchor)
      expect(item.tags).toEqual(e.tags)
      expect(item.data.length).toBe(e.dataLength)
      expect(createHash('sha256').update(item.data).digest('hex')).toBe(e.dataSha256)
      expect(toB64Url(getSignatureData(item))).toBe(e.signatureData)
      expect(toB64Url(await getSignatureDataAsync(item))).toBe(e.signatureData)
      // rebuilding from the tag list (the SU-JSON path) gives the same signed bytes
      expect(toB64Url(getSignatureData({ ...item, rawTags: undefined }))).toBe(e.signatureData)
      expect(ownerToAddress(item.signatureType, item.owner)).toBe(e.address)
      expect(encodeDataItem(item)).toEqual(bytes)
      expect(await verifyDataItem(item)).toBe(true)
    })
  }
})

/** Offsets inside an item's bytes, from our decoder (views share the buffer). */
function offsetOf(bytes: Uint8Array, view: Uint8Array): number {
  return view.byteOffset - bytes.byteOffset
}

describe('tampered arbundles items fail verification', () => {
  const cases = manifest.filter((e) => e.dataLength > 0 && e.tags.length > 0)
  it('has tamperable fixtures of types 1-7', () => {
    expect(new Set(cases.map((e) => e.signatureType))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]))
  })
  for (const e of cases) {
    const parts: Record<string, (item: DataItem, bytes: Uint8Array) => number> = {
      data: (item, bytes) => offsetOf(bytes, item.data) + (item.data.length >> 1),
      // last byte before the Avro terminator is inside the last tag value: structure stays valid
      tags: (item, bytes) => offsetOf(bytes, item.rawTags) + item.rawTags.length - 2,
      signature: (item, bytes) => offsetOf(bytes, item.signature) + 10,
      owner: (item, bytes) => offsetOf(bytes, item.owner) + (item.owner.length >> 1),
    }
    for (const [part, at] of Object.entries(parts)) {
      it(`${e.name}: flipped ${part} byte`, async () => {
        const bytes = load(e)
        const pos = at(decodeDataItem(bytes), bytes)
        bytes[pos]! ^= 0x01
        const tampered = decodeDataItem(bytes)
        expect(await verifyDataItem(tampered)).toBe(false)
        // and arbundles agrees (it throws rather than returning false on keys/signatures off the curve)
        expect(await ArDataItem.verify(Buffer.from(bytes)).catch(() => false)).toBe(false)
      })
    }
  }
})

describe('items we sign verify in arbundles', () => {
  const signers: [string, () => Signer][] = [
    ['arweave (RSA-PSS salt 32)', () => new ArweaveJwkSigner(jwk)],
    ['ed25519', () => new Ed25519Signer(createHash('sha256').update('ours ed25519').digest())],
    ['ethereum', () => new EthereumSigner(createHash('sha256').update('ours ethereum').digest('hex'))],
  ]
  const inputs = [
    { label: 'ao message', input: { data: 'Send({ Target = ao.id })', tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Action', value: 'Eval' }] } },
    { label: 'target+anchor+unicode', input: { data: new Uint8Array([1, 2, 3]), target: toB64Url(new Uint8Array(32).fill(9)), anchor: 'ours-anchor-0123456789abcdefghij', tags: [{ name: 'Grüße 🌍', value: '日本語' }] } },
    { label: 'empty', input: {} },
    { label: 'large data', input: { data: new Uint8Array(200_000).map((_, i) => i * 7), tags: [{ name: 'Content-Type', value: 'application/octet-stream' }] } },
  ]
  for (const [name, make] of signers) {
    for (const { label, input } of inputs) {
      it(`${name}: ${label}`, async () => {
        const signer = make()
        const { bytes, id, item } = await signDataItem(input, signer)
        expect(await verifyDataItem(decodeDataItem(bytes))).toBe(true)
        const theirs = new ArDataItem(Buffer.from(bytes))
        expect(await ArDataItem.verify(Buffer.from(bytes))).toBe(true)
        expect(theirs.id).toBe(id)
        expect(theirs.signatureType).toBe(signer.signatureType)
        expect(theirs.tags).toEqual(item.tags)
        const sigData = await theirs.getSignatureData()
        expect(toB64Url(getSignatureData(item))).toBe(toB64Url(sigData))
        if (signer.signatureType === 1) {
          // arweave-js's own verifier (tries salts 0, 32, max) and arbundles' ArweaveSigner
          const arweave = Arweave.init({})
          expect(await arweave.crypto.verify(toB64Url(item.owner), sigData, item.signature)).toBe(true)
          expect(await ArArweaveSigner.verify(toB64Url(item.owner), sigData, item.signature)).toBe(true)
        }
        if (signer.signatureType === 3) {
          // ethers recovers the EIP-191 signer: the address we derive from the owner key
          expect(verifyMessage(sigData, item.signature)).toBe(ownerToAddress(3, item.owner))
        }
      })
    }
  }
})

describe('multi-ed25519 (type 6) threshold', () => {
  it('rejects an item with fewer signatures than the owner threshold, which arbundles accepts', async () => {
    const sks = [1, 2].map((i) => createHash('sha256').update(`multi ${i}`).digest())
    const owner = Buffer.alloc(32 * 32 + 1)
    sks.forEach((sk, i) => owner.set(ed25519.getPublicKey(sk), i * 32))
    owner[32 * 32] = 2 // threshold 2, but only key 0 signs
    const signer = new MultiSignatureAptosSigner(owner, async (message) => ({ signatures: [Buffer.from(ed25519.sign(message, sks[0]!))], bitmap: [0] }))
    const item = createData('under threshold', signer, { tags: [{ name: 'A', value: 'b' }] })
    await item.sign(signer)
    const bytes = new Uint8Array(item.getRaw())
    expect(await ArDataItem.verify(Buffer.from(bytes))).toBe(true)
    expect(await verifyDataItem(decodeDataItem(bytes))).toBe(false)
  })
})
