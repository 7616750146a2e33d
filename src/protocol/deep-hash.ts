/**
 * Arweave deep hash (SHA-384), the message that ANS-104 items and Arweave transactions sign.
 *
 *   blob b:  H( H("blob" + len(b)) ‖ H(b) )
 *   list l:  acc = H("list" + len(l)); for each item: acc = H( acc ‖ deepHash(item) )
 *
 * (arweave-js src/common/lib/deepHash.ts.) Two entry points:
 * - `deepHash` is synchronous (@noble/hashes) and feeds the hasher incrementally, no concatenation.
 * - `deepHashAsync` gives the same bytes but hashes large blobs with WebCrypto, which is native and
 *   several times faster than a JS SHA-384 on megabyte payloads (message data, module bytes).
 */
import { sha384 } from '@noble/hashes/sha2.js'
import { utf8Encode } from './bytes'

export type DeepHashChunk = Uint8Array | readonly DeepHashChunk[]

/** Blobs at least this large are hashed with WebCrypto by `deepHashAsync`; below it the promise costs more than it saves. */
export const ASYNC_BLOB_THRESHOLD = 32 * 1024

// H("blob"+n) / H("list"+n) recur constantly (same lengths: 32-byte ids, 512-byte keys, 8-item lists).
const TAG_CACHE_LIMIT = 4096
const tagCache = new Map<string, Uint8Array>()

function tagHash(kind: 'blob' | 'list', n: number): Uint8Array {
  const key = kind + n
  let h = tagCache.get(key)
  if (h === undefined) {
    h = sha384(utf8Encode(key))
    if (tagCache.size >= TAG_CACHE_LIMIT) tagCache.clear()
    tagCache.set(key, h)
  }
  return h
}

/** H(H("blob"+len) ‖ leaf) once the leaf digest H(b) is known. */
export function blobHashFromDigest(length: number, digest: Uint8Array): Uint8Array {
  return sha384.create().update(tagHash('blob', length)).update(digest).digest()
}

export function deepHashBlob(bytes: Uint8Array): Uint8Array {
  return blobHashFromDigest(bytes.length, sha384(bytes))
}

/** Folds already-hashed items onto a list accumulator: acc = H(acc ‖ itemHash). */
export function foldListHash(acc: Uint8Array, itemHash: Uint8Array): Uint8Array {
  return sha384.create().update(acc).update(itemHash).digest()
}

export function listTagHash(length: number): Uint8Array {
  return tagHash('list', length)
}

export function deepHash(chunk: DeepHashChunk): Uint8Array {
  if (!isList(chunk)) return deepHashBlob(chunk)
  let acc = tagHash('list', chunk.length)
  for (const item of chunk) acc = foldListHash(acc, deepHash(item))
  return acc
}

export async function deepHashAsync(chunk: DeepHashChunk): Promise<Uint8Array> {
  if (!isList(chunk)) return deepHashBlobAsync(chunk)
  let acc = tagHash('list', chunk.length)
  for (const item of chunk) acc = foldListHash(acc, await deepHashAsync(item))
  return acc
}

/** `threshold`: the size from which WebCrypto hashes the blob (default ASYNC_BLOB_THRESHOLD). */
export async function deepHashBlobAsync(bytes: Uint8Array, threshold = ASYNC_BLOB_THRESHOLD): Promise<Uint8Array> {
  // Without WebCrypto (insecure context) the JS hash gives the same bytes, only slower.
  const subtle = globalThis.crypto?.subtle
  if (bytes.length < threshold || !subtle) return deepHashBlob(bytes)
  const digest = new Uint8Array(await subtle.digest('SHA-384', bytes as Uint8Array<ArrayBuffer>))
  return blobHashFromDigest(bytes.length, digest)
}

function isList(chunk: DeepHashChunk): chunk is readonly DeepHashChunk[] {
  return Array.isArray(chunk)
}
