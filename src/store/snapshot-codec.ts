/**
 * Snapshot encoding, independent of IndexedDB (runs in Node for the benchmark).
 *
 * A chain is one full snapshot (the non-zero pages' bytes) and incrementals on top of it (for each
 * page that differs from the base, the XOR of its old and new bytes; a page gone to zero is the XOR
 * with its old bytes). A full snapshot's bytes are stored deflate-raw (CompressionStream); an
 * incremental's XOR deltas, mostly zero words, zero-run packed (snapshot-zero-runs.ts), which is
 * ~20× faster than deflate for a little more space.
 *
 * Integrity is per link, not per memory: `contentSha256` = SHA-256 of a header (format, kind,
 * memory length, the base link's contentSha256, the page list) followed by the bytes stored
 * (format 3: as stored, i.e. deflated or zero-run packed; format 2, still read: the payload before
 * compression). Because each header names its base's digest, the top link's digest commits to the
 * whole chain, so restore checks what it read (~1 MB at 10,000 aos messages) instead of hashing
 * the 110 MB result, and an incremental write hashes only what it stores (~8 % of its deltas).
 * The ao-compatible whole-memory SHA-256 (hex, what ao Checkpoints carry) is computed for full
 * snapshots, or taken from the caller, and recorded as `sha256` when known; `null` otherwise.
 */
import { PAGE_SIZE, WORDS_PER_PAGE, isZeroPage, pageCountOf, pageLength, wordsOf } from './memory-pages'
import { diffPages, diffSparse, imageOf, imageToSparse, type PageImage } from './snapshot-image'
import { isSparseMemory, toDense, type SparseMemory } from '../wasm/sparse-memory'
import { checkZeroRuns, packXorRuns, packZeroRuns, unpackZeroRuns, xorZeroRunsInto } from './snapshot-zero-runs'
import { StoreError } from './errors'
import type { SnapshotKind } from './records'

/**
 * Version of the stored layout written; records without it were written by the fingerprint/gzip
 * format. 3: the digest covers the stored (compressed/packed) bytes; 2: the bytes before compression.
 */
export const SNAPSHOT_FORMAT = 3
/** Formats this build reads. */
export const READABLE_SNAPSHOT_FORMATS: readonly number[] = [2, 3]
const COMPRESSION: CompressionFormat = 'deflate-raw'

/** What an incremental is computed against: the base link's digest and its page image. */
export interface SnapshotBase {
  contentSha256: string
  image: PageImage
}

export interface EncodeOptions {
  /** hex SHA-256 of the whole `memory` if the caller already has it */
  sha256?: string
  /** hash the whole memory even for an incremental (default: only for a full snapshot) */
  hashWholeMemory?: boolean
}

export interface EncodedSnapshot {
  kind: SnapshotKind
  byteLength: number
  /** pages stored, ascending */
  pages: Uint32Array
  /** digest of this link (see the file comment) */
  contentSha256: string
  /** hex SHA-256 of the whole memory, or null when not computed */
  sha256: string | null
  blob: Blob
  rawSize: number
  compressedSize: number
  /** the memory's page image, the base for the next incremental */
  image: PageImage
  /** ms: finding and copying pages (and XORing them, dense memories), then compression or XOR + packing, and hashing */
  timings: { scanMs: number; compressHashMs: number }
}

/**
 * Read `memory` synchronously (scan, copy, XOR) and encode it; after the first await the caller may
 * change or drop the memory. Without `base` the snapshot is full. A sparse memory (its non-zero
 * pages, as the runtime worker hands them over) needs no scan; its whole-memory SHA-256 is only
 * computed when asked for (`hashWholeMemory`), else recorded as null (see wholeMemorySha256).
 */
