/**
 * The ao module runtime: load a module from its bytes (or a compiled WebAssembly.Module) and
 * its options, get a hot instance that evaluates messages like the reference compute unit.
 */
import { RuntimeError, type AoInstance, type RuntimeOptions } from './types'
import { formatProfile } from './format-profile'
import { HotInstance, type AoRuntimeInstance, type SpareInstance } from './ao-instance'
import type { SparseMemory } from './sparse-memory'
import type { JournalPolicy } from './rollback-journal'

export * from './types'
export { moduleOptionsFromTags, parseByteSize } from './module-options'
export { pageDigest, changedPages, nonZeroPages, PAGE_SIZE, type PageDigest } from './page-digest'
export { isErrorResult, type AoRuntimeInstance } from './ao-instance'
export type { JournalPolicy } from './rollback-journal'

export async function compileAoModule(source: Uint8Array | ArrayBuffer): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(source as BufferSource)
  } catch (e) {
    throw new RuntimeError('runtime/bad-module', `module bytes do not compile: ${String(e)}`, { cause: e })
  }
}

export async function loadAoModule(
  source: Uint8Array | ArrayBuffer | WebAssembly.Module,
  options: RuntimeOptions,
  journal?: JournalPolicy,
): Promise<AoInstance & AoRuntimeInstance> {
  const profile = formatProfile(options.format)
  const module = source instanceof WebAssembly.Module ? source : await compileAoModule(source)
  return HotInstance.start(module, profile, options, journal)
}

/** A compiled module and a fresh instance of it made ahead of loading a snapshot into it. */
export interface PreparedAoModule {
  module: WebAssembly.Module
  options: RuntimeOptions
  spare: Promise<SpareInstance>
}

/**
 * Compile and start a fresh instance now (`options` without memory), to load a snapshot into it
 * later with `loadPreparedAoModule`: the instantiation and its scan overlap reading the snapshot.
 */
export async function prepareAoModule(source: Uint8Array | ArrayBuffer | WebAssembly.Module, options: RuntimeOptions): Promise<PreparedAoModule> {
  const profile = formatProfile(options.format)
  const module = source instanceof WebAssembly.Module ? source : await compileAoModule(source)
  const spare = HotInstance.spare(module, profile, options)
  spare.catch(() => undefined) // reported by loadPreparedAoModule
  return { module, options, spare }
}

/** Start on the prepared instance (once; later calls start a new instance) from `memory`. */
export async function loadPreparedAoModule(p: PreparedAoModule, memory?: Uint8Array | SparseMemory, journal?: JournalPolicy): Promise<AoInstance & AoRuntimeInstance> {
  const spare = await p.spare
  const options: RuntimeOptions = { ...p.options }
  if (memory) options.memory = memory
  const used = consumed.has(spare)
  consumed.add(spare)
  return HotInstance.start(p.module, formatProfile(p.options.format), options, journal, used ? undefined : spare)
}

const consumed = new WeakSet<SpareInstance>()
