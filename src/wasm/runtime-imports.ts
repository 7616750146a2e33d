/**
 * The Emscripten runtime imports: heap growth, abort/exit, memcpy, system(), longjmp and the
 * invoke_* trampolines (call through __indirect_function_table; on longjmp restore the stack
 * pointer and setThrew(1, 0), exactly as the glue does).
 */
import { type ImportContext, LONGJMP, ModuleExit } from './import-context'
import { growHeap } from './heap-growth'
import { readCString } from './utf8'

type Fn = (...args: never[]) => unknown

export function runtimeImports(ctx: ImportContext): Record<string, Fn> {
  const { heap } = ctx
  return {
    emscripten_resize_heap: ((req: number | bigint) => {
      const r = growHeap(heap, heap.ptr(req), ctx.profile.heapMax, ctx.memoryLimit)
      if (!r.ok) ctx.lastGrowFailure = r.reason
      return r.ok ? 1 : 0
    }) as Fn,
    emscripten_get_heap_max: (() => (ctx.profile.memory64 ? BigInt(ctx.profile.heapMax) : ctx.profile.heapMax)) as Fn,
    _emscripten_memcpy_js: ((d: number | bigint, s: number | bigint, n: number | bigint) => {
      const src = heap.ptr(s)
      heap.u8.copyWithin(heap.ptr(d), src, src + heap.ptr(n))
    }) as Fn,
    // os.execute: NULL asks whether a shell exists (per glue); "" is 0; a real command is never
    // run here (the emscripten4 glue in Node would spawn it on the CU's host): -52 (ENOSYS), as
    // the glue answers outside Node. See README "Known gaps".
    _emscripten_system: ((cmd: number | bigint) => {
      const p = heap.ptr(cmd)
      if (!p) return ctx.profile.shellProbe
      return ctx.profile.shellProbe && heap.u8[p] === 0 ? 0 : -52
    }) as Fn,
    _emscripten_throw_longjmp: (() => {
      throw LONGJMP
    }) as Fn,
    _abort_js: (() => {
      throw new ModuleExit('native code called abort()')
    }) as Fn,
    exit: ((status: number) => {
      throw new ModuleExit(`Program terminated with exit(${status})`)
    }) as Fn,
    proc_exit: ((status: number) => {
      throw new ModuleExit(`Program terminated with exit(${status})`)
    }) as Fn,
    __assert_fail: ((c: number | bigint, f: number | bigint, line: number, fn: number | bigint) => {
      const s = (p: number | bigint): string => readCString(heap.u8, heap.ptr(p))
      throw new ModuleExit(`Assertion failed: ${s(c)}, at: ${s(f) || 'unknown filename'},${line},${s(fn) || 'unknown function'}`)
    }) as Fn,
    __cxa_throw: (() => {
      throw new ModuleExit('Exception thrown, but exception catching is not enabled')
    }) as Fn,
    emscripten_err: (() => undefined) as Fn,
    metering_gasUsed: (() => 0) as Fn,
  }
}

/**
 * invoke_<sig>(index, ...args), resolved per name since the signature is in the name. Like the
 * glue it calls the module's `dynCall_<sig>` export (index as a Number) rather than the table
 * entry directly: when Asyncify unwinds through it, dynCall's own frame is saved in the Asyncify
 * buffer, so skipping it leaves different bytes in linear memory (seen on wasm32 aos, whose
 * spawn unwinds through invoke_vii for each WeaveDrive probe). Any thrown number is a longjmp.
 */
export function invokeImport(ctx: ImportContext, name: string): Fn {
  const sig = name.slice('invoke_'.length)
  const ret = sig.slice(0, 1)
  const longjmpResult = ret === 'v' ? undefined : ret === 'j' ? 0n : 0
  let target: ((index: number, ...a: unknown[]) => unknown) | undefined
  const resolve = (): ((index: number, ...a: unknown[]) => unknown) => {
    const ex = ctx.exports
    const dyn = ex.dynCalls[`dynCall_${sig}`]
    target = dyn ?? ((index: number, ...a: unknown[]) => (ex.table.get(index) as (...b: unknown[]) => unknown)(...a))
    return target
  }
  return ((index: number | bigint, ...args: unknown[]) => {
    const ex = ctx.exports
    const sp = ex.stackSave()
    try {
      return (target ?? resolve())(Number(index), ...args)
    } catch (e) {
      ex.stackRestore(sp)
      if (typeof e !== 'number') throw e
      ex.setThrew(ctx.profile.memory64 ? 1n : 1, 0)
      return longjmpResult
    }
  }) as Fn
}
