/**
 * One instantiated module with its JS-side state (heap views, FS, clock, Asyncify), started the
 * way the reference glue starts it, and the raw `handle(msgJSON, envJSON) -> char*` call.
 *
 * Start-up, as the glue does it (and which bytes it writes):
 * 1. instantiate; 2. emscripten_stack_init(); 3. the stack cookie: u32 0x02135467 and 0x89BACDFE at
 * emscripten_stack_get_end() (4 if 0), and u32 0x63736d65 at address 0; 4. FS init (JS only);
 * 5. __wasm_call_ctors(). `main` is never called. For emscripten4/wasm64, /data is created.
 */
import { RuntimeError, type AoEnv, type DataProvider } from './types'
import type { FormatProfile } from './format-profile'
import { Heap } from './heap'
import { MemFs, type StdioSinks } from './memfs'
import { CLOCK_START, DeterministicClock } from './deterministic-clock'
import { Asyncify } from './asyncify'
import { buildImports } from './import-registry'
import type { CoreExports, ImportContext } from './import-context'
import { readCString, utf8Length, writeCString } from './utf8'

export interface InstanceSetup {
  profile: FormatProfile
  memoryLimit?: number
  dataProvider?: DataProvider
  extensions?: string[]
  stdio?: StdioSinks
}

type WasmFn = (...a: unknown[]) => unknown

function pick(ex: WebAssembly.Exports, names: string[], what: string): WasmFn {
  for (const n of names) if (typeof ex[n] === 'function') return ex[n] as WasmFn
  throw new RuntimeError('runtime/bad-module', `module does not export ${what} (looked for ${names.join(' / ')})`)
}

export class ModuleInstance {
  readonly ctx: ImportContext
  private readonly handleFn: WasmFn
  private readonly stackSave: WasmFn
  private readonly stackRestore: WasmFn
  private readonly stackAlloc: WasmFn
  /** a trap or exit left the instance in an unknown state */
  broken = false

  private constructor(
    readonly module: WebAssembly.Module,
    readonly instance: WebAssembly.Instance,
    ctx: ImportContext,
  ) {
    this.ctx = ctx
    const ex = instance.exports
    this.handleFn = pick(ex, ['handle'], 'handle')
    this.stackSave = pick(ex, ctx.profile.stackExports.save, 'a stack-save function')
    this.stackRestore = pick(ex, ctx.profile.stackExports.restore, 'a stack-restore function')
    this.stackAlloc = pick(ex, ctx.profile.stackExports.alloc, 'a stack-alloc function')
  }

  get heap(): Heap {
    return this.ctx.heap
  }

