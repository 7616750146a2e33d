/**
 * Fuzzing `decodeDataItem`: mutated valid items (bit flips, truncations, insertions, deletions,
 * length-field corruption, tag-count lies) and random bytes. Every input must end in a
 * `ProtocolError` or a valid item that re-encodes to exactly the input bytes — never another
 * exception type, never a hang. ~52,000 inputs in total (40,000 mutations, 10,000 random, every bit of one item).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeDataItem, encodeDataItem, verifyDataItem } from '../../src/protocol/ans104'
import { ProtocolError } from '../../src/protocol/errors'
import { signatureTypeInfo } from '../../src/protocol/signature-types'
import type { FixtureEntry } from '../fixtures/ans104/generate'

const dir = join(__dirname, '../fixtures/ans104')
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as FixtureEntry[]
// Small real items of every type (the 100 KB / 1 MB ones only slow the fuzzer down).
const seeds = manifest.filter((e) => e.dataLength < 10_000).map((e) => new Uint8Array(readFileSync(join(dir, e.file))))

type Outcome = 'valid' | 'rejected'

function decodeOutcome(bytes: Uint8Array): Outcome {
  try {
    const item = decodeDataItem(bytes)
    // A valid item is a faithful parse: it serialises back to the same bytes.
    const again = encodeDataItem(item)
    if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) throw new Error('decoded item does not re-encode to its input')
    return 'valid'
  } catch (e) {
    if (e instanceof ProtocolError) return 'rejected'
    throw e
  }
}

/** Offset of the u64 tag count in an item (all seeds are well-formed). */
function tagHeaderOffset(bytes: Uint8Array): number {
  const info = signatureTypeInfo(bytes[0]! | (bytes[1]! << 8))
  let pos = 2 + info.signatureLength + info.ownerLength
  pos += bytes[pos] === 1 ? 33 : 1
  pos += bytes[pos] === 1 ? 33 : 1
  return pos
}

const u64Patterns = fc.oneof(
  fc.integer({ min: 0, max: 300 }).map((n) => [n, 0]),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((n) => [n, 0]),
  fc.tuple(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff })),
)

function setU64(bytes: Uint8Array, at: number, [lo, hi]: number[]): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (at + 8 > bytes.length) return
  view.setUint32(at, lo! >>> 0, true)
  view.setUint32(at + 4, hi! >>> 0, true)
}

const seed = fc.integer({ min: 0, max: seeds.length - 1 }).map((i) => seeds[i]!)

const mutation = fc.oneof(
  // bit flips anywhere
  fc.record({ kind: fc.constant('flip' as const), positions: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), bits: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 8, maxLength: 8 }) }),
  // truncation
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  // insert random bytes
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  // delete a range
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
  // corrupt the tag count or tag byte size (u64 fields)
  fc.record({ kind: fc.constant('length' as const), which: fc.integer({ min: 0, max: 1 }), value: u64Patterns }),
  // lie about the tag count by a little
  fc.record({ kind: fc.constant('tag-count-lie' as const), delta: fc.integer({ min: -3, max: 3 }) }),
  // flip bytes inside the Avro blob only (varints, lengths, terminator)
  fc.record({ kind: fc.constant('avro' as const), offsets: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), values: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }) }),
  // random presence bytes / signature type
  fc.record({ kind: fc.constant('header' as const), sigType: fc.integer({ min: 0, max: 0xffff }), presence: fc.integer({ min: 0, max: 255 }) }),
)

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never

function mutate(original: Uint8Array, m: Mutation): Uint8Array {
  let b = original.slice()
  const len = b.length
  switch (m.kind) {
    case 'flip':
      m.positions.forEach((p, i) => {
        b[p % len]! ^= 1 << m.bits[i]!
      })
      return b
    case 'truncate':
      return b.subarray(0, m.at % (len + 1))
    case 'insert': {
      const at = m.at % (len + 1)
      const out = new Uint8Array(len + m.bytes.length)
      out.set(b.subarray(0, at))
      out.set(m.bytes, at)
      out.set(b.subarray(at), at + m.bytes.length)
      return out
    }
    case 'delete': {
      const at = m.at % len
      return new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.n)])
    }
    case 'length':
      setU64(b, tagHeaderOffset(b) + 8 * m.which, m.value)
      return b
    case 'tag-count-lie': {
      const at = tagHeaderOffset(b)
      const count = b[at]! + m.delta
      setU64(b, at, [count < 0 ? 0xffff_ffff : count, count < 0 ? 0xffff_ffff : 0])
      return b
    }
    case 'avro': {
      const at = tagHeaderOffset(b)
      const size = b[at + 8]! | (b[at + 9]! << 8)
      if (size === 0) return b
      m.offsets.forEach((o, i) => {
        b[at + 16 + (o % size)] = m.values[i]!
      })
      return b
    }
    case 'header': {
      b[0] = m.sigType & 0xff
      b[1] = m.sigType >> 8
      const info = (() => {
        try {
          return signatureTypeInfo(original[0]! | (original[1]! << 8))
        } catch {
          return undefined
        }
      })()
      if (info) b[2 + info.signatureLength + info.ownerLength] = m.presence
      return b
    }
  }
}

describe('decodeDataItem fuzz', () => {
  it('seeds are valid items of every type', () => {
    expect(seeds.length).toBeGreaterThan(10)
    for (const s of seeds) expect(decodeOutcome(s)).toBe('valid')
  })

  it('mutated valid items: ProtocolError or an exact item (40,000 runs)', () => {
    const seen: Record<Outcome, number> = { valid: 0, rejected: 0 }
    fc.assert(
      fc.property(seed, mutation, (s, m) => {
        seen[decodeOutcome(mutate(s, m))]++
      }),
      { numRuns: 40_000 },
    )
    // both outcomes occur: the mutations reach past the first check
    expect(seen.valid).toBeGreaterThan(500)
    expect(seen.rejected).toBeGreaterThan(5000)
  }, 30_000)

  it('random bytes, raw and behind a valid signature-type prefix (10,000 runs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), fc.integer({ min: 0, max: 8 }), (bytes, type) => {
        decodeOutcome(bytes)
        if (bytes.length >= 2) {
          const b = bytes.slice()
          b[0] = type
          b[1] = 0
          decodeOutcome(b)
        }
      }),
      { numRuns: 10_000 },
    )
  }, 30_000)

  it('every single-bit flip of a small ed25519 item decodes or fails typed, and verify gives a boolean', async () => {
    const small = seeds.find((s) => s[0] === 2 && s.length < 400)!
    let flips = 0
    const decodedVariants: Uint8Array[] = []
    for (let i = 0; i < small.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = small.slice()
        b[i]! ^= 1 << bit
        if (decodeOutcome(b) === 'valid' && i % 7 === 0) decodedVariants.push(b)
        flips++
      }
    }
    expect(flips).toBe(small.length * 8)
    // The signature covers everything it must: no flipped variant still verifies.
    for (const b of decodedVariants) {
      try {
        expect(await verifyDataItem(decodeDataItem(b))).toBe(false)
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError)
      }
    }
  }, 30_000)
})
