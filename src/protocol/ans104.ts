/**
 * ANS-104 data items: strict binary decoding, encoding, signature data, signing and verification.
 *
 * Layout (little-endian; ao servers/su core/bytes.rs, arbundles DataItem):
 *   u16 signatureType | signature | owner | u8 0/1 [+32 target] | u8 0/1 [+32 anchor]
 *   | u64 tagCount | u64 tagBytes | Avro tags | data
 * id = base64url(SHA-256(signature)).
 * Signed message = deepHash(["dataitem", "1", String(type), owner, target, anchor, avroTags, data]),
 * target/anchor empty when absent and the Avro blob as one chunk (not a nested tag list).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ProtocolError } from './errors'
import { fromB64Url, toB64Url } from './base64url'
import { EMPTY_BYTES, readU64LE, utf8Encode, writeU64LE } from './bytes'
import { assertTagLimits, decodeTags, encodeTags, MAX_TAGS, type Tag } from './avro-tags'
import { ASYNC_BLOB_THRESHOLD, deepHashBlob, deepHashBlobAsync, foldListHash, listTagHash } from './deep-hash'
import { OwnerMemo } from './owner-memo'
import { signatureTypeInfo, type SignatureType } from './signature-types'
import { canVerify, verifySignature, type Signer } from './signing'

export type { Tag } from './avro-tags'
export { encodeTags, decodeTags, assertTagLimits } from './avro-tags'
export type { Signer } from './signing'

/** A decoded item. Byte fields are views into the decoded buffer (no copies): don't mutate it. */
export interface DataItem {
  signatureType: SignatureType
  signature: Uint8Array
  owner: Uint8Array
  target?: Uint8Array
  anchor?: Uint8Array
  tags: Tag[]
  /** The Avro tag bytes exactly as signed. */
  rawTags: Uint8Array
  data: Uint8Array
  /** base64url(SHA-256(signature)) */
  id: string
}

/**
 * What the signature covers. `rawTags`, when given, is used as-is (the signed bytes); otherwise
 * `tags` are Avro-encoded — the path for items rebuilt from SU JSON.
 */
export interface SignatureDataFields {
  signatureType: number
  owner: Uint8Array
  target?: Uint8Array
  anchor?: Uint8Array
  tags: readonly Tag[]
  rawTags?: Uint8Array
  data: Uint8Array
}

export interface SignedFields extends SignatureDataFields {
  signature: Uint8Array
}

/** Input for a new item. A string target is a base64url id; a string anchor is its UTF-8 bytes (ao anchors are 32-character strings). */
export interface ItemInput {
  data?: Uint8Array | string
  tags?: readonly Tag[]
  target?: Uint8Array | string
  anchor?: Uint8Array | string
}

export interface UnsignedItem extends SignatureDataFields {
  signatureType: SignatureType
  tags: Tag[]
  rawTags: Uint8Array
}

export interface SignedItem {
  bytes: Uint8Array
  id: string
  item: DataItem
}

// ---------------------------------------------------------------- decode

/** Parses an ANS-104 item strictly. Every failure is a `ProtocolError` naming the field and byte offset. */
export function decodeDataItem(bytes: Uint8Array): DataItem {
  if (bytes.length < 2) truncated('signature type', 0, 2, bytes.length)
  const signatureType = signatureTypeInfo(bytes[0]! | (bytes[1]! << 8))
  let pos = 2
  const take = (what: string, n: number): Uint8Array => {
    if (n > bytes.length - pos) truncated(what, pos, n, bytes.length - pos)
    const out = bytes.subarray(pos, pos + n)
    pos += n
    return out
  }
  const signature = take('signature', signatureType.signatureLength)
  const owner = take('owner', signatureType.ownerLength)
  const target = optional32(bytes, pos, 'target')
  pos += target ? 33 : 1
  const anchor = optional32(bytes, pos, 'anchor')
  pos += anchor ? 33 : 1
  const header = take('tag count and tag byte size', 16)
  const tagCount = readU64LE(header, 0)
  const tagBytes = readU64LE(header, 8)
  if (tagCount > MAX_TAGS) {
    throw new ProtocolError('item/tag-limit', `item declares ${tagCount} tags at byte ${pos - 16}, at most ${MAX_TAGS} allowed`, { offset: pos - 16 })
  }
  const tagsAt = pos
  const rawTags = take('tags', tagBytes)
  const tags = decodeTags(rawTags, tagCount, tagsAt)
  const data = bytes.subarray(pos)
  const item: DataItem = { signatureType: signatureType.type, signature, owner, tags, rawTags, data, id: itemId(signature) }
  if (target) item.target = target
  if (anchor) item.anchor = anchor
  return item
}

