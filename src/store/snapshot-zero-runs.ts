/**
 * Zero-run packing of 32-bit words, the encoding of incremental snapshots' XOR deltas. After 500
 * aos messages the deltas are ~94 % zero words, so dropping the zero runs shrinks 1.5 MB to
 * ~130 KB in ~1 ms, where deflate (CompressionStream) needs 15–50 ms in a Chromium Worker for
 * ~78 KB: the few extra KB aren't worth 10× the time of a frequent snapshot. Full snapshots are dense
 * and keep deflate.
 *
 * Layout: repeated [zero words to skip, literal word count, literal words...], until the length.
 */
import { StoreError } from './errors'

export function packZeroRuns(words: Int32Array): Int32Array<ArrayBuffer> {
  const n = words.length
  // Bound: a first run without leading zeros costs 2 words more than it covers, a last run of only
  // zeros at most 1 more; runs between are separated by at least 2 zeros, which pay for their header.
  const out = new Int32Array(n + 3)
  let o = 0
  let i = 0
  while (i < n) {
    const zeroStart = i
    while (i < n && words[i] === 0) i++
    const litStart = i
    // A literal run absorbs single zero words; two zeros in a row end it (cheaper as a run).
    while (i < n && (words[i] !== 0 || (i + 1 < n && words[i + 1] !== 0))) i++
    out[o++] = litStart - zeroStart
    out[o++] = i - litStart
    // literal runs are mostly a few words: a loop, not a subarray + set per run
    for (let k = litStart; k < i; k++) out[o++] = words[k]!
  }
  return out.slice(0, o)
}

/** One page of an incremental's deltas: its words now and in the base (undefined: all zero), and its length in words. */
export interface XorPage {
  now: Int32Array | undefined
  old: Int32Array | undefined
  words: number
}

/**
 * `packZeroRuns` of the pages' XOR deltas laid end to end, computed word by word as they are packed:
 * the same words out, without the deltas' own buffer (~4 MB at 10,000 aos messages) and its extra
 * pass. A literal run absorbs a single zero word when a non-zero word follows, as packZeroRuns does.
 */
export function packXorRuns(pages: readonly XorPage[]): Int32Array<ArrayBuffer> {
  let total = 0
  for (const p of pages) total += p.words
  const out = new Int32Array(total + 3) // packZeroRuns's bound: the output is word for word the same
  let o = 0
  let zeros = 0 // zero words since the last literal run
  let header = -1 // out index of the open literal run's header, -1 when none is open
  let lits = 0
  let pendingZero = false // a zero word inside the open literal run, kept only if a non-zero word follows
  for (const { now, old, words } of pages) {
    const nowLen = now ? Math.min(now.length, words) : 0
    const oldLen = old ? Math.min(old.length, words) : 0
    for (let j = 0; j < words; j++) {
      const w = (j < nowLen ? now![j]! : 0) ^ (j < oldLen ? old![j]! : 0)
      if (header < 0) {
        if (w === 0) {
          zeros++
          continue
        }
        header = o
        out[o++] = zeros
        out[o++] = 0
        out[o++] = w
        zeros = 0
        lits = 1
      } else if (w !== 0) {
        if (pendingZero) {
          out[o++] = 0
          lits++
          pendingZero = false
        }
        out[o++] = w
        lits++
      } else if (!pendingZero) {
        pendingZero = true
      } else {
        // two zero words: the literal run ends before the first
        out[header + 1] = lits
        header = -1
        pendingZero = false
        zeros = 2
      }
    }
  }
  if (header >= 0) {
    out[header + 1] = lits
    if (pendingZero) zeros = 1
  }
  if (zeros > 0) {
    out[o++] = zeros
    out[o++] = 0
  }
  return out.slice(0, o)
}

/** The `length` words `packed` encodes; 'store/corrupt' (naming `where`) when it doesn't fit. */
export function unpackZeroRuns(packed: Int32Array, length: number, where: string): Int32Array {
  const out = new Int32Array(length)
  let i = 0
  let o = 0
  while (i < packed.length) {
    if (i + 2 > packed.length) throw bad(where, `a run header is cut off at word ${i}`)
    const zeros = packed[i]!
    const lits = packed[i + 1]!
    i += 2
    if (zeros < 0 || lits < 0 || o + zeros + lits > length || i + lits > packed.length) {
      throw bad(where, `run at word ${i - 2} (${zeros} zero, ${lits} literal words) overruns ${length} words`)
    }
    o += zeros
    for (const stop = i + lits; i < stop;) out[o++] = packed[i++]!
  }
  if (o !== length) throw bad(where, `runs cover ${o} words, expected ${length}`)
  return out
}

/** Check that `packed` encodes exactly `length` words, without decoding it (same errors as unpackZeroRuns). */
export function checkZeroRuns(packed: Int32Array, length: number, where: string): void {
  let i = 0
  let o = 0
  while (i < packed.length) {
    if (i + 2 > packed.length) throw bad(where, `a run header is cut off at word ${i}`)
    const zeros = packed[i]!
    const lits = packed[i + 1]!
    i += 2
    if (zeros < 0 || lits < 0 || o + zeros + lits > length || i + lits > packed.length) {
      throw bad(where, `run at word ${i - 2} (${zeros} zero, ${lits} literal words) overruns ${length} words`)
    }
    o += zeros + lits
    i += lits
  }
  if (o !== length) throw bad(where, `runs cover ${o} words, expected ${length}`)
}

/**
 * XOR the words `packed` encodes into `target` without decoding them: only the literal words are
 * touched (an aos delta is ~94 % zero words). Word w of the encoded sequence lands at
 * `slot(w >> shift) + (w & (2^shift - 1))`: the encoded words are pages of 2^shift words laid end
 * to end, each placed where `slot` says. `packed` must have passed checkZeroRuns.
 */
export function xorZeroRunsInto(packed: Int32Array, target: Int32Array, shift: number, slot: (k: number) => number): void {
  const size = 1 << shift
  const mask = size - 1
  let i = 0
  let o = 0
  while (i < packed.length) {
    o += packed[i]!
    let lits = packed[i + 1]!
    i += 2
    while (lits > 0) {
      const off = o & mask
      const take = Math.min(lits, size - off)
      let t = slot(o >> shift) + off
      for (const stop = i + take; i < stop; i++, t++) target[t] = target[t]! ^ packed[i]!
      o += take
      lits -= take
    }
  }
}

const bad = (where: string, why: string) => new StoreError('store/corrupt', `${where}: zero-run packed deltas don't decode: ${why}`)
