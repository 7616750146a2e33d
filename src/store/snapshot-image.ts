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
import type { SparseMemory } from '../wasm/sparse-memory'
import { StoreError } from './errors'

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

/** `PageChanges` of a sparse memory, with the changed pages' current words (undefined: now zero). */
export interface SparseChanges extends PageChanges {
  current: (Int32Array | undefined)[]
}

/**
 * `diffPages` for a memory given as its non-zero pages (sparse-memory.ts): pages it lists are
 * compared with the base, base pages it doesn't list went to zero. No scan of the whole memory, one
 * merge walk of both page lists; only the changed pages are copied into the image.
 */
export function diffSparse(memory: SparseMemory, base: PageImage | null): SparseChanges {
  const n = pageCountOf(memory.byteLength)
  const words = wordsOf(memory.data)
  const olds = base ? [...base.pages.keys()].filter((p) => p < n && p < pageCountOf(base.byteLength)).sort((a, b) => a - b) : []
  const changed: number[] = []
  const current: (Int32Array | undefined)[] = []
  const pages = new Map<number, Int32Array>()
  let j = 0
  let at = 0
  let prev = -1
  for (const p of memory.pages) {
    const len = pageLength(p, memory.byteLength)
    if (p <= prev || len <= 0 || at + len > memory.data.byteLength) {
      throw new StoreError('store/invalid', `sparse memory: page ${p} ${p <= prev ? `listed after page ${prev} (pages must ascend)` : `does not fit its ${memory.byteLength}-byte memory or its ${memory.data.byteLength} bytes of page data`}`)
    }
    prev = p
    // base pages below p that the memory doesn't list went to zero
    for (; j < olds.length && olds[j]! < p; j++) {
      changed.push(olds[j]!)
      current.push(undefined)
    }
    const cur = words.subarray(at / 4, Math.ceil((at + len) / 4))
    at += len
    const old = j < olds.length && olds[j] === p ? base!.pages.get(olds[j++]!) : undefined
    if (old && sameWords(cur, old)) {
      pages.set(p, old)
      continue
    }
    const zero = isZeroPage(cur, 0)
    if (old || !zero) {
      changed.push(p)
      current.push(zero ? undefined : cur)
    }
    // a private copy: a view would pin the whole handed-over memory for as long as this page stays
    // unchanged, one such buffer per snapshot generation
    if (!zero) pages.set(p, cur.slice())
  }
  if (at !== memory.data.byteLength) throw new StoreError('store/invalid', `sparse memory: ${memory.data.byteLength} bytes of page data for pages needing ${at}`)
  for (; j < olds.length; j++) {
    changed.push(olds[j]!)
    current.push(undefined)
  }
  return { changed, image: { byteLength: memory.byteLength, pages }, current }
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
  const n = a.length
  if (n !== b.length) return false
  let i = 0
  // unrolled like isZeroPage: most pages compared are equal, so the whole page is read
  for (const stop = n - 7; i < stop; i += 8) {
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3] ||
      a[i + 4] !== b[i + 4] || a[i + 5] !== b[i + 5] || a[i + 6] !== b[i + 6] || a[i + 7] !== b[i + 7]) return false
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false
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