function optional32(bytes: Uint8Array, pos: number, what: 'target' | 'anchor'): Uint8Array | undefined {
  if (pos >= bytes.length) truncated(`${what} presence byte`, pos, 1, 0)
  const flag = bytes[pos]!
  if (flag === 0) return undefined
  if (flag !== 1) throw new ProtocolError('item/bad-presence-byte', `${what} presence byte at ${pos} is ${flag}, must be 0 or 1`, { offset: pos, field: what })
  if (bytes.length - pos - 1 < 32) truncated(what, pos + 1, 32, bytes.length - pos - 1)
  return bytes.subarray(pos + 1, pos + 33)
}

function truncated(what: string, at: number, need: number, have: number): never {
  throw new ProtocolError('item/truncated', `item truncated: ${what} at byte ${at} needs ${need} bytes, ${have} remain`, { offset: at, field: what })
}

export function itemId(signature: Uint8Array): string {
  return toB64Url(sha256(signature))
}

// ---------------------------------------------------------------- encode

/** Serialises a signed item. Lengths are checked against the signature type. */
export function encodeDataItem(fields: SignedFields): Uint8Array {
  const info = signatureTypeInfo(fields.signatureType)
  checkLength('signature', fields.signature, info.signatureLength, 'item/bad-signature')
  checkLength('owner', fields.owner, info.ownerLength, 'item/bad-key')
  if (fields.target) checkLength('target', fields.target, 32, 'item/bad-field')
  if (fields.anchor) checkLength('anchor', fields.anchor, 32, 'item/bad-field')
  const rawTags = fields.rawTags ?? encodeTags(fields.tags)
  const size = 2 + info.signatureLength + info.ownerLength + (fields.target ? 33 : 1) + (fields.anchor ? 33 : 1) + 16 + rawTags.length + fields.data.length
  const out = new Uint8Array(size)
  out[0] = info.type & 0xff
  out[1] = info.type >> 8
  let pos = 2
  const put = (b: Uint8Array) => {
    out.set(b, pos)
    pos += b.length
  }
  put(fields.signature)
  put(fields.owner)
  for (const opt of [fields.target, fields.anchor]) {
    out[pos++] = opt ? 1 : 0
    if (opt) put(opt)
  }
  writeU64LE(out, pos, fields.tags.length)
  writeU64LE(out, pos + 8, rawTags.length)
  pos += 16
  put(rawTags)
  put(fields.data)
  return out
}

function checkLength(field: string, bytes: Uint8Array, want: number, code: 'item/bad-signature' | 'item/bad-key' | 'item/bad-field'): void {
  if (bytes.length !== want) throw new ProtocolError(code, `${field} must be ${want} bytes, got ${bytes.length}`, { field, length: bytes.length })
}

/** Builds the fields of a new item for `signer`, checking tag limits and target/anchor lengths. */
export function createUnsignedItem(input: ItemInput, signer: Pick<Signer, 'signatureType' | 'publicKey'>): UnsignedItem {
  const info = signatureTypeInfo(signer.signatureType)
  checkLength('owner', signer.publicKey, info.ownerLength, 'item/bad-key')
  const tags = (input.tags ?? []).map((t) => ({ name: t.name, value: t.value }))
  assertTagLimits(tags)
  const item: UnsignedItem = {
    signatureType: info.type,
    owner: signer.publicKey,
    tags,
    rawTags: encodeTags(tags),
    data: typeof input.data === 'string' ? utf8Encode(input.data) : (input.data ?? EMPTY_BYTES),
  }
  if (input.target !== undefined) {
    item.target = typeof input.target === 'string' ? fromB64Url(input.target) : input.target
    checkLength('target', item.target, 32, 'item/bad-field')
  }
  if (input.anchor !== undefined) {
    item.anchor = typeof input.anchor === 'string' ? utf8Encode(input.anchor) : input.anchor
    checkLength('anchor', item.anchor, 32, 'item/bad-field')
  }
  return item
}

/** Creates, signs and serialises an item. */
export async function signDataItem(input: ItemInput, signer: Signer): Promise<SignedItem> {
  const unsigned = createUnsignedItem(input, signer)
  const signature = await signer.sign(await getSignatureDataAsync(unsigned))
  const info = signatureTypeInfo(unsigned.signatureType)
  checkLength('signature from signer', signature, info.signatureLength, 'item/bad-signature')
  const id = itemId(signature)
  const bytes = encodeDataItem({ ...unsigned, signature })
  const item: DataItem = { ...unsigned, signature, id }
  return { bytes, id, item }
}

