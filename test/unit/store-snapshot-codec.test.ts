import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { PAGE_SIZE, isZeroPage, nonZeroPages, pageEquals, wordsOf } from '../../src/store/memory-pages'
import { diffPages, imageOf } from '../../src/store/snapshot-image'
import { encodeSnapshot, linkHeader, openLink, rebuildMemory, rebuildSparse, type EncodedSnapshot, type SnapshotLink, type StoredLink } from '../../src/store/snapshot-codec'
import { toDense, toSparse } from '../../src/wasm/sparse-memory'
import { packXorRuns, packZeroRuns, unpackZeroRuns, type XorPage } from '../../src/store/snapshot-zero-runs'
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

/** Encode, then open as restore would (decompress + digest check). */
async function link(id: number, mem: Uint8Array, base?: EncodedSnapshot) {
  const enc = await encodeSnapshot(mem, base ? { contentSha256: base.contentSha256, image: base.image } : null)
  const l = await openLink(stored(id, enc, base), 'test')
  return { enc, l }
}

function stored(id: number, enc: EncodedSnapshot, base?: EncodedSnapshot, blob = enc.blob): StoredLink {
  return { id, kind: enc.kind, byteLength: enc.byteLength, pages: enc.pages, contentSha256: enc.contentSha256, baseContentSha256: base?.contentSha256 ?? null, blob }
}

describe('memory pages', () => {
  it('finds exactly the non-zero pages, including a byte in a short last page', () => {
    const m = new Uint8Array(3 * PAGE_SIZE + 100)
    m[PAGE_SIZE + 5] = 1
    m[3 * PAGE_SIZE + 99] = 7
    expect(nonZeroPages(m)).toEqual([1, 3])
    const w = wordsOf(m)
    expect([0, 1, 2, 3].map((p) => isZeroPage(w, p))).toEqual([true, false, true, false])
  })

  it('finds a single changed bit anywhere in a page, and equal pages equal', () => {
    const m = sparseMemory(4, [1, 2], 1)
    const copy = wordsOf(m.slice()).slice(2 * PAGE_SIZE / 4, 3 * PAGE_SIZE / 4)
    expect(pageEquals(wordsOf(m), 2, copy)).toBe(true)
    for (const off of [0, 1, 12345, PAGE_SIZE - 1]) {
      const n = m.slice()
      n[2 * PAGE_SIZE + off] = n[2 * PAGE_SIZE + off]! ^ 0x10
      expect(pageEquals(wordsOf(n), 2, copy)).toBe(false)
    }
  })

  it('handles an unaligned view the same as an aligned copy', () => {
    const m = sparseMemory(3, [0, 2], 2)
    const buf = new Uint8Array(m.byteLength + 1)
    buf.set(m, 1)
    expect(nonZeroPages(buf.subarray(1))).toEqual(nonZeroPages(m))
    expect(diffPages(buf.subarray(1), null).changed).toEqual([0, 2])
  })
})

describe('page image', () => {
  it('diffs exactly against the base image: changed, new, zeroed pages; unchanged pages shared', () => {
    const m0 = sparseMemory(16, [1, 2, 3], 3)
    const { image: i0 } = diffPages(m0, null)
    const m1 = m0.slice()
    m1[2 * PAGE_SIZE + 4] = m1[2 * PAGE_SIZE + 4]! ^ 1
    m1.fill(0, 3 * PAGE_SIZE, 4 * PAGE_SIZE)
    m1[9 * PAGE_SIZE + 9] = 9
    const { changed, image } = diffPages(m1, i0)
    expect(changed).toEqual([2, 3, 9])
    expect([...image.pages.keys()].sort((a, b) => a - b)).toEqual([1, 2, 9])
    expect(image.pages.get(1)).toBe(i0.pages.get(1)) // unchanged: the same copy
    expect(imageOf(m1, [1, 2, 3, 9]).pages.size).toBe(3)
  })

  it('image copies do not follow later changes to the memory', () => {
    const m = sparseMemory(4, [1], 4)
    const { image } = diffPages(m, null)
    const before = hex(new Uint8Array(image.pages.get(1)!.buffer))
    m.fill(0xff)
    expect(hex(new Uint8Array(image.pages.get(1)!.buffer))).toBe(before)
  })
})

