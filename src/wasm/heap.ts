/**
 * Typed views over the module's exported linear memory. Growth detaches the old views, so every
 * grow goes through `grow()`, and the views are re-checked lazily as a safety net.
 * Pointers arrive as BigInt on wasm64 and as (possibly negative) i32 on wasm32; `ptr()` makes
 * both a plain non-negative Number.
 */
export class Heap {
  u8!: Uint8Array
  i8!: Int8Array
  i16!: Int16Array
  i32!: Int32Array
  u32!: Uint32Array
  i64!: BigInt64Array
  u64!: BigUint64Array
  private buffer!: ArrayBuffer
  memory!: WebAssembly.Memory

  /** Created before instantiation (imports close over it), attached to the exported memory after. */
  constructor(readonly memory64: boolean) {}

  attach(memory: WebAssembly.Memory): void {
    this.memory = memory
    this.refresh()
  }

  refresh(): void {
    const b = this.memory.buffer
    this.buffer = b
    this.u8 = new Uint8Array(b)
    this.i8 = new Int8Array(b)
    this.i16 = new Int16Array(b)
    this.i32 = new Int32Array(b)
    this.u32 = new Uint32Array(b)
    this.i64 = new BigInt64Array(b)
    this.u64 = new BigUint64Array(b)
  }

  /** Re-create the views if something grew the memory behind our back. */
  check(): void {
    if (this.memory.buffer !== this.buffer) this.refresh()
  }

  get byteLength(): number {
    return this.memory.buffer.byteLength
  }

  /** Grow by whole pages; returns false when the engine refuses (declared maximum, OOM). */
  grow(pages: number): boolean {
    try {
      // memory64 memories take a BigInt delta in the final JS API; Node 20's draft takes a Number.
      if (this.memory64) {
        try {
          this.memory.grow(BigInt(pages) as unknown as number)
        } catch (e) {
          if (e instanceof TypeError) this.memory.grow(pages)
          else throw e
        }
      } else {
        this.memory.grow(pages)
      }
    } catch {
      return false
    } finally {
      this.refresh()
    }
    return true
  }

  ptr(p: number | bigint): number {
    return typeof p === 'bigint' ? Number(p) : p >>> 0
  }

  /** A pointer value as the module expects it (BigInt on wasm64). */
  toWasm(p: number): number | bigint {
    return this.memory64 ? BigInt(p) : p
  }

  readPtr(addr: number): number {
    return this.memory64 ? Number(this.u64[addr / 8]) : (this.u32[addr >>> 2] as number)
  }

  writePtr(addr: number, v: number): void {
    if (this.memory64) this.u64[addr / 8] = BigInt(v)
    else this.u32[addr >>> 2] = v
  }

  get ptrSize(): number {
    return this.memory64 ? 8 : 4
  }
}
