/**
 * Asyncify, the way the reference glue drives it, so that linear memory matches byte for byte:
 * on an async import the glue first starts the JS work, then mallocs a data buffer of
 * header + StackSize (header: start and end of the unwind stack, then the rewind id = 0 for the
 * bottom export `handle`), unwinds, waits, rewinds by calling `handle` again with the same
 * arguments, and on the import's second entry stops the rewind and frees the buffer.
 */
import type { Heap } from './heap'
import type { FormatProfile } from './format-profile'

interface AsyncifyExports {
  asyncify_start_unwind(p: number | bigint): void
  asyncify_stop_unwind(): void
  asyncify_start_rewind(p: number | bigint): void
  asyncify_stop_rewind(): void
  malloc(n: number | bigint): number | bigint
  free(p: number | bigint): void
}

type State = 'normal' | 'unwinding' | 'rewinding'

export class Asyncify {
  private state: State = 'normal'
  private dataPtr = 0
  private pending: Promise<number | null | undefined> | undefined
  private value = 0

  constructor(
    private readonly heap: Heap,
    private readonly profile: FormatProfile,
    private readonly ex: AsyncifyExports,
  ) {}

  /** Body of an async import: returns the value on the rewinding pass. */
  handleAsync(start: () => Promise<number | null | undefined>): number {
    if (this.state === 'rewinding') {
      this.state = 'normal'
      this.ex.asyncify_stop_rewind()
      this.ex.free(this.heap.toWasm(this.dataPtr))
      this.dataPtr = 0
      return this.value
    }
    if (this.state !== 'normal') throw new Error(`Asyncify: async import entered in state ${this.state}`)
    const p = start()
    const w = this.heap.ptrSize
    const headerSize = w === 8 ? 24 : 12
    const ptr = this.heap.ptr(this.ex.malloc(this.heap.toWasm(headerSize + this.profile.asyncifyStackSize)))
    this.heap.check()
    this.heap.writePtr(ptr, ptr + headerSize)
    this.heap.writePtr(ptr + w, ptr + headerSize + this.profile.asyncifyStackSize)
    this.heap.i32[(ptr + 2 * w) >>> 2] = 0 // rewind id of the first export that went async: handle
    this.dataPtr = ptr
    this.pending = p
    this.state = 'unwinding'
    this.ex.asyncify_start_unwind(this.heap.toWasm(ptr))
    return 0
  }

  /**
   * Call an export that may unwind; re-enter it until it returns for real. Synchronous (no
   * promise, no microtask) when the call never unwinds, which is every call that does no I/O.
   */
  run<R>(call: () => R, rewindCall: () => R = call): R | Promise<R> {
    const r = call()
    return this.unwinding ? this.resume(rewindCall) : r
  }

  /** a method, not an inline comparison: the export calls in between change the state */
  private get unwinding(): boolean {
    return this.state === 'unwinding'
  }

  private async resume<R>(rewindCall: () => R): Promise<R> {
    let r: R
    do {
      this.state = 'normal'
      this.ex.asyncify_stop_unwind()
      const pending = this.pending
      this.pending = undefined
      const v = await pending
      this.value = v == null ? 0 : v
      this.state = 'rewinding'
      this.ex.asyncify_start_rewind(this.heap.toWasm(this.dataPtr))
      r = rewindCall()
    } while (this.unwinding)
    return r
  }

  /** After a trap mid-unwind the instance is unusable; this makes that explicit. */
  get busy(): boolean {
    return this.state !== 'normal'
  }
}
