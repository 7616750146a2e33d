/**
 * Cheap per-64 KiB-page fingerprints of linear memory, for incremental snapshots: a page whose
 * fingerprint is 0 is all zeros; pages whose fingerprints differ between two digests changed.
 * The fingerprint is a 32-bit FNV-style mix over 32-bit words; it detects changes, it is not a
 * cryptographic hash (use SHA-256 of the snapshot for identity).
 */
export const PAGE_SIZE = 65536

export interface PageDigest {
  pageCount: number
  /** one fingerprint per page; 0 means the page is all zeros */
  hashes: Uint32Array
}

export function pageDigest(memory: Uint8Array): PageDigest {
  const pageCount = Math.ceil(memory.byteLength / PAGE_SIZE)
  const hashes = new Uint32Array(pageCount)
  const words = new Uint32Array(memory.buffer, memory.byteOffset, Math.floor(memory.byteLength / 4))
  const per = PAGE_SIZE / 4
  for (let p = 0; p < pageCount; p++) {
    let h = 0x811c9dc5
    let any = 0
    const end = Math.min(words.length, (p + 1) * per)
    for (let i = p * per; i < end; i++) {
      const w = words[i] as number
      any |= w
      h = Math.imul(h ^ w, 0x01000193)
    }
    hashes[p] = any === 0 ? 0 : h >>> 0 || 1
  }
  return { pageCount, hashes }
}

/** Indices of pages that are non-zero in `next` and differ from `prev` (or are new). */
export function changedPages(prev: PageDigest | undefined, next: PageDigest): number[] {
  const out: number[] = []
  for (let p = 0; p < next.pageCount; p++) {
    const h = next.hashes[p] as number
    const before = prev && p < prev.pageCount ? (prev.hashes[p] as number) : 0
    if (h !== before) out.push(p)
  }
  return out
}

/** Indices of pages that are not all zeros. */
export function nonZeroPages(d: PageDigest): number[] {
  const out: number[] = []
  for (let p = 0; p < d.pageCount; p++) if (d.hashes[p] !== 0) out.push(p)
  return out
}
