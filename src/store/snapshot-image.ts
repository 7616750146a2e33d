/**
 * The page image of a snapshot: private copies of the non-zero pages of the memory it holds
 * (~34 pages, ~2 MB for aos). The store keeps the image of each process's newest snapshot in RAM
 * so the next incremental is found by exact comparison (no fingerprints, no re-read of the base
 * from IndexedDB) and stored as XOR deltas: after 500 aos messages ~24 pages differ, but only ~6 %
 * of their words do, so the XOR of old and new pages is mostly zero words, which zero-run packing
 * (snapshot-zero-runs.ts) shrinks to ~8 % in about a millisecond (measured on a real aos memory:
 * bench/snapshot.bench.ts, test/e2e/store-aos.spec.ts).
 */
import { WORDS_PER_PAGE, isZeroPage, pageCountOf, pageEquals, pageLength, wordsOf } from './memory-pages'
import { forEachPage, type SparseMemory } from '../wasm/sparse-memory'

export interface PageImage {
  byteLength: number
  /** page index → the page's 32-bit words (a private copy, never mutated; shared between images) */
  pages: ReadonlyMap<number, Int32Array>
}

export interface PageChanges {
  /** pages whose bytes differ from the base image (new, changed or zeroed), ascending */
  changed: number[]
  /** the memory's own image (base pages reused where unchanged) */
  image: PageImage
}

/**
 * Compare `memory` with `base` page by page: pages the base holds are compared word by word, all
 * others are checked for zero. Without a base, every non-zero page is "changed" (a full snapshot).
 */
export function diffPages(memory: Uint8Array, base: PageImage | null): PageChanges {
  const words = wordsOf(memory)
  const n = pageCountOf(memory.byteLength)
  const changed: number[] = []
  const pages = new Map<number, Int32Array>()
  for (let p = 0; p < n; p++) {
    const old = base && p < pageCountOf(base.byteLength) ? base.pages.get(p) : undefined
    if (old && pageEquals(words, p, old)) {
      pages.set(p, old)
      continue
    }
    const zero = isZeroPage(words, p)
    if (old || !zero) changed.push(p)
    if (!zero) pages.set(p, copyPage(words, p))
  }
  return { changed, image: { byteLength: memory.byteLength, pages } }
}

/**
 * `diffPages` for a memory given as its non-zero pages (sparse-memory.ts): pages it lists are
 * compared with the base, base pages it doesn't list went to zero. No scan of the whole memory.
 */
export function diffSparse(memory: SparseMemory, base: PageImage | null): PageChanges {
  const n = pageCountOf(memory.byteLength)
  const listed = new Map<number, Int32Array>()
  forEachPage(memory, (p, bytes) => listed.set(p, wordsOf(bytes)))
  const baseHas = (p: number) => base !== null && p < pageCountOf(base.byteLength) && base.pages.has(p)
  const candidates = new Set<number>(listed.keys())
  if (base) for (const p of base.pages.keys()) if (p < n && baseHas(p)) candidates.add(p)
  const changed: number[] = []
  const pages = new Map<number, Int32Array>()
  for (const p of [...candidates].sort((a, b) => a - b)) {
    const cur = listed.get(p)
    const old = baseHas(p) ? base!.pages.get(p) : undefined
    if (cur && old && sameWords(cur, old)) {
      pages.set(p, old)
      continue
    }
    const zero = !cur || isZeroPage(cur, 0)
    if (old || !zero) changed.push(p)
    if (cur && !zero) pages.set(p, cur.slice())
  }
  return { changed, image: { byteLength: memory.byteLength, pages } }
}

/** An image as a sparse memory (what the runtime loads). */
export function imageToSparse(image: PageImage): SparseMemory {
  const order = [...image.pages.keys()].sort((a, b) => a - b)
  let size = 0
  for (const p of order) size += pageLength(p, image.byteLength)
  const data = new Uint8Array(size)
  let at = 0
  for (const p of order) {
    const len = pageLength(p, image.byteLength)
    const w = image.pages.get(p)!
    data.set(new Uint8Array(w.buffer, w.byteOffset, len), at)
    at += len
  }
  return { byteLength: image.byteLength, pages: Uint32Array.from(order), data }
}

function sameWords(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The image of a rebuilt memory, looking only at `candidates` (every page the chain wrote). */
export function imageOf(memory: Uint8Array, candidates: Iterable<number>): PageImage {
  const words = wordsOf(memory)
  const n = pageCountOf(memory.byteLength)
  const pages = new Map<number, Int32Array>()
  for (const p of [...new Set(candidates)].sort((a, b) => a - b)) {
    if (p < n && !isZeroPage(words, p)) pages.set(p, copyPage(words, p))
  }
  return { byteLength: memory.byteLength, pages }
}

function copyPage(words: Int32Array, p: number): Int32Array {
  const start = p * WORDS_PER_PAGE
  return words.slice(start, Math.min(start + WORDS_PER_PAGE, words.length))
}