export async function encodeSnapshot(memory: Uint8Array | SparseMemory, base?: SnapshotBase | null, opts: EncodeOptions = {}): Promise<EncodedSnapshot> {
  if (isSparseMemory(memory)) return encodeSparse(memory, base ?? null, opts)
  if (!(memory instanceof Uint8Array) || memory.byteLength === 0) {
    throw new StoreError('store/invalid', `snapshot memory must be a non-empty Uint8Array (got ${describe(memory)})`)
  }
  if (opts.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(opts.sha256)) {
    throw new StoreError('store/invalid', `snapshot sha256 must be 64 lowercase hex digits, got "${opts.sha256}"`)
  }
  const t0 = performance.now()
  const kind: SnapshotKind = base ? 'incremental' : 'full'
  // WebCrypto copies its input when called, so the whole-memory hash can start before anything else.
  const whole = opts.sha256 !== undefined ? Promise.resolve(opts.sha256)
    : kind === 'full' || opts.hashWholeMemory ? sha256Hex(memory) : Promise.resolve(null)
  const { changed, image } = diffPages(memory, base?.image ?? null)
  const data = pagePayload(memory, changed, base?.image ?? null)
  return finishLink(kind, memory.byteLength, changed, image, data, base, whole, t0)
}

async function encodeSparse(memory: SparseMemory, base: SnapshotBase | null, opts: EncodeOptions): Promise<EncodedSnapshot> {
  if (memory.byteLength === 0) throw new StoreError('store/invalid', 'snapshot memory must not be empty (a sparse memory of 0 bytes)')
  const t0 = performance.now()
  const kind: SnapshotKind = base ? 'incremental' : 'full'
  const whole = opts.sha256 !== undefined ? Promise.resolve(opts.sha256) : opts.hashWholeMemory ? sha256Hex(toDense(memory)) : Promise.resolve(null)
  const { changed, image, current } = diffSparse(memory, base?.image ?? null)
  if (!base) {
    const data = payloadOf((_, k) => current[k], changed, memory.byteLength, null)
    return finishLink(kind, memory.byteLength, changed, image, data, base, whole, t0)
  }
  // an incremental's deltas are packed as they are computed (the same words as packing them after)
  const t1 = performance.now()
  const baseCount = pageCountOf(base.image.byteLength)
  let rawSize = 0
  const packed = packXorRuns(changed.map((p, k) => {
    const len = pageLength(p, memory.byteLength)
    rawSize += len
    return { now: current[k], old: p < baseCount ? base.image.pages.get(p) : undefined, words: Math.ceil(len / 4) }
  }))
  return storeLink(kind, memory.byteLength, changed, image, new Uint8Array(packed.buffer), rawSize, base, whole, t0, t1)
}

/**
 * The common end of the encoders: the payload (page bytes or XOR deltas) stored, deflated when
 * full, zero-run packed when incremental, then the link's header and stored bytes hashed.
 */
async function finishLink(
  kind: SnapshotKind, byteLength: number, changed: number[], image: EncodedSnapshot['image'], data: Uint8Array<ArrayBuffer>,
  base: SnapshotBase | null | undefined, whole: Promise<string | null>, t0: number,
): Promise<EncodedSnapshot> {
  const t1 = performance.now()
  const stored = kind === 'full' ? await compress(data) : packedBytes(data)
  return storeLink(kind, byteLength, changed, image, stored, data.byteLength, base, whole, t0, t1)
}

/** A link's stored bytes with its digest (over its header and those bytes) and timings. */
async function storeLink(
  kind: SnapshotKind, byteLength: number, changed: number[], image: PageImage, stored: Uint8Array<ArrayBuffer>, rawSize: number,
  base: SnapshotBase | null | undefined, whole: Promise<string | null>, t0: number, t1: number,
): Promise<EncodedSnapshot> {
  const header = linkHeader(kind, byteLength, base?.contentSha256 ?? null, changed)
  const [contentSha256, sha256] = await Promise.all([sha256Hex(concat(header, stored)), whole])
  return {
    kind, byteLength, pages: Uint32Array.from(changed), contentSha256, sha256, blob: new Blob([stored]),
    rawSize, compressedSize: stored.byteLength, image,
    timings: { scanMs: t1 - t0, compressHashMs: performance.now() - t1 },
  }
}

function packedBytes(data: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const packed = packZeroRuns(new Int32Array(data.buffer, data.byteOffset, Math.ceil(data.byteLength / 4)))
  return new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength)
}

