/**
 * Builds the import object from the module's own import list: every import is looked up by
 * name in our registry; a module that needs something we lack fails at load with
 * 'runtime/missing-import' naming it (module.name).
 */
import { RuntimeError } from './types'
import type { ImportContext } from './import-context'
import { timeImports } from './time-imports'
import { fsImports } from './fs-imports'
import { runtimeImports, invokeImport } from './runtime-imports'
import { weavedriveImports } from './weavedrive-imports'

type Fn = (...args: never[]) => unknown

export function buildImports(module: WebAssembly.Module, ctx: ImportContext): WebAssembly.Imports {
  const registry: Record<string, Fn> = {
    ...timeImports(ctx),
    ...fsImports(ctx),
    ...runtimeImports(ctx),
    ...weavedriveImports(ctx),
  }
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {}
  const missing: string[] = []
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== 'function') {
      missing.push(`${imp.module}.${imp.name} (${imp.kind})`)
      continue
    }
    let f: Fn | undefined
    if (imp.module === 'env' || imp.module === 'wasi_snapshot_preview1') {
      f = imp.name.startsWith('invoke_') ? invokeImport(ctx, imp.name) : registry[imp.name]
    }
    if (!f) {
      missing.push(`${imp.module}.${imp.name}`)
      continue
    }
    ;(imports[imp.module] ??= {})[imp.name] = f as WebAssembly.ImportValue
  }
  if (missing.length) {
    throw new RuntimeError('runtime/missing-import', `module needs imports this runtime does not provide: ${missing.join(', ')}`)
  }
  return imports
}
