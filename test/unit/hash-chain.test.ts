import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { hashChainSeed, nextHashChain, nextHyperbeamHashChain } from '../../src/protocol/hash-chain'

// Independent check with node:crypto, following the reference CU's own test
// (ao servers/cu/src/effects/ao-su: sha256(raw assignment id) then raw previous chain).
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url')
const id32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(b64)

describe('hash chain', () => {
  it('legacynet: sha256(raw prevAssignmentId ‖ raw prevHashChain)', () => {
    fc.assert(
      fc.property(id32, id32, (a, h) => {
        const want = createHash('sha256').update(Buffer.from(a, 'base64url')).update(Buffer.from(h, 'base64url')).digest('base64url')
        expect(nextHashChain(a, h)).toBe(want)
      }),
      { numRuns: 300 },
    )
  })
  it('seed: sha256(raw processId)', () => {
    fc.assert(
      fc.property(id32, (p) => {
        expect(hashChainSeed(p)).toBe(createHash('sha256').update(Buffer.from(p, 'base64url')).digest('base64url'))
      }),
      { numRuns: 100 },
    )
  })
  it('HyperBEAM: sha256(prevHashChain ‖ raw msgId) — order differs from legacynet', () => {
    fc.assert(
      fc.property(id32, id32, (h, m) => {
        const want = createHash('sha256').update(Buffer.from(h, 'base64url')).update(Buffer.from(m, 'base64url')).digest('base64url')
        expect(nextHyperbeamHashChain(h, m)).toBe(want)
        // Legacynet puts the id first: same inputs, different chain.
        if (h !== m) expect(nextHyperbeamHashChain(h, m)).not.toBe(nextHashChain(m, h))
      }),
      { numRuns: 100 },
    )
  })
  it('chains are 43-character ids', () => {
    const seed = hashChainSeed('A'.repeat(43))
    expect(seed).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(nextHashChain('B'.repeat(43), seed)).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
})