/** The bytes a link stores: page bytes (full) or old XOR new (incremental), in page order. */
function pagePayload(memory: Uint8Array, pages: readonly number[], base: PageImage | null): Uint8Array<ArrayBuffer> {
  const words = wordsOf(memory)
  return payloadOf((p) => {
    const start = p * WORDS_PER_PAGE
    return words.subarray(start, Math.min(start + WORDS_PER_PAGE, words.length))
  }, pages, memory.byteLength, base)
}

/** `pageWords(p, k)`: the words of page p (the k-th listed) now (undefined: all zero). */
function payloadOf(pageWords: (p: number, k: number) => Int32Array | undefined, pages: readonly number[], byteLength: number, base: PageImage | null): Uint8Array<ArrayBuffer> {
  const out = new Int32Array(pages.length * WORDS_PER_PAGE)
  let size = 0
  pages.forEach((p, k) => {
    const now = pageWords(p, k)
    const at = k * WORDS_PER_PAGE
    const old = base && p < pageCountOf(base.byteLength) ? base.pages.get(p) : undefined
    if (now && old && now.length === old.length) {
      for (let i = 0; i < now.length; i++) out[at + i] = now[i]! ^ old[i]!
    } else {
      if (now) out.set(now, at)
      if (old) for (let i = 0; i < old.length; i++) out[at + i] = out[at + i]! ^ old[i]!
    }
    size += pageLength(p, byteLength)
  })
  return new Uint8Array(out.buffer, 0, size)
}

/** What a link's digest covers besides its bytes; binds the link to its base's digest. */
export function linkHeader(kind: SnapshotKind, byteLength: number, baseContentSha256: string | null, pages: ArrayLike<number>, format = SNAPSHOT_FORMAT): Uint8Array {
  return new TextEncoder().encode(`aolight-snapshot/${format}\n${kind}\n${byteLength}\n${baseContentSha256 ?? '-'}\n${Array.from(pages).join(',')}\n`)
}

/** One link as stored, with the digest of its base (null for a full snapshot). */
export interface StoredLink {
  id: number
  kind: SnapshotKind
  byteLength: number
  pages: Uint32Array
  contentSha256: string
  baseContentSha256: string | null
  blob: Blob
  /** the format it was written in (default: this build's) */
  format?: number
}

/** A link checked against its digest, its bytes decompressed. */
export interface SnapshotLink {
  id: number
  kind: SnapshotKind
  byteLength: number
  pages: Uint32Array
  /** the payload (page bytes or XOR deltas); empty when `packed` holds the deltas */
  data: Uint8Array
  /** an incremental's deltas still zero-run packed (their layout checked): only rebuildSparse takes these */
  packed?: Int32Array
}

export interface OpenLinkOptions {
  /** leave a format-3 incremental's deltas packed (rebuildSparse applies them without decoding) */
  packedDeltas?: boolean
}

