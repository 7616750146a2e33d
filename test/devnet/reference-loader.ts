/**
 * Module instances through the reference `@permaweb/ao-loader` (what the legacynet CU runs).
 * Like the reference CU (effects/wasm.js bootstrapWasmInstanceWith), each module is compiled
 * once and every instance is made by `AoLoader((info, receive) => WebAssembly.instantiate(
 * compiled, info).then(receive), options)`, so a fresh instance (after an Error, for a dry-run)
 * costs an instantiation, not a compilation.
 * The loader's glue swaps global `Date.now` / `Math.random` / `console.log`; the Wasm keeps its
 * instance's deterministic clock during `handle`, and the host gets its real ones back after
 * every call (SU timestamps must come from the real clock).
 */
import { restoreDateNow } from './clock'
import type { AoEnv, AoMessage } from './reference-mapping'

export interface HandleResult {
  Memory?: Uint8Array | null
  Output?: unknown
  Messages?: OutboxMessage[]
  Spawns?: OutboxMessage[]
  Assignments?: { Processes: string[]; Message: string }[]
  Error?: unknown
  GasUsed?: number
  Patches?: unknown[]
}

export interface OutboxMessage {
  Target?: string
  Anchor?: string
  Data?: string
  Tags?: { name: string; value: string }[]
  [k: string]: unknown
}

type LoaderHandle = (memory: Uint8Array | null, msg: unknown, env: unknown) => Promise<HandleResult>
type ReceiveInstance = (instance: WebAssembly.Instance) => unknown
type InstantiateWasm = (imports: WebAssembly.Imports, receive: ReceiveInstance) => unknown
type AoLoaderFn = (wasm: InstantiateWasm, options: Record<string, unknown>) => Promise<LoaderHandle>

let referenceLoader: AoLoaderFn | undefined
/** Captured before any glue runs: the glue mutes console.log and may leave it muted. */
const hostLog = console.log
const hostRandom = Math.random

async function loadReferenceLoader(): Promise<AoLoaderFn> {
  if (!referenceLoader) {
    const mod = (await import('@permaweb/ao-loader')) as unknown as { default: AoLoaderFn }
    referenceLoader = mod.default
  }
  return referenceLoader
}

export interface ModuleInstance {
  /**
   * Evaluates one message; the caller decides whether to keep `Memory`. `memory` null leaves the
   * instance's heap as it is (ao-loader only copies a non-null buffer in). `Memory` is a copy, or
   * with `liveMemory` a view of the instance's own heap, valid until its next call.
   */
  handle(memory: Uint8Array | null, msg: AoMessage, env: AoEnv): Promise<HandleResult>
}

/** Compiled modules by their bytes (the reference CU's wasmModuleCache, keyed by module id). */
const compiled = new WeakMap<Uint8Array, Promise<WebAssembly.Module>>()

function compile(wasm: Uint8Array): Promise<WebAssembly.Module> {
  let m = compiled.get(wasm)
  if (!m) {
    m = WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>)
    compiled.set(wasm, m)
  }
  return m
}

/**
 * A new instance of `wasm` with its own glue state (clock counter, globals, JS-side FS).
 * `liveMemory`: ao-loader's `UNSAFE_MEMORY` (the result's Memory is the live heap instead of a
 * 110 MB `slice()`); the Wasm computes exactly the same, only the copy-out differs.
 */
export async function instantiate(wasm: Uint8Array, options: Record<string, unknown>, opts: { liveMemory?: boolean } = {}): Promise<ModuleInstance> {
  const AoLoader = await loadReferenceLoader()
  const module = await compile(wasm)
  let handle: LoaderHandle
  let loaderNow: () => number
  try {
    const loaderOptions = opts.liveMemory ? { ...options, UNSAFE_MEMORY: true } : { ...options }
    handle = await AoLoader((imports, receive) => WebAssembly.instantiate(module, imports).then(receive), loaderOptions)
  } finally {
    loaderNow = Date.now
    restoreHost()
  }
  return {
    async handle(memory, msg, env) {
      Date.now = loaderNow
      try {
        const res = await handle(memory, msg, env)
        // UNSAFE_MEMORY hands back the heap's ArrayBuffer itself.
        if (res.Memory && !ArrayBuffer.isView(res.Memory)) res.Memory = new Uint8Array(res.Memory as ArrayBuffer)
        return res
      } finally {
        restoreHost()
      }
    },
  }
}

/** ao-loader leaves console.log muted and Math.random fixed when the Wasm reports !ok. */
function restoreHost(): void {
  restoreDateNow()
  console.log = hostLog
  Math.random = hostRandom
}

export function parseMemoryLimit(v: string | undefined): number | undefined {
  if (!v) return undefined
  const m = /^(\d+)-?(b|kb|mb|gb|tb)?$/i.exec(v.trim())
  if (!m) return undefined
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 }[(m[2] ?? 'b').toLowerCase() as 'b']
  return Number(m[1]) * unit
}
