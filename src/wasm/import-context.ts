/** What the Emscripten-compatible imports share: one per live instance. */
import type { Heap } from './heap'
import type { MemFs } from './memfs'
import type { DeterministicClock } from './deterministic-clock'
import type { FormatProfile } from './format-profile'
import type { Asyncify } from './asyncify'
import type { AoEnv, DataProvider } from './types'

/** Exports the imports call back into (resolved after instantiation). */
export interface CoreExports {
  malloc(size: number | bigint): number | bigint
  free(ptr: number | bigint): void
  setThrew(threw: number | bigint, value: number): void
  stackSave(): number | bigint
  stackRestore(sp: number | bigint): void
  stackAlloc(size: number | bigint): number | bigint
  table: WebAssembly.Table
  tempRetSet?: (v: number) => void
  /**
   * The module's `dynCall_<sig>` exports. invoke_<sig> goes through them, as the glue does: under
   * Asyncify the dynCall frame is unwound and saved like any other, so it shows in linear memory.
   */
  dynCalls: Record<string, ((...a: unknown[]) => unknown) | undefined>
}

export interface ImportContext {
  heap: Heap
  fs: MemFs
  clock: DeterministicClock
  profile: FormatProfile
  exports: CoreExports
  asyncify: Asyncify | undefined
  memoryLimit: number | undefined
  dataProvider: DataProvider | undefined
  extensions: string[]
  /** env of the message being handled, for WeaveDrive's admissibility rules */
  currentEnv: AoEnv | undefined
  /** the reason of the last refused growth, for error messages */
  lastGrowFailure: string | undefined
}

/** Emscripten signals longjmp with `throw Infinity`; invoke_* catches exactly that. */
export const LONGJMP = Infinity

/** Thrown by exit() / abort(): the message traps. */
export class ModuleExit extends Error {
  constructor(message: string) {
    super(message)
  }
}
