/**
 * Per-owner memo for work that depends only on an owner key: its deep-hash blob hash (ans104.ts)
 * and its imported CryptoKey (signing.ts). A log repeats few owners (one SU key signs every
 * assignment; senders repeat), and the log checker hands the same key array for the same owner,
 * so a WeakMap by array instance hits without re-encoding 512 bytes into a string key.
 * Each entry keeps a copy of the bytes and is only used when the array still equals it: a caller
 * that mutates an owner array gets a recomputation, never a stale hash or key.
 */
import { equalBytes } from './bytes'

export class OwnerMemo<T> {
  private readonly byArray = new WeakMap<Uint8Array, { copy: Uint8Array; value: T }>()

  get(owner: Uint8Array, make: (owner: Uint8Array) => T): T {
    const hit = this.byArray.get(owner)
    if (hit && equalBytes(hit.copy, owner)) return hit.value
    const value = make(owner)
    this.byArray.set(owner, { copy: owner.slice(), value })
    return value
  }
}