// ---------------------------------------------------------------- signature data

// acc after folding "dataitem", "1", String(type) onto H("list8"): the same for every item of a type.
const prefixCache = new Map<number, Uint8Array>()
let emptyBlobHash: Uint8Array | undefined

function signaturePrefix(type: number): Uint8Array {
  let acc = prefixCache.get(type)
  if (!acc) {
    acc = listTagHash(8)
    for (const s of ['dataitem', '1', String(type)]) acc = foldListHash(acc, deepHashBlob(utf8Encode(s)))
    prefixCache.set(type, acc)
  }
  return acc
}

function blobHash(bytes: Uint8Array | undefined): Uint8Array {
  if (!bytes || bytes.length === 0) return (emptyBlobHash ??= deepHashBlob(EMPTY_BYTES))
  return deepHashBlob(bytes)
}

// An owner is 512 bytes for RSA (six SHA-384 blocks) and a log repeats few owners: hash each once.
const ownerHashes = new OwnerMemo<Uint8Array>()

function foldFields(fields: SignatureDataFields, tagsHash: Uint8Array, dataHash: Uint8Array): Uint8Array {
  let acc = signaturePrefix(fields.signatureType)
  acc = foldListHash(acc, ownerHashes.get(fields.owner, blobHash))
  acc = foldListHash(acc, blobHash(fields.target))
  acc = foldListHash(acc, blobHash(fields.anchor))
  acc = foldListHash(acc, tagsHash)
  return foldListHash(acc, dataHash)
}

/** The 48-byte deep hash an item's signature covers (synchronous, pure JS). */
export function getSignatureData(fields: SignatureDataFields): Uint8Array {
  return foldFields(fields, blobHash(fields.rawTags ?? encodeTags(fields.tags)), blobHash(fields.data))
}

/**
 * Same bytes as `getSignatureData`; the tag and data blobs of at least `asyncFrom` bytes
 * (default: large data only) are hashed with WebCrypto, both at once.
 */
export async function getSignatureDataAsync(fields: SignatureDataFields, asyncFrom = ASYNC_BLOB_THRESHOLD): Promise<Uint8Array> {
  const rawTags = fields.rawTags ?? encodeTags(fields.tags)
  const leaf = (b: Uint8Array) => (b.length === 0 ? blobHash(b) : b.length < asyncFrom ? deepHashBlob(b) : deepHashBlobAsync(b, asyncFrom))
  const tagsHash = leaf(rawTags)
  const dataHash = leaf(fields.data)
  return foldFields(fields, await tagsHash, await dataHash)
}

// ---------------------------------------------------------------- verify

/**
 * Tag and data blobs from this size are hashed with WebCrypto when verifying (`asyncFrom`).
 * Measured in a Chromium Worker (bench/verify.bench.ts): a WebCrypto SHA-384 call costs the
 * worker about as much as one JS block, so from two blocks up it wins, and the native hash
 * runs while the worker goes on with the next item.
 */
export const VERIFY_ASYNC_FROM = 256

/**
 * True when the item's signature verifies for its owner. Throws `item/bad-signature` /
 * `item/bad-key` when the lengths do not fit the type, and `item/unsupported-signature-type`
 * for types 5-7 (they parse, but cannot be checked here).
 */
export async function verifyDataItem(fields: SignedFields, asyncFrom = VERIFY_ASYNC_FROM): Promise<boolean> {
  const info = signatureTypeInfo(fields.signatureType)
  checkLength('signature', fields.signature, info.signatureLength, 'item/bad-signature')
  checkLength('owner', fields.owner, info.ownerLength, 'item/bad-key')
  // Before hashing: types 5-7 throw `item/unsupported-signature-type` from verifySignature.
  if (!canVerify(info.type)) return verifySignature(info.type, fields.owner, EMPTY_BYTES, fields.signature)
  return verifySignature(info.type, fields.owner, await getSignatureDataAsync(fields, asyncFrom), fields.signature)
}

/** Decodes and verifies; throws `item/bad-signature` when the signature does not verify. */
export async function decodeVerifiedDataItem(bytes: Uint8Array): Promise<DataItem> {
  const item = decodeDataItem(bytes)
  if (!(await verifyDataItem(item))) {
    throw new ProtocolError('item/bad-signature', `signature of item ${item.id} does not verify`, { id: item.id })
  }
  return item
}
