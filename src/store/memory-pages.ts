/**
 * Linear memory as 64 KiB pages: which pages are all zero, and a fast fingerprint of each
 * non-zero page, for finding the pages that changed since the last snapshot without keeping a
 * copy of it. The fingerprint is not cryptographic: a missed change would make the snapshot's
 * whole-memory SHA-256 fail on restore, so the worst case is a skipped snapshot, never wrong state.
 */
export const PAGE_SIZE = 65536
const WORDS_PER_PAGE = PAGE_SIZE / 4

export const pageCountOf = (byteLength: number): number => Math.ceil(byteLength / PAGE_SIZE)

/** Bytes of page `p` in a memory of `byteLength` bytes (the last page may be short). */
export const pageLength = (p: number, byteLength: number): number => Math.min(PAGE_SIZE, byteLength - p * PAGE_SIZE)

/** Fingerprint of a page that is all zero. A non-zero page never gets it. */
export const isZeroFingerprint = (fp: Uint32Array, p: number): boolean => fp[2 * p] === 0 && fp[2 * p + 1] === 0

/**
 * Two 32-bit words per page: [0, 0] for an all-zero page, otherwise a murmur-style hash of the
 * page's words in two independent lanes (64 bits in all, so accidental collisions are negligible).
 * Zero pages cost one pass of ORs; only non-zero pages are hashed.
 */
export function fingerprintPages(memory: Uint8Array): Uint32Array {
  const n = pageCountOf(memory.byteLength)
  const out = new Uint32Array(2 * n)
  // A 4-byte aligned word view of the whole memory; copy only in the rare unaligned/odd case.
  const aligned = memory.byteOffset % 4 === 0 && memory.byteLength % 4 === 0
  const bytes = aligned ? memory : padToWords(memory)
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
  for (let p = 0; p < n; p++) {
    const start = p * WORDS_PER_PAGE
    const end = Math.min(start + WORDS_PER_PAGE, words.length)
    if (isZeroRange(words, start, end)) continue
    let h1 = 0x243f6a88 ^ p
    let h2 = 0x85a308d3 ^ Math.imul(p, 0x9e3779b1)
    for (let i = start; i < end; i++) {
      const w = words[i]!
      let k = Math.imul(w, 0xcc9e2d51)
      k = (k << 15) | (k >>> 17)
      h1 ^= Math.imul(k, 0x1b873593)
      h1 = ((h1 << 13) | (h1 >>> 19)) + 0xe6546b64
      h2 = Math.imul(h2 ^ w ^ (w >>> 16), 0x7feb352d) + i
      h2 ^= h2 >>> 15
    }
    h1 = fmix(h1 ^ (end - start))
    h2 = fmix(h2)
    if (h1 === 0 && h2 === 0) h2 = 1 // keep [0, 0] for zero pages only
    out[2 * p] = h1 >>> 0
    out[2 * p + 1] = h2 >>> 0
  }
  return out
}

function isZeroRange(words: Uint32Array, start: number, end: number): boolean {
  let i = start
  // Unrolled OR of 8 words per step: the hot loop over ~100 MB of mostly zero memory.
  for (const stop = end - 7; i < stop; i += 8) {
    if ((words[i]! | words[i + 1]! | words[i + 2]! | words[i + 3]! | words[i + 4]! | words[i + 5]! | words[i + 6]! | words[i + 7]!) !== 0) return false
  }
  for (; i < end; i++) if (words[i] !== 0) return false
  return true
}

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

function padToWords(memory: Uint8Array): Uint8Array {
  const copy = new Uint8Array(Math.ceil(memory.byteLength / 4) * 4)
  copy.set(memory)
  return copy
}
