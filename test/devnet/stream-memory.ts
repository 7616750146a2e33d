/**
 * The memory a process's evaluation stream continues from, with the reference CU's semantics at
 * a fraction of its cost.
 *
 * The reference CU (servers/cu effects/worker/evaluate.js, moduleOptions from
 * domain/lib/loadModule.js: no `UNSAFE_MEMORY`) runs ao-loader in its default mode: every call
 * copies the previous `Memory` into the heap (`HEAPU8.set`) and returns a fresh `HEAPU8.slice()`
 * (~75 ms for aos's 110 MB). mergeOutput keeps the returned memory unless the result has an
 * `Error` or an out-of-memory Output, in which case the previous memory is passed to the next
 * call (on a fresh instance after an Error, on the same one after an out-of-memory Output).
 *
 * Here the instance runs with `UNSAFE_MEMORY` (its heap handed back live) and we mirror the heap
 * into a buffer of our own after each kept call (`set()` into a preallocated buffer, ~11 ms):
 * - while the instance's last call was kept, its heap *is* the memory the reference would copy
 *   in, so we pass null (ao-loader then skips the copy-in) and the Wasm sees identical bytes and
 *   identical glue state;
 * - otherwise (fresh instance after an Error, or an out-of-memory Output on the same instance)
 *   we pass the mirror, exactly the previous memory the reference passes: rollback is identical.
 */
export class StreamMemory {
  /** The memory after the last kept evaluation; null before the first. Owned here, reused. */
  private kept: Uint8Array | null = null
  /** True while the hot instance's heap holds exactly `kept`. */
  private inSync = false

  /** What to give `handle`: null when the instance's heap already holds the stream's memory. */
  input(): Uint8Array | null {
    return this.inSync ? null : this.kept
  }

  /** The call's memory is kept: mirror the instance's live heap. */
  keep(live: Uint8Array): void {
    if (!this.kept || this.kept.byteLength !== live.byteLength) this.kept = new Uint8Array(live.byteLength)
    this.kept.set(live)
    this.inSync = true
  }

  /** The call's memory is dropped (Error, out-of-memory Output) or the instance was replaced. */
  diverged(): void {
    this.inSync = false
  }

  /** The stream's memory for a throwaway instance (dry-run); valid until the next evaluation. */
  get current(): Uint8Array | null {
    return this.kept
  }

  /** A copy that later evaluations will not change (for `/state`). */
  copy(): Uint8Array | null {
    return this.kept ? this.kept.slice() : null
  }
}
