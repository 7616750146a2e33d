/**
 * RuntimeOptions from the module's and the process's tags, as the reference CU reads them
 * (ao servers/cu domain/lib/loadModule.js): the process tag overrides the module tag.
 */
import type { AoTag, ModuleFormat, RuntimeOptions } from './types'
import { formatProfile } from './format-profile'

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4, pb: 1024 ** 5 }

/**
 * `bytes.parse(v.replace('-', ''))` semantics: "1-gb" = 1 GiB, "512mb", "1.5 kb"; a plain number
 * is bytes. Returns undefined for anything unparsable (the CU would reject the process).
 */
export function parseByteSize(value: string): number | undefined {
  const v = value.replace('-', '').trim()
  if (/^-?\d+(\.\d+)?$/.test(v)) return Math.floor(Number(v))
  const m = /^((-|\+)?(\d+(?:\.\d+)?)) *(kb|mb|gb|tb|pb|b)$/i.exec(v)
  if (!m || m[1] === undefined || m[4] === undefined) return undefined
  const unit = UNITS[m[4].toLowerCase()]
  if (unit === undefined) return undefined
  return Math.floor(unit * Number(m[1]))
}

function last(tags: AoTag[], name: string): string | undefined {
  let v: string | undefined
  for (const t of tags) if (t.name === name) v = t.value
  return v
}

function all(tags: AoTag[], name: string): string[] {
  return tags.filter((t) => t.name === name).map((t) => t.value)
}

/** Throws RuntimeError 'runtime/unsupported-format' when Module-Format is missing or unknown. */
export function moduleOptionsFromTags(moduleTags: AoTag[], processTags: AoTag[] = []): RuntimeOptions {
  const format = last(moduleTags, 'Module-Format') ?? '(missing Module-Format tag)'
  const profile = formatProfile(format)
  const opts: RuntimeOptions = { format: format as ModuleFormat }
  const mem = last(processTags, 'Memory-Limit') ?? last(moduleTags, 'Memory-Limit')
  if (mem !== undefined) {
    const n = parseByteSize(mem)
    if (n !== undefined) opts.memoryLimit = n
  }
  const compute = last(processTags, 'Compute-Limit') ?? last(moduleTags, 'Compute-Limit')
  if (compute !== undefined) {
    const n = parseInt(compute, 10)
    if (Number.isFinite(n)) opts.computeLimit = n
  }
  const ext = new Set([...all(moduleTags, 'Extension'), ...all(processTags, 'Extension')])
  // The CU always adds WeaveDrive for wasm64 modules.
  if (profile.memory64) ext.add('WeaveDrive')
  if (ext.size > 0) opts.extensions = [...ext]
  return opts
}
