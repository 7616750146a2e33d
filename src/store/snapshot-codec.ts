/**
 * Snapshot encoding, independent of IndexedDB (runs in Node for the benchmark):
 * - capture: which pages to store (all non-zero pages for a full snapshot, pages that differ
 *   from the base's fingerprints for an incremental), copied out of the live memory, plus the
 *   SHA-256 of the whole raw memory (the definition ao Checkpoints use);
 * - gzip of the concatenated pages with CompressionStream;
 * - rebuild: apply a chain full → incrementals and check the SHA-256.
 */
import { PAGE_SIZE, fingerprintPages, isZeroFingerprint, pageCountOf, pageLength } from './memory-pages'
import { StoreError } from './errors'

/** What an incremental is computed against: the base snapshot's page fingerprints. */
export interface SnapshotBase {
  byteLength: number
  fingerprints: Uint32Array
}

export interface CapturedSnapshot {
  kind: 'full' | 'incremental'
  byteLength: number
  fingerprints: Uint32Array
  /** pages stored, ascending */
  pages: Uint32Array
  /** pages non-zero in the base, zero now */
  zeroed: Uint32Array
  /** the stored pages' bytes, concatenated (a copy: the memory may change afterwards) */
  data: Uint8Array<ArrayBuffer>
  /** hex SHA-256 of the whole memory; WebCrypto copied the bytes when capture ran */
  sha256: Promise<string>
}

export interface EncodedSnapshot extends Omit<CapturedSnapshot, 'data' | 'sha256'> {
  sha256: string
  blob: Blob
  rawSize: number
  compressedSize: number
}

/**
 * Read `memory` synchronously and take what the snapshot needs; after this returns the caller may
 * change or drop the memory. `sha256` skips hashing when the caller already has the digest.
 */
export function captureSnapshot(memory: Uint8Array, base?: SnapshotBase | null, sha256?: string): CapturedSnapshot {
  if (!(memory instanceof Uint8Array) || memory.byteLength === 0) {
    throw new StoreError('store/invalid', `snapshot memory must be a non-empty Uint8Array (got ${describe(memory)})`)
  }
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new StoreError('store/invalid', `snapshot sha256 must be 64 lowercase hex digits, got "${sha256}"`)
  }
  const digest = sha256 !== undefined ? Promise.resolve(sha256) : sha256Hex(memory)
  const fingerprints = fingerprintPages(memory)
  const n = pageCountOf(memory.byteLength)
  const pages: number[] = []
  const zeroed: number[] = []
  const baseN = base ? pageCountOf(base.byteLength) : 0
  for (let p = 0; p < n; p++) {
    const zero = isZeroFingerprint(fingerprints, p)
    if (!base || p >= baseN) {
      if (!zero) pages.push(p)
    } else if (fingerprints[2 * p] !== base.fingerprints[2 * p] || fingerprints[2 * p + 1] !== base.fingerprints[2 * p + 1]) {
      if (zero) zeroed.push(p)
      else pages.push(p)
    }
  }
  let size = 0
  for (const p of pages) size += pageLength(p, memory.byteLength)
  const data = new Uint8Array(size)
  let off = 0
  for (const p of pages) {
    const len = pageLength(p, memory.byteLength)
    data.set(memory.subarray(p * PAGE_SIZE, p * PAGE_SIZE + len), off)
    off += len
  }
  return {
    kind: base ? 'incremental' : 'full', byteLength: memory.byteLength, fingerprints,
    pages: Uint32Array.from(pages), zeroed: Uint32Array.from(zeroed), data, sha256: digest,
  }
}

/** capture + gzip + digest. */
export async function encodeSnapshot(memory: Uint8Array, base?: SnapshotBase | null, sha256?: string): Promise<EncodedSnapshot> {
  const { data, sha256: digest, ...rest } = captureSnapshot(memory, base, sha256)
  const [blob, hex] = await Promise.all([gzip(data), digest])
  return { ...rest, sha256: hex, blob, rawSize: data.byteLength, compressedSize: blob.size }
}

export async function gzip(data: Uint8Array<ArrayBuffer>): Promise<Blob> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Response(stream).blob()
}

export async function gunzip(blob: Blob, where: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await new Response(blob.stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer())
  } catch (e) {
    throw new StoreError('store/corrupt', `${where}: stored pages don't decompress (${String(e)})`, {}, { cause: e })
  }
}

/** One link of a chain, as stored: which pages, their bytes (decompressed), the memory length. */
export interface SnapshotLink {
  id: number
  byteLength: number
  pages: Uint32Array
  zeroed: Uint32Array
  data: Uint8Array
}

/** Apply links oldest (the full snapshot) first; returns the memory of the last one. */
export function rebuildMemory(chain: readonly SnapshotLink[]): Uint8Array {
  const top = chain[chain.length - 1]
  if (!top) throw new StoreError('store/invalid', 'rebuilding a snapshot: empty chain')
  const cap = Math.max(...chain.map((l) => l.byteLength))
  const memory = new Uint8Array(cap)
  let len = 0
  for (const link of chain) {
    let expected = 0
    for (const p of link.pages) expected += pageLength(p, link.byteLength)
    if (expected !== link.data.byteLength) {
      throw new StoreError('store/corrupt',
        `snapshot ${link.id}: stored pages hold ${link.data.byteLength} bytes, its page map needs ${expected}`, { snapshotId: link.id })
    }
    // Memory only grows in Wasm, but stay exact if a link is shorter than its base.
    if (link.byteLength < len) memory.fill(0, link.byteLength, len)
    len = link.byteLength
    let off = 0
    for (const p of link.pages) {
      const plen = pageLength(p, link.byteLength)
      if (plen <= 0) throw new StoreError('store/corrupt', `snapshot ${link.id}: page ${p} is beyond its memory length ${link.byteLength}`, { snapshotId: link.id })
      memory.set(link.data.subarray(off, off + plen), p * PAGE_SIZE)
      off += plen
    }
    for (const p of link.zeroed) memory.fill(0, p * PAGE_SIZE, Math.min((p + 1) * PAGE_SIZE, len))
  }
  return len === cap ? memory : memory.subarray(0, len)
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  let hex = ''
  for (const b of d) hex += b.toString(16).padStart(2, '0')
  return hex
}

function describe(x: unknown): string {
  if (x instanceof Uint8Array) return `${x.byteLength} bytes`
  return x === null ? 'null' : typeof x === 'object' ? (x.constructor?.name ?? 'object') : typeof x
}