describe('snapshot codec', () => {
  it('full snapshot stores only non-zero pages, rebuilds the exact memory, and records the whole-memory SHA-256', async () => {
    const m = sparseMemory(200, [0, 3, 120, 121, 199], 3)
    const { enc, l } = await link(1, m)
    expect(enc.kind).toBe('full')
    expect([...enc.pages]).toEqual([0, 3, 120, 121, 199])
    expect(enc.rawSize).toBe(5 * PAGE_SIZE)
    expect(enc.compressedSize).toBeLessThan(enc.rawSize)
    expect(enc.sha256).toBe(hex(m))
    const back = rebuildMemory([l])
    expect(hex(back.memory)).toBe(hex(m))
    expect([...back.image.pages.keys()]).toEqual([0, 3, 120, 121, 199])
  })

  it('incremental stores XOR deltas of changed, new and zeroed pages and rebuilds through a chain', async () => {
    const m0 = sparseMemory(64, [1, 2, 3, 10], 4)
    const { enc: e0, l: l0 } = await link(1, m0)
    const m1 = new Uint8Array(80 * PAGE_SIZE) // grew by 16 pages
    m1.set(m0)
    m1[2 * PAGE_SIZE + 7] = m1[2 * PAGE_SIZE + 7]! ^ 1 // page 2 changes by one bit
    m1.fill(0, 10 * PAGE_SIZE, 11 * PAGE_SIZE) // page 10 becomes zero
    m1[70 * PAGE_SIZE] = 9 // a new page in the grown part
    const { enc: e1, l: l1 } = await link(2, m1, e0)
    expect(e1.kind).toBe('incremental')
    expect(e1.sha256).toBeNull() // not hashed for an incremental
    expect([...e1.pages]).toEqual([2, 10, 70])
    // the delta of page 2 is one set bit
    expect(l1.data.subarray(0, PAGE_SIZE).reduce((a, b) => a + (b === 0 ? 0 : 1), 0)).toBe(1)
    expect(e1.compressedSize).toBeLessThan(e0.compressedSize)
    const m2 = m1.slice()
    m2[3 * PAGE_SIZE + 100] = 42
    const { enc: e2, l: l2 } = await link(3, m2, e1)
    expect([...e2.pages]).toEqual([3])
    expect(hex(rebuildMemory([l0, l1]).memory)).toBe(hex(m1))
    expect(hex(rebuildMemory([l0, l1, l2]).memory)).toBe(hex(m2))
  })

  it('records a caller-supplied SHA-256 or hashes on request for an incremental', async () => {
    const m0 = sparseMemory(8, [1, 2], 5)
    const e0 = await encodeSnapshot(m0)
    const m1 = m0.slice()
    m1[PAGE_SIZE] = m1[PAGE_SIZE]! ^ 3
    const base = { contentSha256: e0.contentSha256, image: e0.image }
    expect((await encodeSnapshot(m1, base, { hashWholeMemory: true })).sha256).toBe(hex(m1))
    expect((await encodeSnapshot(m1, base, { sha256: 'a'.repeat(64) })).sha256).toBe('a'.repeat(64))
  })

  it('reads the memory before the first await: changing it afterwards does not change the snapshot', async () => {
    const m = sparseMemory(8, [1, 5], 5)
    const want = hex(m)
    const pending = encodeSnapshot(m)
    m.fill(0xff)
    const enc = await pending
    expect(enc.sha256).toBe(want)
    const l = await openLink(stored(1, enc), 'test')
    expect(hex(rebuildMemory([l]).memory)).toBe(want)
  })

  it('detects a flipped stored byte, a wrong page map, a wrong base and damaged compression, naming the snapshot', async () => {
    const m0 = sparseMemory(8, [1, 2], 6)
    const e0 = await encodeSnapshot(m0)
    const m1 = m0.slice()
    m1[2 * PAGE_SIZE + 8] = m1[2 * PAGE_SIZE + 8]! ^ 1
    const e1 = await encodeSnapshot(m1, { contentSha256: e0.contentSha256, image: e0.image })
    const good = stored(7, e1, e0)
    await expect(openLink(good, 'w')).resolves.toBeDefined()

    // re-pack the deltas with one bit flipped: decodes, fails the digest
    const deltas = unpackZeroRuns(new Int32Array(await e1.blob.arrayBuffer()), PAGE_SIZE / 4, 'test')
    deltas[100] = deltas[100]! ^ 0x40
    await expect(openLink({ ...good, blob: new Blob([packZeroRuns(deltas)]) }, 'w')).rejects.toThrow(/w: snapshot 7: content SHA-256 is [0-9a-f]{64}, recorded [0-9a-f]{64}/)
    // packed words cut short, or not whole words
    const packed = new Uint8Array(await e1.blob.arrayBuffer())
    await expect(openLink({ ...good, blob: new Blob([packed.subarray(0, packed.length - 8)]) }, 'w')).rejects.toThrow(/w: snapshot 7: zero-run packed deltas don't decode/)
    await expect(openLink({ ...good, blob: new Blob([packed.subarray(0, packed.length - 1)]) }, 'w')).rejects.toThrow(/not whole words/)
    // the same bytes claimed for another page
    await expect(openLink({ ...good, pages: Uint32Array.from([1]) }, 'w')).rejects.toThrow(/content SHA-256/)
    // a page map that does not fit the bytes
    await expect(openLink({ ...good, pages: Uint32Array.from([1, 2]) }, 'w')).rejects.toThrow(/w: snapshot 7: zero-run packed deltas don't decode: runs cover 16384 words, expected 32768/)
    const fullLink = stored(1, e0)
    await expect(openLink({ ...fullLink, pages: Uint32Array.from([1, 2, 3]) }, 'w')).rejects.toThrow(/w: snapshot 1: stored pages hold 131072 bytes, its page map needs 196608/)
    // applied on another base
    await expect(openLink({ ...good, baseContentSha256: 'b'.repeat(64) }, 'w')).rejects.toThrow(/content SHA-256/)
    // the same checks when the deltas are left packed (warm open)
    const packedOpts = { packedDeltas: true }
    await expect(openLink(good, 'w', packedOpts)).resolves.toMatchObject({ packed: expect.any(Int32Array) })
    await expect(openLink({ ...good, blob: new Blob([packZeroRuns(deltas)]) }, 'w', packedOpts)).rejects.toThrow(/w: snapshot 7: content SHA-256 is [0-9a-f]{64}, recorded [0-9a-f]{64}/)
    await expect(openLink({ ...good, blob: new Blob([packed.subarray(0, packed.length - 8)]) }, 'w', packedOpts)).rejects.toThrow(/w: snapshot 7: zero-run packed deltas don't decode/)
    await expect(openLink({ ...good, blob: new Blob([packed.subarray(0, packed.length - 1)]) }, 'w', packedOpts)).rejects.toThrow(/not whole words/)
    await expect(openLink({ ...good, pages: Uint32Array.from([1, 2]) }, 'w', packedOpts)).rejects.toThrow(/runs cover 16384 words, expected 32768/)
    await expect(openLink({ ...good, baseContentSha256: 'b'.repeat(64) }, 'w', packedOpts)).rejects.toThrow(/content SHA-256/)
    // damaged compressed stream
    const bytes = new Uint8Array(await e0.blob.arrayBuffer())
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff
    const bad = openLink({ ...stored(1, e0), blob: new Blob([bytes]) }, 'w')
    await expect(bad).rejects.toMatchObject({ code: 'store/corrupt' })
    await expect(bad).rejects.toThrow(/w: snapshot 1: (stored pages don't decompress|content SHA-256|stored pages hold)/)
  })

  it('property: packXorRuns gives word for word what packZeroRuns gives on the materialized XOR deltas', () => {
    const word = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }))
    const page = fc.record({
      words: fc.integer({ min: 0, max: 12 }),
      now: fc.option(fc.array(word, { maxLength: 14 }), { nil: undefined }),
      old: fc.option(fc.array(word, { maxLength: 14 }), { nil: undefined }),
    })
    fc.assert(fc.property(fc.array(page, { maxLength: 6 }), (ps) => {
      const pages: XorPage[] = ps.map((p) => ({ words: p.words, now: p.now && Int32Array.from(p.now), old: p.old && Int32Array.from(p.old) }))
      const flat: number[] = []
      for (const p of pages) for (let j = 0; j < p.words; j++) flat.push(((p.now && j < p.now.length ? p.now[j]! : 0) ^ (p.old && j < p.old.length ? p.old[j]! : 0)) | 0)
      expect([...packXorRuns(pages)]).toEqual([...packZeroRuns(Int32Array.from(flat))])
    }), { numRuns: 500 })
    // runs across page boundaries: a zero absorbed at the end of one page, two zeros split by a boundary
    const a: XorPage = { words: 3, now: Int32Array.from([5, 0, 0]), old: undefined }
    const b: XorPage = { words: 3, now: Int32Array.from([0, 7, 7]), old: Int32Array.from([0, 7, 0]) }
    expect([...packXorRuns([a, b])]).toEqual([...packZeroRuns(Int32Array.from([5, 0, 0, 0, 0, 7]))])
  })

  it('zero-run packing: round trip of any word array, and runs that overrun are refused', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 300 }), (xs) => {
      const words = Int32Array.from(xs)
      const packed = packZeroRuns(words)
      expect([...unpackZeroRuns(packed, words.length, 't')]).toEqual([...words])
      expect(packed.length).toBeLessThanOrEqual(words.length + 3)
    }), { numRuns: 200 })
    expect([...packZeroRuns(Int32Array.from([7, 0]))]).toEqual([0, 1, 7, 1, 0]) // the n + 3 worst case
    expect(() => unpackZeroRuns(Int32Array.from([5, 1, 7]), 4, 'here')).toThrow(/here: zero-run packed deltas don't decode: run at word 0 \(5 zero, 1 literal words\) overruns 4 words/)
    expect(() => unpackZeroRuns(Int32Array.from([1, 1, 7]), 4, 'here')).toThrow(/runs cover 2 words, expected 4/)
    expect(() => unpackZeroRuns(Int32Array.from([1, 5, 7]), 9, 'here')).toThrow(/overruns/)
    expect(() => unpackZeroRuns(Int32Array.from([-1, 0]), 4, 'here')).toThrow(/overruns/)
  })

  it('format 3: the link digest covers the header and the bytes as stored (deflated / zero-run packed)', async () => {
    const m0 = sparseMemory(8, [1, 2], 11)
    const e0 = await encodeSnapshot(m0)
    const m1 = m0.slice()
    m1[2 * PAGE_SIZE + 77] = m1[2 * PAGE_SIZE + 77]! ^ 0x21
    const e1 = await encodeSnapshot(m1, { contentSha256: e0.contentSha256, image: e0.image })
    for (const [enc, base] of [[e0, null], [e1, e0.contentSha256]] as const) {
      const header = linkHeader(enc.kind, enc.byteLength, base, enc.pages)
      expect(new TextDecoder().decode(header)).toMatch(/^aolight-snapshot\/3\n/)
      const stored = new Uint8Array(await enc.blob.arrayBuffer())
      expect(createHash('sha256').update(header).update(stored).digest('hex')).toBe(enc.contentSha256)
      expect(enc.compressedSize).toBe(stored.byteLength)
    }
  })

  it('format 2 links (digest over the bytes before compression) are still read and still checked', async () => {
    const m0 = sparseMemory(8, [1, 4], 12)
    const e0 = await encodeSnapshot(m0)
    // a format-2 full link of the same pages: deflate-raw of the page bytes, digest over header 2 + those bytes
    const payload = toSparse(m0).data
    const deflated = new Blob([await new Response(new Blob([payload as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer()])
    const digest = createHash('sha256').update(linkHeader('full', m0.byteLength, null, e0.pages, 2)).update(payload).digest('hex')
    const v2: StoredLink = { id: 3, kind: 'full', byteLength: m0.byteLength, pages: e0.pages, contentSha256: digest, baseContentSha256: null, blob: deflated, format: 2 }
    expect(hex(rebuildMemory([await openLink(v2, 'v2')]).memory)).toBe(hex(m0))
    await expect(openLink({ ...v2, contentSha256: e0.contentSha256 }, 'v2')).rejects.toThrow(/v2: snapshot 3: content SHA-256 is [0-9a-f]{64}, recorded/)
    // read as format 3, the same record fails its digest
    await expect(openLink({ ...v2, format: 3 }, 'v3')).rejects.toThrow(/v3: snapshot 3: content SHA-256/)
  })

  it('rebuildSparse: a lone full link is its own sparse memory and image (views), a chain is rebuilt', async () => {
    const m0 = sparseMemory(16, [0, 3, 9], 13)
    const { enc: e0, l: l0 } = await link(1, m0)
    const one = rebuildSparse([l0])
    expect(one.memory.data).toBe(l0.data)
    expect(hex(toDense(one.memory))).toBe(hex(m0))
    expect([...one.image.pages.keys()]).toEqual([0, 3, 9])
    expect(one.image.pages.get(3)!.buffer).toBe(l0.data.buffer)
    const m1 = m0.slice()
    m1[9 * PAGE_SIZE] = 0
    m1.fill(0, 9 * PAGE_SIZE, 10 * PAGE_SIZE) // page 9 goes to zero
    m1[5 * PAGE_SIZE + 1] = 5
    const { enc: e1, l: l1 } = await link(2, m1, e0)
    const two = rebuildSparse([l0, l1])
    expect([...two.memory.pages]).toEqual([0, 3, 5])
    expect(hex(toDense(two.memory))).toBe(hex(m1))
    const packed = await openLink(stored(2, e1, e0), 't', { packedDeltas: true })
    expect(packed.data.byteLength).toBe(0)
    const three = rebuildSparse([l0, packed])
    expect([...three.memory.pages]).toEqual([0, 3, 5]) // page 9 went to zero: dropped
    expect(hex(toDense(three.memory))).toBe(hex(m1))
  })

  it('property: a sparse memory (as the runtime worker hands it over) encodes to the same link as the dense one, zero pages listed or not', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.tuple(fc.nat(11), fc.nat(PAGE_SIZE - 1), fc.nat(255)), { maxLength: 5 }), { minLength: 1, maxLength: 4 }),
      fc.nat(11),
      async (steps, listedZero) => {
        const mem = new Uint8Array(12 * PAGE_SIZE)
        let dense: EncodedSnapshot | undefined
        let sparse: EncodedSnapshot | undefined
        for (const edits of steps) {
          for (const [p, off, v] of edits) mem[p * PAGE_SIZE + off] = v
          const s = toSparse(mem)
          // a listed page that is all zero (allowed: "a listed page may also be zero")
          const pages = [...new Set([...s.pages, listedZero])].sort((a, b) => a - b)
          const withZero = { byteLength: mem.byteLength, pages: Uint32Array.from(pages), data: new Uint8Array(pages.length * PAGE_SIZE) }
          pages.forEach((p, k) => withZero.data.set(mem.subarray(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), k * PAGE_SIZE))
          const d = await encodeSnapshot(mem, dense ? { contentSha256: dense.contentSha256, image: dense.image } : null)
          const sp = await encodeSnapshot(withZero, sparse ? { contentSha256: sparse.contentSha256, image: sparse.image } : null)
          expect([...sp.pages]).toEqual([...d.pages])
          expect(sp.contentSha256).toBe(d.contentSha256)
          expect([...sp.image.pages.keys()]).toEqual([...d.image.pages.keys()])
          for (const [p, w] of d.image.pages) expect(Buffer.from(sp.image.pages.get(p)!.buffer, sp.image.pages.get(p)!.byteOffset, w.byteLength).equals(Buffer.from(w.buffer, w.byteOffset, w.byteLength))).toBe(true)
          // the image copies what it keeps: no page pins the handed-over memory's buffer
          for (const w of sp.image.pages.values()) expect(w.buffer).not.toBe(withZero.data.buffer)
          dense = d
          sparse = sp
        }
      }), { numRuns: 40 })
  })

  it('refuses a chain that does not start with a full snapshot', async () => {
    const m = sparseMemory(4, [1], 8)
    const { l } = await link(1, m)
    try {
      rebuildMemory([{ ...l, kind: 'incremental' }])
      expect.unreachable()
    } catch (e) {
      expect(isStoreError(e, 'store/corrupt')).toBe(true)
      expect(String(e)).toMatch(/chain 1:incremental is not one full snapshot then incrementals/)
    }
  })

  it('rejects bad input with a specific error', async () => {
    await expect(encodeSnapshot(new Uint8Array(0))).rejects.toThrow(/non-empty Uint8Array \(got 0 bytes\)/)
    await expect(encodeSnapshot([1, 2] as unknown as Uint8Array)).rejects.toThrow(/got Array/)
    await expect(encodeSnapshot(new Uint8Array(4), null, { sha256: 'xyz' })).rejects.toThrow(/64 lowercase hex/)
  })

  it('property: any chain of random page edits (incl. growth and odd lengths) rebuilds to the last memory', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.array(fc.tuple(fc.nat(15), fc.nat(PAGE_SIZE - 1), fc.nat(255)), { maxLength: 6 }), fc.nat(3)), { minLength: 1, maxLength: 5 }),
      async (steps) => {
        let mem = new Uint8Array(8 * PAGE_SIZE + 6)
        let base: EncodedSnapshot | undefined
        const chain: SnapshotLink[] = []
        const packedChain: SnapshotLink[] = []
        for (const [i, [edits, grow]] of steps.entries()) {
          const next = new Uint8Array(mem.byteLength + grow * PAGE_SIZE)
          next.set(mem)
          mem = next
          for (const [p, off, v] of edits) if (p * PAGE_SIZE + off < mem.byteLength) mem[p * PAGE_SIZE + off] = v
          const { enc, l } = await link(i, mem, base)
          chain.push(l)
          packedChain.push(await openLink(stored(i, enc, base), 'test', { packedDeltas: true }))
          base = enc
        }
        const back = rebuildMemory(chain)
        expect(back.memory.byteLength).toBe(mem.byteLength)
        expect(hex(back.memory)).toBe(hex(mem))
        expect([...back.image.pages.keys()].sort((a, b) => a - b)).toEqual(nonZeroPages(mem))
        // the warm open's path: deltas left packed, applied in place into the sparse layout
        for (const c of [chain, packedChain]) {
          const sparse = rebuildSparse(c)
          expect(sparse.memory.byteLength).toBe(mem.byteLength)
          expect(hex(toDense(sparse.memory))).toBe(hex(mem))
          expect([...sparse.memory.pages]).toEqual(nonZeroPages(mem))
          expect([...sparse.image.pages.keys()]).toEqual(nonZeroPages(mem))
          for (const [p, w] of back.image.pages) expect([...sparse.image.pages.get(p)!]).toEqual([...w])
        }
        // and the general rebuilds decode packed links
        expect(hex(rebuildMemory(packedChain).memory)).toBe(hex(mem))
      }), { numRuns: 30 })
  })
})
