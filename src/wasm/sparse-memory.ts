/**
 * A linear memory as its non-zero 64 KiB pages only. aos has 110 MB of memory of which ~2% is
 * non-zero, and writing 110 MB into a fresh instance costs 150-500 ms of first-touch page faults
 * on this machine, copying it between workers as much again. A sparse memory is ~2 MB: it is what
 * checkpoints keep, what crosses worker boundaries, and what a snapshot load writes.
 */
import { PAGE_SIZE, isZeroPage, pageCountOf, pageLength, wordsOf } from './memory-pages'
import { RuntimeError } from './types'
import { simdNonZeroPages } from './zero-page-scan'

export interface SparseMemory {
  /** byte length of the whole memory */
  byteLength: number
  /** indices of the non-zero pages, ascending (a listed page may also be zero; unlisted ones are) */
  pages: Uint32Array
  /** the listed pages' bytes, concatenated in order (the memory's last page may be short) */
  data: Uint8Array
}

export function isSparseMemory(x: unknown): x is SparseMemory {
  return typeof x === 'object' && x !== null && !(x instanceof Uint8Array) &&
    (x as SparseMemory).pages instanceof Uint32Array && (x as SparseMemory).data instanceof Uint8Array
}

/** Scan `memory` and copy its non-zero pages (the scan reads the whole memory; ~10 ms for 110 MB). */
export function toSparse(memory: Uint8Array): SparseMemory {
  const words = wordsOf(memory)
  const n = pageCountOf(memory.byteLength)
  const pages: number[] = []
  for (let p = 0; p < n; p++) if (!isZeroPage(words, p)) pages.push(p)
  return pickPages(memory, pages)
}

/**
 * `toSparse` of a live Wasm memory: its pages found by the SIMD scan (zero-page-scan.ts, ~4x the
 * JS loop) when the engine runs it, else by the JS scan. Same result either way.
 */
export function sparseOfMemory(memory: WebAssembly.Memory, memory64: boolean): SparseMemory {
  const u8 = new Uint8Array(memory.buffer)
  const pages = simdNonZeroPages(memory, memory64)
  return pages ? pickPages(u8, pages) : toSparse(u8)
}

/** Copies of the given pages of `memory`. */
export function pickPages(memory: Uint8Array, pages: readonly number[]): SparseMemory {
  let size = 0
  for (const p of pages) size += pageLength(p, memory.byteLength)
  const data = new Uint8Array(size)
  let at = 0
  for (const p of pages) {
    const len = pageLength(p, memory.byteLength)
    data.set(memory.subarray(p * PAGE_SIZE, p * PAGE_SIZE + len), at)
    at += len
  }
  return { byteLength: memory.byteLength, pages: Uint32Array.from(pages), data }
}

/** The whole memory as one array (tests, the whole-memory SHA-256). */
export function toDense(s: SparseMemory): Uint8Array {
  const out = new Uint8Array(s.byteLength)
  forEachPage(s, (p, bytes) => out.set(bytes, p * PAGE_SIZE))
  return out
}

/** Calls `fn` with each listed page and its bytes (a view into `s.data`), in page order. */
export function forEachPage(s: SparseMemory, fn: (page: number, bytes: Uint8Array) => void): void {
  let at = 0
  let prev = -1
  for (const p of s.pages) {
    const len = pageLength(p, s.byteLength)
    if (p <= prev) throw new RuntimeError('runtime/bad-snapshot', `sparse memory: page ${p} listed after page ${prev} (pages must ascend)`)
    prev = p
    if (len <= 0 || at + len > s.data.byteLength) {
      throw new RuntimeError('runtime/bad-snapshot', `sparse memory: page ${p} does not fit its ${s.byteLength}-byte memory or its ${s.data.byteLength} bytes of page data`)
    }
    fn(p, s.data.subarray(at, at + len))
    at += len
  }
  if (at !== s.data.byteLength) throw new RuntimeError('runtime/bad-snapshot', `sparse memory: ${s.data.byteLength} bytes of page data for pages needing ${at}`)
}

/**
 * Make the first `s.byteLength` bytes of `target` equal to `s`: its pages are written, every other
 * page of target that is not all zero is cleared. Pages that are already zero are only read, unless
 * `knownNonZero` lists every page of target that may be non-zero (then nothing is scanned).
 */
export function writeSparse(target: Uint8Array, s: SparseMemory, knownNonZero?: readonly number[]): void {
  if (target.byteLength < s.byteLength) throw new RuntimeError('runtime/bad-snapshot', `a ${s.byteLength}-byte memory does not fit into ${target.byteLength} bytes`)
  if (knownNonZero) {
    // the caller knows every page of target that may be non-zero (a fresh instance it scanned): no scan
    const listed = new Set(s.pages)
    const count = pageCountOf(s.byteLength)
    for (const p of knownNonZero) if (p < count && !listed.has(p)) target.fill(0, p * PAGE_SIZE, p * PAGE_SIZE + pageLength(p, s.byteLength))
    forEachPage(s, (p, bytes) => target.set(bytes, p * PAGE_SIZE))
    return
  }
  const words = wordsOf(target)
  let next = 0 // the next page of `target` not yet settled
  const clearUpTo = (end: number) => {
    for (; next < end; next++) if (!isZeroPage(words, next)) target.fill(0, next * PAGE_SIZE, next * PAGE_SIZE + pageLength(next, s.byteLength))
  }
  forEachPage(s, (p, bytes) => {
    clearUpTo(p)
    target.set(bytes, p * PAGE_SIZE)
    next = p + 1
  })
  clearUpTo(pageCountOf(s.byteLength))
}
