import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { PAGE_SIZE, fingerprintPages, isZeroFingerprint } from '../../src/store/memory-pages'
import { captureSnapshot, encodeSnapshot, gunzip, rebuildMemory, type SnapshotLink } from '../../src/store/snapshot-codec'
import { isStoreError } from '../../src/store/errors'

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function sparseMemory(pages: number, nonZero: number[], seed: number): Uint8Array {
  const m = new Uint8Array(pages * PAGE_SIZE)
  const r = rng(seed)
  for (const p of nonZero) for (let i = 0; i < PAGE_SIZE; i += 1 + Math.floor(r() * 8)) m[p * PAGE_SIZE + i] = 1 + Math.floor(r() * 255)
  return m
}

const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function link(id: number, mem: Uint8Array, base?: { byteLength: number; fingerprints: Uint32Array }) {
  const enc = await encodeSnapshot(mem, base)
  const l: SnapshotLink = { id, byteLength: enc.byteLength, pages: enc.pages, zeroed: enc.zeroed, data: await gunzip(enc.blob, 'test') }
  return { enc, l }
}

describe('memory pages', () => {
  it('marks exactly the all-zero pages with [0,0], including a short last page', () => {
    const m = new Uint8Array(3 * PAGE_SIZE + 100)
    m[PAGE_SIZE + 5] = 1
    m[3 * PAGE_SIZE + 99] = 7
    const fp = fingerprintPages(m)
    expect([0, 1, 2, 3].map((p) => isZeroFingerprint(fp, p))).toEqual([true, false, true, false])
  })

  it('gives a different fingerprint when one byte of a page changes, and the same one for the same bytes', () => {
    const m = sparseMemory(4, [1, 2], 1)
    const a = fingerprintPages(m)
    const b = fingerprintPages(m.slice())
    expect(b).toEqual(a)
    m[2 * PAGE_SIZE + 12345] = m[2 * PAGE_SIZE + 12345]! ^ 0x10
    const c = fingerprintPages(m)
    expect([c[2], c[3]]).toEqual([a[2], a[3]])
    expect([c[4], c[5]]).not.toEqual([a[4], a[5]])
  })

  it('handles an unaligned view the same as an aligned copy', () => {
    const m = sparseMemory(2, [0, 1], 2)
    const buf = new Uint8Array(m.byteLength + 1)
    buf.set(m, 1)
    expect(fingerprintPages(buf.subarray(1))).toEqual(fingerprintPages(m))
  })
})

describe('snapshot codec', () => {
  it('full snapshot stores only non-zero pages and rebuilds the exact memory and SHA-256', async () => {
    const m = sparseMemory(200, [0, 3, 120, 121, 199], 3)
    const { enc, l } = await link(1, m)
    expect(enc.kind).toBe('full')
    expect([...enc.pages]).toEqual([0, 3, 120, 121, 199])
    expect(enc.rawSize).toBe(5 * PAGE_SIZE)
    expect(enc.compressedSize).toBeLessThan(enc.rawSize)
    expect(enc.sha256).toBe(hex(m))
    const back = rebuildMemory([l])
    expect(hex(back)).toBe(hex(m))
  })

  it('incremental stores changed, new and zeroed pages and rebuilds through a chain', async () => {
    const m0 = sparseMemory(64, [1, 2, 3, 10], 4)
    const { enc: e0, l: l0 } = await link(1, m0)
    const m1 = new Uint8Array(80 * PAGE_SIZE) // grew by 16 pages
    m1.set(m0)
    m1[2 * PAGE_SIZE + 7] = m1[2 * PAGE_SIZE + 7]! ^ 1 // page 2 changes
    m1.fill(0, 10 * PAGE_SIZE, 11 * PAGE_SIZE) // page 10 becomes zero
    m1[70 * PAGE_SIZE] = 9 // a new page in the grown part
    const { enc: e1, l: l1 } = await link(2, m1, e0)
    expect(e1.kind).toBe('incremental')
    expect([...e1.pages]).toEqual([2, 70])
    expect([...e1.zeroed]).toEqual([10])
    const m2 = m1.slice()
    m2[3 * PAGE_SIZE + 100] = 42
    const { enc: e2, l: l2 } = await link(3, m2, e1)
    expect([...e2.pages]).toEqual([3])
    expect(hex(rebuildMemory([l0, l1]))).toBe(hex(m1))
    expect(hex(rebuildMemory([l0, l1, l2]))).toBe(e2.sha256)
  })

  it('capture copies: changing the memory after capture does not change the snapshot', async () => {
    const m = sparseMemory(8, [1, 5], 5)
    const want = hex(m)
    const cap = captureSnapshot(m)
    m.fill(0xff)
    expect(await cap.sha256).toBe(want)
    expect(hex(rebuildMemory([{ id: 1, byteLength: cap.byteLength, pages: cap.pages, zeroed: cap.zeroed, data: cap.data }]))).toBe(want)
  })

  it('detects a page map that does not match the stored bytes', () => {
    const m = sparseMemory(4, [1], 6)
    const cap = captureSnapshot(m)
    const bad = { id: 9, byteLength: cap.byteLength, pages: Uint32Array.from([1, 2]), zeroed: cap.zeroed, data: cap.data }
    try {
      rebuildMemory([bad])
      expect.unreachable()
    } catch (e) {
      expect(isStoreError(e, 'store/corrupt')).toBe(true)
      expect(String(e)).toMatch(/snapshot 9: stored pages hold 65536 bytes, its page map needs 131072/)
    }
  })

  it('reports damaged gzip bytes as store/corrupt', async () => {
    const { enc } = await link(1, sparseMemory(4, [1, 2], 7))
    const bytes = new Uint8Array(await enc.blob.arrayBuffer())
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff
    await expect(gunzip(new Blob([bytes]), 'snapshot 1')).rejects.toMatchObject({ code: 'store/corrupt' })
  })

  it('rejects bad input with a specific error', () => {
    expect(() => captureSnapshot(new Uint8Array(0))).toThrow(/non-empty Uint8Array \(got 0 bytes\)/)
    expect(() => captureSnapshot([1, 2] as unknown as Uint8Array)).toThrow(/got Array/)
    expect(() => captureSnapshot(new Uint8Array(4), null, 'xyz')).toThrow(/64 lowercase hex/)
  })

  it('property: any chain of random page edits rebuilds to the last memory', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.tuple(fc.nat(15), fc.nat(PAGE_SIZE - 1), fc.nat(255)), { maxLength: 6 }), { minLength: 1, maxLength: 5 }),
      async (steps) => {
        let mem = new Uint8Array(16 * PAGE_SIZE)
        let base: { byteLength: number; fingerprints: Uint32Array } | undefined
        const chain: SnapshotLink[] = []
        for (const [i, edits] of steps.entries()) {
          mem = mem.slice()
          for (const [p, off, v] of edits) mem[p * PAGE_SIZE + off] = v
          const { enc, l } = await link(i, mem, base)
          chain.push(l)
          base = enc
        }
        expect(hex(rebuildMemory(chain))).toBe(hex(mem))
      }), { numRuns: 25 })
  })
})