/** Decompress a link and check its digest; 'store/corrupt' (naming the link) when either fails. */
export async function openLink(link: StoredLink, where: string, opts: OpenLinkOptions = {}): Promise<SnapshotLink> {
  const here = `${where}: snapshot ${link.id}`
  if ((link.kind === 'full') !== (link.baseContentSha256 === null)) {
    throw new StoreError('store/corrupt', `${here}: a ${link.kind} snapshot ${link.kind === 'full' ? 'with' : 'without'} a base`, { snapshotId: link.id })
  }
  let expected = 0
  for (const p of link.pages) {
    const len = pageLength(p, link.byteLength)
    if (len <= 0) throw new StoreError('store/corrupt', `${here}: page ${p} is beyond its memory length ${link.byteLength}`, { snapshotId: link.id })
    expected += len
  }
  const format = link.format ?? SNAPSHOT_FORMAT
  const header = linkHeader(link.kind, link.byteLength, link.baseContentSha256, link.pages, format)
  let data: Uint8Array
  let actual: string
  if (format >= 3) {
    // The digest covers the stored bytes: hashing ~1 MB read concurrently with inflating it to ~10 MB.
    // Decoding errors are reported first (they say more); nothing is used before both are done.
    const stored = new Uint8Array(await link.blob.arrayBuffer()) as Uint8Array<ArrayBuffer>
    const digest = sha256Hex(concat(header, stored))
    digest.catch(() => undefined)
    if (link.kind === 'incremental' && opts.packedDeltas) {
      const packed = packedWords(stored, here)
      checkZeroRuns(packed, Math.ceil(expected / 4), here)
      actual = await digest
      if (actual !== link.contentSha256) throw digestMismatch(here, link, actual)
      return { id: link.id, kind: link.kind, byteLength: link.byteLength, pages: link.pages, data: new Uint8Array(0), packed }
    }
    data = link.kind === 'full' ? await decompressBytes(stored, here) : unpackBytes(stored, expected, here)
    actual = await digest
  } else {
    data = link.kind === 'full' ? await decompress(link.blob, here) : await unpack(link.blob, expected, here)
    actual = ''
  }
  if (expected !== data.byteLength) {
    throw new StoreError('store/corrupt', `${here}: stored pages hold ${data.byteLength} bytes, its page map needs ${expected}`, { snapshotId: link.id })
  }
  if (format < 3) actual = await sha256Hex(concat(header, data))
  if (actual !== link.contentSha256) throw digestMismatch(here, link, actual)
  return { id: link.id, kind: link.kind, byteLength: link.byteLength, pages: link.pages, data }
}

function digestMismatch(here: string, link: StoredLink, actual: string): StoreError {
  return new StoreError('store/corrupt', `${here}: content SHA-256 is ${actual}, recorded ${link.contentSha256}`,
    { snapshotId: link.id, expected: link.contentSha256, actual })
}

function packedWords(bytes: Uint8Array<ArrayBuffer>, where: string): Int32Array {
  if (bytes.byteLength % 4 !== 0) throw new StoreError('store/corrupt', `${where}: zero-run packed deltas are ${bytes.byteLength} bytes, not whole words`)
  return bytes.byteOffset % 4 === 0 ? new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : new Int32Array(bytes.slice().buffer)
}

/** The payload of a link opened with packed deltas, decoded (the general rebuilds take only these). */
function decoded(link: SnapshotLink): SnapshotLink {
  if (!link.packed) return link
  let expected = 0
  for (const p of link.pages) expected += pageLength(p, link.byteLength)
  const words = unpackZeroRuns(link.packed, Math.ceil(expected / 4), `snapshot ${link.id}`)
  return { ...link, data: new Uint8Array(words.buffer, 0, expected), packed: undefined }
}

/**
 * Apply checked links, the full snapshot first; returns the memory of the last one and its page
 * image (the base for the next incremental).
 */
export function rebuildMemory(links: readonly SnapshotLink[]): { memory: Uint8Array; image: PageImage } {
  const chain = links.map(decoded)
  const top = chain[chain.length - 1]
  if (!top) throw new StoreError('store/invalid', 'rebuilding a snapshot: empty chain')
  if (chain[0]!.kind !== 'full' || chain.slice(1).some((l) => l.kind !== 'incremental')) {
    throw new StoreError('store/corrupt', `rebuilding snapshot ${top.id}: chain ${chain.map((l) => `${l.id}:${l.kind}`).join(' → ')} is not one full snapshot then incrementals`, { snapshotId: top.id })
  }
  const cap = Math.max(...chain.map((l) => l.byteLength))
  const words = new Int32Array(Math.ceil(cap / 4))
  const memory = new Uint8Array(words.buffer, 0, cap)
  const touched: number[] = []
  let len = 0
  for (const link of chain) {
    // Memory only grows in Wasm, but stay exact if a link is shorter than its base.
    if (link.byteLength < len) memory.fill(0, link.byteLength, len)
    len = link.byteLength
    // A word view of the payload (decompressed buffers are aligned; odd tails are zero-padded).
    const src = wordsOf(link.data)
    link.pages.forEach((p, k) => {
      const at = p * WORDS_PER_PAGE
      const n = Math.ceil(pageLength(p, link.byteLength) / 4)
      const from = k * WORDS_PER_PAGE
      if (link.kind === 'full') words.set(src.subarray(from, from + n), at)
      else for (let i = 0; i < n; i++) words[at + i] = words[at + i]! ^ src[from + i]!
      touched.push(p)
    })
  }
  const out = len === cap ? memory : memory.subarray(0, len)
  return { memory: out, image: imageOf(out, touched) }
}

