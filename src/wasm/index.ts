/**
 * The ao module runtime: load a module from its bytes (or a compiled WebAssembly.Module) and
 * its options, get a hot instance that evaluates messages like the reference compute unit.
 */
import { RuntimeError, type AoInstance, type RuntimeOptions } from './types'
import { formatProfile } from './format-profile'
import { HotInstance, type AoRuntimeInstance } from './ao-instance'
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