  static async create(module: WebAssembly.Module, setup: InstanceSetup): Promise<ModuleInstance> {
    const { profile } = setup
    const clock = new DeterministicClock(CLOCK_START)
    // The context is filled in two steps: imports need it before the exports exist.
    const ctx = {
      heap: new Heap(profile.memory64), clock, profile, memoryLimit: setup.memoryLimit, dataProvider: setup.dataProvider,
      extensions: setup.extensions ?? [], currentEnv: undefined, lastGrowFailure: undefined, asyncify: undefined,
    } as unknown as ImportContext
    const imports = buildImports(module, ctx)
    let instance: WebAssembly.Instance
    try {
      instance = await WebAssembly.instantiate(module, imports)
    } catch (e) {
      throw new RuntimeError('runtime/bad-module', `instantiating the module failed: ${String(e)}`, { cause: e })
    }
    const ex = instance.exports
    const memory = ex.memory
    if (!(memory instanceof WebAssembly.Memory)) throw new RuntimeError('runtime/bad-module', 'module does not export its memory as "memory"')
    const table = ex.__indirect_function_table
    if (!(table instanceof WebAssembly.Table)) throw new RuntimeError('runtime/bad-module', 'module does not export __indirect_function_table')
    ctx.heap.attach(memory)
    const self = new ModuleInstance(module, instance, ctx)
    const fn = (n: string): WasmFn | undefined => (typeof ex[n] === 'function' ? (ex[n] as WasmFn) : undefined)
    const core: CoreExports = {
      malloc: pick(ex, ['malloc'], 'malloc') as CoreExports['malloc'],
      free: pick(ex, ['free'], 'free') as CoreExports['free'],
      setThrew: pick(ex, ['setThrew'], 'setThrew') as CoreExports['setThrew'],
      stackSave: self.stackSave as CoreExports['stackSave'],
      stackRestore: self.stackRestore as CoreExports['stackRestore'],
      stackAlloc: self.stackAlloc as CoreExports['stackAlloc'],
      table,
      dynCalls: {},
    }
    for (const n of Object.keys(ex)) if (n.startsWith('dynCall_')) core.dynCalls[n] = fn(n)
    const tempRet = fn('_emscripten_tempret_set') ?? fn('setTempRet0')
    if (tempRet) core.tempRetSet = tempRet as (v: number) => void
    ctx.exports = core
    if (profile.asyncify) {
      ctx.asyncify = new Asyncify(ctx.heap, profile, {
        asyncify_start_unwind: pick(ex, ['asyncify_start_unwind'], 'asyncify_start_unwind'),
        asyncify_stop_unwind: pick(ex, ['asyncify_stop_unwind'], 'asyncify_stop_unwind'),
        asyncify_start_rewind: pick(ex, ['asyncify_start_rewind'], 'asyncify_start_rewind'),
        asyncify_stop_rewind: pick(ex, ['asyncify_stop_rewind'], 'asyncify_stop_rewind'),
        malloc: core.malloc,
        free: core.free,
      })
    }
    try {
      fn('emscripten_stack_init')?.()
      const endFn = fn('emscripten_stack_get_end')
      if (endFn) {
        let end = ctx.heap.ptr(endFn() as number | bigint)
        if (end === 0) end += 4
        ctx.heap.u32[end >>> 2] = 0x02135467
        ctx.heap.u32[(end + 4) >>> 2] = 0x89bacdfe
        ctx.heap.u32[0] = 0x63736d65
      }
      ctx.fs = new MemFs(clock, setup.stdio, profile.dataDir)
      fn('__wasm_call_ctors')?.()
    } catch (e) {
      throw new RuntimeError('runtime/trap', `module start-up trapped: ${String(e)}`, { cause: e })
    }
    return self
  }

  /**
   * ccall('handle', 'string', ['string','string']): both JSON strings go on the Emscripten stack
   * (stackAlloc(utf8 length + 1), msg first), the result is read as a C string, the stack pointer
   * is restored. Synchronous unless the module unwinds for an async import (WeaveDrive).
   * Throws whatever the module throws (trap, exit, abort).
   */
  callHandle(msgJson: string, envJson: string, env: AoEnv | undefined): string | Promise<string> {
    this.ctx.currentEnv = env
    const sp = this.stackSave()
    const a = this.putOnStack(msgJson)
    const b = this.putOnStack(envJson)
    const asy = this.ctx.asyncify
    if (!asy) return this.finish(sp, this.handleFn(a, b))
    const call = (): unknown => this.handleFn(a, b)
    const rewind = this.ctx.profile.rewindWithArgs ? call : (): unknown => this.handleFn()
    const ret = asy.run(call, rewind)
    return ret instanceof Promise ? ret.then((r) => this.finish(sp, r)) : this.finish(sp, ret)
  }

  private putOnStack(s: string): number | bigint {
    const h = this.heap
    const size = utf8Length(s) + 1
    const p = this.stackAlloc(h.toWasm(size)) as number | bigint
    h.check()
    writeCString(h.u8, s, h.ptr(p), size)
    return p
  }

  private finish(sp: unknown, ret: unknown): string {
    this.stackRestore(sp)
    const h = this.heap
    h.check()
    const ptr = h.ptr(ret as number | bigint)
    if (ptr <= 0 || ptr >= h.u8.length) {
      throw new RuntimeError('runtime/bad-output', `handle returned pointer ${ptr}, outside linear memory of ${h.u8.length} bytes`)
    }
    return readCString(h.u8, ptr)
  }
}
