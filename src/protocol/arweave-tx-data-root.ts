/**
 * The `data_root` an Arweave L1 transaction (format 2) signs instead of its data: the root of a
 * Merkle tree over the data's chunks. Facts from arweave-js `src/common/lib/merkle.ts`:
 * chunks of 256 KiB, except that when the remainder after a full chunk would be under 32 KiB the
 * last two chunks split the rest evenly (first gets the ceiling half); a leaf id is
 * H(H(chunkHash) ‖ H(note(end))), a branch id H(H(left) ‖ H(right) ‖ H(note(left end))), an odd
 * node is carried up unchanged; notes are 32-byte big-endian offsets; H = SHA-256. Empty data has
 * no root (data_root "").
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from './bytes'

const MAX_CHUNK = 256 * 1024
const MIN_CHUNK = 32 * 1024
const NOTE_SIZE = 32

interface MerkleNode {
  id: Uint8Array
  /** Offset just past the last byte this node covers. */
  end: number
}

export function arweaveDataRoot(data: Uint8Array): Uint8Array {
  if (data.length === 0) return new Uint8Array(0)
  let layer: MerkleNode[] = chunkBounds(data.length).map(([start, end]) => ({ id: sha256(concatBytes([sha256(sha256(data.subarray(start, end))), sha256(note(end))])), end }))
  while (layer.length > 1) {
    const next: MerkleNode[] = []
    for (let i = 0; i < layer.length; i += 2) {
      const left = layer[i]!
      const right = layer[i + 1]
      next.push(right ? { id: sha256(concatBytes([sha256(left.id), sha256(right.id), sha256(note(left.end))])), end: right.end } : left)
    }
    layer = next
  }
  return layer[0]!.id
}

/** [start, end) of each chunk of `size` bytes. */
export function chunkBounds(size: number): [number, number][] {
  const out: [number, number][] = []
  let cursor = 0
  let rest = size
  while (rest >= MAX_CHUNK) {
    let chunk = MAX_CHUNK
    const after = rest - MAX_CHUNK
    if (after > 0 && after < MIN_CHUNK) chunk = Math.ceil(rest / 2)
    out.push([cursor, cursor + chunk])
    cursor += chunk
    rest -= chunk
  }
  out.push([cursor, cursor + rest])
  return out
}

function note(n: number): Uint8Array {
  const out = new Uint8Array(NOTE_SIZE)
  for (let i = NOTE_SIZE - 1; i >= 0 && n > 0; i--) {
    out[i] = n % 256
    n = Math.floor(n / 256)
  }
  return out
}