/**
 * `rebuildMemory` without the dense memory: the chain applied to a page map, zero pages dropped.
 * The result is the next incremental's base and, as a sparse memory, what the runtime loads.
 */
export function rebuildImage(links: readonly SnapshotLink[]): PageImage {
  const chain = links.map(decoded)
  const top = chain[chain.length - 1]
  if (!top) throw new StoreError('store/invalid', 'rebuilding a snapshot: empty chain')
  if (chain[0]!.kind !== 'full' || chain.slice(1).some((l) => l.kind !== 'incremental')) {
    throw new StoreError('store/corrupt', `rebuilding snapshot ${top.id}: chain ${chain.map((l) => `${l.id}:${l.kind}`).join(' → ')} is not one full snapshot then incrementals`, { snapshotId: top.id })
  }
  const pages = new Map<number, Int32Array>()
  for (const link of chain) {
    const count = pageCountOf(link.byteLength)
    for (const p of [...pages.keys()]) if (p >= count) pages.delete(p)
    const src = wordsOf(link.data)
    link.pages.forEach((p, k) => {
      const n = Math.ceil(pageLength(p, link.byteLength) / 4)
      const from = k * WORDS_PER_PAGE
      if (link.kind === 'full') {
        // a view: the decompressed payload is this link's own buffer, never written
        pages.set(p, src.subarray(from, from + n))
        return
      }
      const old = pages.get(p)
      const out = new Int32Array(n)
      for (let i = 0; i < n; i++) out[i] = (old?.[i] ?? 0) ^ src[from + i]!
      pages.set(p, out)
    })
  }
  for (const [p, w] of pages) if (isZeroPage(w, 0)) pages.delete(p)
  return { byteLength: top.byteLength, pages }
}

/**
 * A checked chain as a sparse memory (what the runtime loads) and its page image (the next
 * incremental's base). A lone full link's payload already is the sparse layout (its page list and
 * the pages' bytes in order), so both are views of it, not copies (the warm open after a close).
 */
export function rebuildSparse(chain: readonly SnapshotLink[]): { memory: SparseMemory; image: PageImage } {
  const only = chain.length === 1 ? chain[0]! : undefined
  if (!only || only.kind !== 'full') {
    const grows = chain.every((l, i) => i === 0 || l.byteLength >= chain[i - 1]!.byteLength)
    if (grows && chain[0]?.kind === 'full' && chain.slice(1).every((l) => l.kind === 'incremental')) return rebuildSparseInPlace(chain)
    const image = rebuildImage(chain)
    return { memory: imageToSparse(image), image }
  }
  const src = wordsOf(only.data)
  const pages = new Map<number, Int32Array>()
  only.pages.forEach((p, k) => {
    const from = k * WORDS_PER_PAGE
    pages.set(p, src.subarray(from, from + Math.ceil(pageLength(p, only.byteLength) / 4)))
  })
  return { memory: { byteLength: only.byteLength, pages: only.pages, data: only.data }, image: { byteLength: only.byteLength, pages } }
}

/**
 * rebuildSparse of a chain whose memory never shrinks (Wasm memories only grow), straight into the
 * result's layout: one buffer with a slot per page any link lists (pages never listed are zero),
 * the full link's pages copied in, each incremental's deltas XORed into their slots (packed ones
 * without decoding: only their literal words are read). Pages that end up zero are dropped. The
 * image is views of that one buffer: no page copies, no per-page arrays.
 */
