/** Our deep hash against arweave-js's (the definition) on random nested structures. */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as arDeepHashModule from 'arweave/node/lib/deepHash'
import { ASYNC_BLOB_THRESHOLD, deepHash, deepHashAsync, type DeepHashChunk } from '../../src/protocol/deep-hash'

// CJS module with `exports.default`; depending on interop the function sits one or two levels down.
type DeepHashFn = (data: DeepHashChunk) => Promise<Uint8Array>
const mod = arDeepHashModule as unknown as { default: DeepHashFn | { default: DeepHashFn } }
const arweaveDeepHash: DeepHashFn = typeof mod.default === 'function' ? mod.default : mod.default.default

const blob = fc.uint8Array({ maxLength: 300 })
const { chunk } = fc.letrec<{ chunk: DeepHashChunk }>((tie) => ({
  chunk: fc.oneof({ depthSize: 'small', withCrossShrink: true }, blob, fc.array(tie('chunk'), { maxLength: 6 })),
}))

describe('deepHash', () => {
  it('matches arweave-js on random nested structures (sync and async)', async () => {
    await fc.assert(
      fc.asyncProperty(chunk, async (c) => {
        const expected = await arweaveDeepHash(c)
        expect(deepHash(c)).toEqual(new Uint8Array(expected))
        expect(await deepHashAsync(c)).toEqual(new Uint8Array(expected))
      }),
      { numRuns: 300 },
    )
  })

  it('matches arweave-js on blobs around the WebCrypto threshold and on empty lists', async () => {
    const big = new Uint8Array(ASYNC_BLOB_THRESHOLD * 3 + 5).map((_, i) => (i * 31) & 0xff)
    const cases: DeepHashChunk[] = [
      [],
      [[]],
      new Uint8Array(0),
      big,
      big.subarray(1, ASYNC_BLOB_THRESHOLD),
      big.subarray(0, ASYNC_BLOB_THRESHOLD),
      [big, [big.subarray(7)], new Uint8Array(0)],
    ]
    for (const c of cases) {
      const expected = new Uint8Array(await arweaveDeepHash(c))
      expect(deepHash(c)).toEqual(expected)
      expect(await deepHashAsync(c)).toEqual(expected)
    }
  })

  it('distinguishes a blob from a list holding it', () => {
    const b = new Uint8Array([1, 2, 3])
    expect(deepHash(b)).not.toEqual(deepHash([b]))
    expect(deepHash([b, b])).not.toEqual(deepHash([[b, b]]))
  })
})
