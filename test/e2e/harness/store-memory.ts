/**
 * A synthetic linear memory shaped like aos's (reference-loader-baseline.md): 1679 pages of
 * 64 KiB (≈110 MB), 34 non-zero pages (static data at the bottom, the top of the C stack and the
 * Lua heap around page 1028, sbrk's top page), content that gzips about 4× like the real heap.
 * Deterministic from a seed.
 */
export const AOS_PAGES = 1679
const PAGE = 65536
export const AOS_NONZERO_PAGES: readonly number[] = [
  0, 1, 2, 3, 4, ...Array.from({ length: 28 }, (_, i) => 1028 + i), 1678,
]

export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fill one page with heap-like words: zeros, small integers, pointers into the heap, text. */
export function fillPage(memory: Uint8Array, page: number, r: () => number): void {
  const view = new DataView(memory.buffer, memory.byteOffset + page * PAGE, PAGE)
  for (let off = 0; off < PAGE; off += 8) {
    const x = r()
    if (x < 0.35) view.setBigUint64(off, 0n, true)
    else if (x < 0.55) view.setUint32(off, Math.floor(r() * 64), true)
    else if (x < 0.8) view.setUint32(off, 0x04000000 + Math.floor(r() * 0x1b0000) * 8, true)
    else for (let i = 0; i < 8; i++) view.setUint8(off + i, 97 + Math.floor(r() * 26))
  }
}

export function aosLikeMemory(seed: number): Uint8Array {
  const memory = new Uint8Array(AOS_PAGES * PAGE)
  const r = rng(seed)
  for (const p of AOS_NONZERO_PAGES) fillPage(memory, p, r)
  return memory
}

/** Rewrite `count` of the heap pages, as ~500 messages of a token process do (≈24 pages). */
export function evaluateMessages(memory: Uint8Array, seed: number, count = 24): number[] {
  const r = rng(seed)
  const heap = AOS_NONZERO_PAGES.filter((p) => p >= 1028 && p < 1678)
  const pages = heap.slice(0, count)
  for (const p of pages) fillPage(memory, p, r)
  return pages
}
