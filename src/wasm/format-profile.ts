/**
 * Per-format facts of the reference glue (@permaweb/ao-loader 0.0.49, read for facts only):
 * pointer width, the heap maximum used by `emscripten_resize_heap`, whether `handle` runs under
 * Asyncify (and the Asyncify data buffer it mallocs per async call), and whether `/data` exists.
 */
import { RuntimeError, type ModuleFormat } from './types'

export interface FormatProfile {
  readonly format: ModuleFormat
  /** wasm64 passes pointers and sizes as BigInt. */
  readonly memory64: boolean
  /** getHeapMax() of the glue: the resize policy clamps to it. */
  readonly heapMax: number
  /** handle is called through Asyncify (async imports such as WeaveDrive). */
  readonly asyncify: boolean
  /** Asyncify.StackSize: the glue mallocs header + this many bytes for each async import call. */
  readonly asyncifyStackSize: number
  /**
   * On rewind the wasm64 glue re-calls `handle` with the saved arguments; the emscripten4 glue
   * calls it with none (the params arrive as 0). It shows in memory, so it is reproduced.
   */
  readonly rewindWithArgs: boolean
  /** FS_createPath('/', 'data') after instantiation (the WeaveDrive mount). */
  readonly dataDir: boolean
  /**
   * system(NULL) ("is there a shell?"): the emscripten4 glue, run by a CU in Node, answers 1
   * (and would run a real command on the CU's host; we never do, see runtime-imports.ts); the
   * other glues have the Node path compiled out and answer 0.
   */
  readonly shellProbe: 0 | 1
  /** names of the stack helpers differ between emscripten versions */
  readonly stackExports: { save: string[]; restore: string[]; alloc: string[] }
}

const NEW_STACK = {
  save: ['emscripten_stack_get_current', 'stackSave'],
  restore: ['_emscripten_stack_restore', 'stackRestore'],
  alloc: ['_emscripten_stack_alloc', 'stackAlloc'],
}
const OLD_STACK = {
  save: ['stackSave', 'emscripten_stack_get_current'],
  restore: ['stackRestore', '_emscripten_stack_restore'],
  alloc: ['stackAlloc', '_emscripten_stack_alloc'],
}

const PROFILES: Record<ModuleFormat, FormatProfile> = {
  'wasm32-unknown-emscripten2': {
    format: 'wasm32-unknown-emscripten2', memory64: false, heapMax: 524288000,
    asyncify: false, asyncifyStackSize: 0, rewindWithArgs: false, dataDir: false, shellProbe: 0, stackExports: OLD_STACK,
  },
  'wasm32-unknown-emscripten3': {
    format: 'wasm32-unknown-emscripten3', memory64: false, heapMax: 4294901760,
    asyncify: false, asyncifyStackSize: 0, rewindWithArgs: false, dataDir: false, shellProbe: 0, stackExports: OLD_STACK,
  },
  'wasm32-unknown-emscripten4': {
    format: 'wasm32-unknown-emscripten4', memory64: false, heapMax: 4294901760,
    asyncify: true, asyncifyStackSize: 41943040, rewindWithArgs: false, dataDir: true, shellProbe: 1, stackExports: NEW_STACK,
  },
  'wasm64-unknown-emscripten-draft_2024_02_15': {
    format: 'wasm64-unknown-emscripten-draft_2024_02_15', memory64: true, heapMax: 17179869184,
    asyncify: true, asyncifyStackSize: 41943040, rewindWithArgs: true, dataDir: true, shellProbe: 0, stackExports: NEW_STACK,
  },
}

export function formatProfile(format: string): FormatProfile {
  const p = (PROFILES as Record<string, FormatProfile | undefined>)[format]
  if (!p) throw new RuntimeError('runtime/unsupported-format', `unsupported module format ${format}`)
  return p
}
