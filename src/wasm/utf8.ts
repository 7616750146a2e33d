/** UTF-8 C strings in linear memory (what the glue's stringToUTF8 / UTF8ToString do). */
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8')

/** Bytes of the NUL-terminated string at `ptr` (not including the NUL); `max` bounds the scan. */
export function cStringLength(u8: Uint8Array, ptr: number, max = Infinity): number {
  const end = Math.min(u8.length, ptr + max)
  const nul = u8.indexOf(0, ptr)
  return (nul === -1 || nul > end ? end : nul) - ptr
}

export function readCString(u8: Uint8Array, ptr: number, max?: number): string {
  if (!ptr) return ''
  const len = cStringLength(u8, ptr, max)
  return decoder.decode(u8.subarray(ptr, ptr + len))
}

/**
 * Byte length of the UTF-8 encoding, counting a lone surrogate as 3 bytes like the glue's
 * lengthBytesUTF8 (TextEncoder writes U+FFFD for those, also 3 bytes).
 */
const NON_ASCII = /[^\x00-\x7f]/

export function utf8Length(s: string): number {
  // most messages are ASCII: one native scan instead of a JS loop over every char
  if (!NON_ASCII.test(s)) return s.length
  let len = 0
  for (let i = 0; i < s.length; ++i) {
    const c = s.charCodeAt(i)
    if (c <= 0x7f) len++
    else if (c <= 0x7ff) len += 2
    else if (c >= 0xd800 && c <= 0xdfff) {
      len += 4
      ++i
    } else len += 3
  }
  return len
}

/** Write `s` + NUL at `ptr`; `cap` is the room including the NUL. Returns bytes written (no NUL). */
export function writeCString(u8: Uint8Array, s: string, ptr: number, cap: number): number {
  if (cap <= 0) return 0
  const { written } = encoder.encodeInto(s, u8.subarray(ptr, ptr + cap - 1))
  u8[ptr + written] = 0
  return written
}

export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s)
}
