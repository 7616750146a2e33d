/** base64url without padding (RFC 4648 §5), the encoding of every Arweave/ao id, key and signature. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const LOOKUP = new Int16Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i
// Accept standard base64 and padding too: gateways and wallets are not always strict.
LOOKUP['+'.charCodeAt(0)] = 62
LOOKUP['/'.charCodeAt(0)] = 63

export function toB64Url(bytes: Uint8Array): string {
  let out = ''
  const n = bytes.length
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!
  }
  if (n - i === 1) {
    const v = bytes[i]! << 16
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]!
  } else if (n - i === 2) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8)
    out += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]!
  }
  return out
}

export class Base64UrlError extends Error {
  override readonly name = 'Base64UrlError'
}

export function fromB64Url(text: string): Uint8Array {
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--
  if (end % 4 === 1) throw new Base64UrlError(`invalid base64url length ${text.length}`)
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? LOOKUP[c]! : -1
    if (v < 0) throw new Base64UrlError(`invalid base64url character ${JSON.stringify(text[i])} at ${i}`)
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >> bits) & 0xff
    }
  }
  return out
}

/** True when `text` is a 43-character base64url string, the form of a 32-byte id or address. */
export function isB64UrlId(text: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(text)
}
