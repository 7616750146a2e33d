import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { fromB64Url, toB64Url, isB64UrlId } from '../../src/protocol/base64url'

describe('base64url', () => {
  it('round-trips arbitrary bytes and matches Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toB64Url(bytes)
        expect(text).toBe(Buffer.from(bytes).toString('base64url'))
        expect(fromB64Url(text)).toEqual(bytes)
      }),
      { numRuns: 2000 },
    )
  })
  it('accepts padding and standard alphabet, rejects junk', () => {
    expect(fromB64Url('-_8=')).toEqual(new Uint8Array([0xfb, 0xff]))
    expect(fromB64Url('+/8')).toEqual(new Uint8Array([0xfb, 0xff]))
    expect(() => fromB64Url('abc$')).toThrow(/character/)
    expect(() => fromB64Url('a')).toThrow(/length/)
  })
  it('recognises 43-character ids', () => {
    expect(isB64UrlId(toB64Url(new Uint8Array(32)))).toBe(true)
    expect(isB64UrlId('short')).toBe(false)
  })
})