function rebuildSparseInPlace(chain: readonly SnapshotLink[]): { memory: SparseMemory; image: PageImage } {
  const top = chain[chain.length - 1]!
  const all = new Set<number>()
  for (const l of chain) for (const p of l.pages) all.add(p)
  const order = [...all].sort((a, b) => a - b)
  const slotOf = new Map<number, number>()
  let total = 0
  for (const p of order) {
    slotOf.set(p, total)
    total += pageLength(p, top.byteLength)
  }
  const words = new Int32Array(Math.ceil(total / 4))
  for (const link of chain) {
    // word offset of the k-th page this link lists (all slots but the last start on a page boundary)
    const slots = Array.from(link.pages, (p) => slotOf.get(p)! / 4)
    if (link.packed) {
      xorZeroRunsInto(link.packed, words, 14, (k) => slots[k]!)
      continue
    }
    const src = wordsOf(link.data)
    link.pages.forEach((p, k) => {
      const n = Math.ceil(pageLength(p, link.byteLength) / 4)
      const from = k * WORDS_PER_PAGE
      const at = slots[k]!
      if (link.kind === 'full') words.set(src.subarray(from, from + n), at)
      else for (let i = 0; i < n; i++) words[at + i] = words[at + i]! ^ src[from + i]!
    })
  }
  let kept = order.filter((p) => !isZeroPage(words.subarray(slotOf.get(p)! / 4, Math.ceil((slotOf.get(p)! + pageLength(p, top.byteLength)) / 4)), 0))
  let data = new Uint8Array(words.buffer, 0, total)
  if (kept.length !== order.length) {
    // rare (a page written back to all zero): compact to the non-zero pages
    const out = new Uint8Array(kept.reduce((n, p) => n + pageLength(p, top.byteLength), 0) + 3)
    let at = 0
    for (const p of kept) {
      const len = pageLength(p, top.byteLength)
      out.set(data.subarray(slotOf.get(p)!, slotOf.get(p)! + len), at)
      slotOf.set(p, at)
      at += len
    }
    data = out.subarray(0, at)
  } else kept = order
  const view = wordsOf(data.byteLength % 4 === 0 ? data : new Uint8Array(data.buffer, 0, Math.ceil(data.byteLength / 4) * 4))
  const pages = new Map<number, Int32Array>()
  for (const p of kept) {
    const at = slotOf.get(p)! / 4
    pages.set(p, view.subarray(at, at + Math.ceil(pageLength(p, top.byteLength) / 4)))
  }
  return { memory: { byteLength: top.byteLength, pages: Uint32Array.from(kept), data }, image: { byteLength: top.byteLength, pages } }
}

async function compress(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream(COMPRESSION))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

async function decompressBytes(bytes: Uint8Array<ArrayBuffer>, where: string): Promise<Uint8Array> {
  return decompress(new Blob([bytes]), where)
}

function unpackBytes(bytes: Uint8Array<ArrayBuffer>, byteLength: number, where: string): Uint8Array {
  const words = unpackZeroRuns(packedWords(bytes, where), Math.ceil(byteLength / 4), where)
  return new Uint8Array(words.buffer, 0, byteLength)
}

async function decompress(blob: Blob, where: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await new Response(blob.stream().pipeThrough(new DecompressionStream(COMPRESSION))).arrayBuffer())
  } catch (e) {
    throw new StoreError('store/corrupt', `${where}: stored pages don't decompress (${String(e)})`, {}, { cause: e })
  }
}

async function unpack(blob: Blob, byteLength: number, where: string): Promise<Uint8Array> {
  if (blob.size % 4 !== 0) throw new StoreError('store/corrupt', `${where}: zero-run packed deltas are ${blob.size} bytes, not whole words`)
  const words = unpackZeroRuns(new Int32Array(await blob.arrayBuffer()), Math.ceil(byteLength / 4), where)
  return new Uint8Array(words.buffer, 0, byteLength)
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  let hex = ''
  for (const b of d) hex += b.toString(16).padStart(2, '0')
  return hex
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}

function describe(x: unknown): string {
  if (x instanceof Uint8Array) return `${x.byteLength} bytes`
  return x === null ? 'null' : typeof x === 'object' ? (x.constructor?.name ?? 'object') : typeof x
}

export { PAGE_SIZE }
