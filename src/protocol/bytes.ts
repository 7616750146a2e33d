/**
 * Small byte helpers shared by the ANS-104 modules. Plain Uint8Array only (no Buffer), so the
 * protocol layer runs unchanged in Node and in a Web Worker.
 */

export const EMPTY_BYTES: Uint8Array = new Uint8Array(0)

const encoder = new TextEncoder()
// Lossy on purpose: tag text is for display and mapping; signatures always cover the raw bytes.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text)
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0
  for (const p of parts) size += p.length
  const out = new Uint8Array(size)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const HEX = '0123456789abcdef'

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    out += HEX[b >> 4]! + HEX[b & 15]!
  }
  return out
}

export class HexError extends Error {
  override readonly name = 'HexError'
}

/** Accepts an optional `0x` prefix; throws `HexError` on odd length or a non-hex character. */
export function fromHex(text: string): Uint8Array {
  const s = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text
  if (s.length % 2) throw new HexError(`hex string has odd length ${s.length}`)
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) {
    const pair = s.slice(2 * i, 2 * i + 2)
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new HexError(`invalid hex ${JSON.stringify(pair)} at offset ${2 * i}`)
    out[i] = Number.parseInt(pair, 16)
  }
  return out
}

/**
 * Reads an unsigned little-endian 64-bit integer. Values above 2^53 come back as `Infinity`
 * so that every length check against a buffer size fails cleanly instead of wrapping.
 */
export function readU64LE(bytes: Uint8Array, offset: number): number {
  const lo = (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0
  const hi = (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0
  if (hi > 0x1fffff) return Number.POSITIVE_INFINITY
  return hi * 0x1_0000_0000 + lo
}

export function writeU64LE(bytes: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`u64 value out of range: ${value}`)
  const lo = value >>> 0
  const hi = Math.floor(value / 0x1_0000_0000)
  bytes[offset] = lo & 0xff
  bytes[offset + 1] = (lo >>> 8) & 0xff
  bytes[offset + 2] = (lo >>> 16) & 0xff
  bytes[offset + 3] = (lo >>> 24) & 0xff
  bytes[offset + 4] = hi & 0xff
  bytes[offset + 5] = (hi >>> 8) & 0xff
  bytes[offset + 6] = (hi >>> 16) & 0xff
  bytes[offset + 7] = (hi >>> 24) & 0xff
}
