/**
 * ANS-104 tags: Avro `array<record{name: bytes, value: bytes}>`.
 *
 * An array is a sequence of blocks: a zig-zag varint item count, then the items; a negative count
 * -n means n items preceded by the block's byte size; a 0 count ends the array. Each name/value is a
 * zig-zag varint length and that many bytes. With no tags, an item carries 0 tag bytes (not a lone
 * terminator) — what arbundles and the SU write.
 *
 * ANS-104 limits: at most 128 tags, names 1..1024 bytes, values 1..3072 bytes.
 */
import { ProtocolError } from './errors'
import { EMPTY_BYTES, utf8Decode, utf8Encode } from './bytes'

export interface Tag {
  name: string
  value: string
}

export const MAX_TAGS = 128
export const MAX_TAG_NAME_BYTES = 1024
export const MAX_TAG_VALUE_BYTES = 3072

/**
 * Avro-encodes tags as one block plus terminator. Does not enforce the ANS-104 limits (callers
 * hashing tags they received, e.g. dedupe keys, need the exact encoding whatever it holds);
 * `assertTagLimits` does, and item creation calls it.
 */
export function encodeTags(tags: readonly Tag[]): Uint8Array {
  if (tags.length === 0) return EMPTY_BYTES
  // Log checks re-encode every item's tags: ASCII text (nearly every tag) is written char by
  // char, without a TextEncoder allocation per string; other text goes through utf8Encode.
  const parts: (string | Uint8Array)[] = []
  let size = varintSize(tags.length) + 1
  for (const t of tags) {
    for (const text of [t.name, t.value]) {
      const part = isAscii(text) ? text : utf8Encode(text)
      parts.push(part)
      size += varintSize(part.length) + part.length
    }
  }
  const out = new Uint8Array(size)
  let o = writeVarint(out, 0, tags.length)
  for (const part of parts) {
    o = writeVarint(out, o, part.length)
    if (typeof part === 'string') {
      for (let i = 0; i < part.length; i++) out[o++] = part.charCodeAt(i)
    } else {
      out.set(part, o)
      o += part.length
    }
  }
  out[o] = 0 // terminator block
  return out
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false
  return true
}

/** Throws `item/tag-limit` naming the offending tag when the ANS-104 limits are exceeded. */
export function assertTagLimits(tags: readonly Tag[]): void {
  if (tags.length > MAX_TAGS) {
    throw new ProtocolError('item/tag-limit', `${tags.length} tags, at most ${MAX_TAGS} allowed`, { count: tags.length })
  }
  tags.forEach((t, i) => {
    checkLength('name', utf8Encode(t.name).length, MAX_TAG_NAME_BYTES, i)
    checkLength('value', utf8Encode(t.value).length, MAX_TAG_VALUE_BYTES, i)
  })
}

function checkLength(field: 'name' | 'value', length: number, max: number, index: number): void {
  if (length === 0) throw new ProtocolError('item/tag-limit', `tag ${index}: empty ${field}`, { index, field })
  if (length > max) {
    throw new ProtocolError('item/tag-limit', `tag ${index}: ${field} is ${length} bytes, at most ${max} allowed`, { index, field, length })
  }
}

/**
 * Strict decoder for the tag blob of an item that declares `expectedCount` tags: every varint,
 * block size and string length is checked against the blob, the count must match and the blob
 * must end exactly at the terminator. `offset` only makes error messages point into the item.
 */
export function decodeTags(blob: Uint8Array, expectedCount: number, offset = 0): Tag[] {
  if (blob.length === 0) {
    if (expectedCount !== 0) fail(`item declares ${expectedCount} tags but 0 tag bytes`, offset)
    return []
  }
  const r = new AvroReader(blob, offset)
  const tags: Tag[] = []
  for (;;) {
    let count = r.long('block count')
    if (count === 0) break
    let blockEnd = -1
    if (count < 0) {
      count = -count
      const size = r.long('block byte size')
      if (size < 0 || size > r.remaining()) fail(`block byte size ${size} outside the ${r.remaining()} remaining tag bytes`, r.at())
      blockEnd = r.pos + size
    }
    if (tags.length + count > expectedCount) {
      fail(`tag blob holds more than the ${expectedCount} tags the item declares`, r.at(), 'item/tag-encoding')
    }
    if (tags.length + count > MAX_TAGS) limit(`more than ${MAX_TAGS} tags`, r.at())
    for (let i = 0; i < count; i++) {
      const index = tags.length
      const name = r.bytes(`tag ${index} name`, MAX_TAG_NAME_BYTES)
      const value = r.bytes(`tag ${index} value`, MAX_TAG_VALUE_BYTES)
      tags.push({ name: utf8Decode(name), value: utf8Decode(value) })
    }
    if (blockEnd >= 0 && r.pos !== blockEnd) fail(`block byte size says the block ends at ${blockEnd}, items end at ${r.pos}`, r.at())
  }
  if (r.pos !== blob.length) fail(`${blob.length - r.pos} bytes after the tag terminator`, r.at())
  if (tags.length !== expectedCount) fail(`item declares ${expectedCount} tags, tag blob holds ${tags.length}`, offset)
  return tags
}

function fail(message: string, at: number, code: 'item/tag-encoding' = 'item/tag-encoding'): never {
  throw new ProtocolError(code, `tags: ${message} (item byte ${at})`, { offset: at })
}

function limit(message: string, at: number): never {
  throw new ProtocolError('item/tag-limit', `tags: ${message} (item byte ${at})`, { offset: at })
}

class AvroReader {
  pos = 0
  constructor(
    private readonly buf: Uint8Array,
    private readonly base: number,
  ) {}

  at(): number {
    return this.base + this.pos
  }

  remaining(): number {
    return this.buf.length - this.pos
  }

  /** Zig-zag varint, at most 2^31 in magnitude: nothing in a tag blob is larger. */
  long(what: string): number {
    let n = 0
    let mul = 1
    for (let i = 0; ; i++) {
      if (this.pos >= this.buf.length) fail(`${what}: varint runs past the end of the tag bytes`, this.at())
      if (i >= 5) fail(`${what}: varint longer than 5 bytes`, this.at())
      const b = this.buf[this.pos++]!
      n += (b & 0x7f) * mul
      mul *= 128
      if ((b & 0x80) === 0) break
    }
    if (n > 0xffff_ffff) fail(`${what}: varint value out of range`, this.at())
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2
  }

  bytes(what: string, max: number): Uint8Array {
    const len = this.long(`${what} length`)
    if (len < 0) fail(`${what}: negative length ${len}`, this.at())
    if (len === 0) limit(`${what} is empty`, this.at())
    if (len > max) limit(`${what} is ${len} bytes, at most ${max} allowed`, this.at())
    if (len > this.remaining()) fail(`${what}: ${len} bytes but only ${this.remaining()} tag bytes remain`, this.at())
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }
}

function varintSize(n: number): number {
  let z = n * 2 // zig-zag of a non-negative count or length
  let size = 1
  while (z >= 128) {
    z = Math.floor(z / 128)
    size++
  }
  return size
}

function writeVarint(out: Uint8Array, offset: number, n: number): number {
  let z = n * 2
  let o = offset
  while (z >= 128) {
    out[o++] = (z & 0x7f) | 0x80
    z = Math.floor(z / 128)
  }
  out[o++] = z
  return o
}
