/**
 * What the runtime Worker exposes (through comlink) to its supervisor, src/compute/runtime-host.ts.
 * Replies are closed unions, never thrown errors: comlink would turn a RuntimeError into a plain
 * object and lose its `code`. Snapshots are transferred, not copied.
 */
import { transfer } from 'comlink'
import { loadAoModule, loadPreparedAoModule, prepareAoModule, type AoRuntimeInstance, type PreparedAoModule } from '../wasm/index'
import { isSparseMemory, toDense, toSparse, type SparseMemory } from '../wasm/sparse-memory'
import { gatewayDataProviderFor, WeaveDriveReadError } from './gateway-data-provider'
import { RuntimeError, type AoEnv, type AoInstance, type AoMessage, type AoResult, type RuntimeErrorCode, type RuntimeOptions } from '../wasm/types'

export interface WorkerFailure {
  ok: false
  code: RuntimeErrorCode
  message: string
  /** set when a WeaveDrive read failed for want of the gateway (an outage, not a missing file) */
  weaveDrive?: WeaveDriveFailure
}

/** A WeaveDriveReadError as plain data (comlink clones no Error subclasses). */
export interface WeaveDriveFailure {
  txId: string
  gateway: string
  causeCode: string
  message: string
}

/** The WeaveDriveReadError in `e` or its cause chain (the runtime may wrap it). */
function weaveDriveFailureOf(e: unknown): WeaveDriveFailure | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    if (c instanceof WeaveDriveReadError) return { txId: c.txId, gateway: c.gateway, causeCode: c.causeCode, message: c.message }
  }
  return undefined
}

export type LoadReply = { ok: true; memoryByteLength: number; loadMs: number } | WorkerFailure
export type HandleReply = { ok: true; result: AoResult; memoryByteLength: number } | WorkerFailure
export type SnapshotReply = { ok: true; memory: Uint8Array } | WorkerFailure
/** `ms`: the scan and copy inside the worker (the rest of a snapshot's round trip is transfer and queueing) */
export type SparseSnapshotReply = { ok: true; memory: SparseMemory; ms: number } | WorkerFailure
export type PrepareReply = { ok: true; compileMs: number } | WorkerFailure

export interface RuntimeWorkerApi {
  /**
   * Compile the module and start a fresh instance ahead of `load` (while the caller still reads
   * the snapshot to load; `options.memory` is ignored); a later `load(null, options)` loads the
   * snapshot into that instance (same options but `memory`).
   */
  prepare(bytes: Uint8Array, options: RuntimeOptions, weaveDriveGateway?: string): Promise<PrepareReply>
  /**
   * `bytes` null: the module given to `prepare`. `weaveDriveGateway`: where WeaveDrive
   * `/data/<txid>` reads fetch from (none: reads find no file).
   */
  load(bytes: Uint8Array | null, options: RuntimeOptions, weaveDriveGateway?: string): Promise<LoadReply>
  handle(msg: AoMessage, env: AoEnv): Promise<HandleReply>
  /** A copy of the whole linear memory, transferred to the caller. */
  snapshot(): Promise<SnapshotReply>
  /**
   * The memory's non-zero pages (sparse-memory.ts), transferred: the scan runs here, and ~2 MB
   * cross the worker boundary instead of aos's 110 MB.
   */
  sparseSnapshot(): Promise<SparseSnapshotReply>
}

const isRuntimeInstance = (i: AoInstance): i is AoInstance & AoRuntimeInstance => typeof (i as Partial<AoRuntimeInstance>).sparseSnapshot === 'function'

function failure(e: unknown, fallback: RuntimeErrorCode): WorkerFailure {
  if (e instanceof RuntimeError) return { ok: false, code: e.code, message: e.message }
  return { ok: false, code: fallback, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }
}

/** How the worker gets an instance: our runtime, or (in tests) anything honouring the contract. */
export type LoadInstance = (bytes: Uint8Array, options: RuntimeOptions) => Promise<AoInstance>

export function createRuntimeWorkerApi(load?: LoadInstance): RuntimeWorkerApi {
  let instance: AoInstance | undefined
  /** what `prepare` was given, compiled and instantiated when our runtime is used */
  let prepared: { bytes: Uint8Array; module: Promise<PreparedAoModule> | undefined } | undefined
  const withGateway = (options: RuntimeOptions, gw: string | undefined): RuntimeOptions => gw ? { ...options, dataProvider: gatewayDataProviderFor(gw) } : options
  const notLoaded = (): WorkerFailure => ({ ok: false, code: 'runtime/terminated', message: 'runtime worker: no module loaded (call load first)' })
  return {
    async prepare(bytes, options, weaveDriveGateway) {
      const t0 = performance.now()
      const fresh: RuntimeOptions = { ...withGateway(options, weaveDriveGateway) }
      delete fresh.memory
      const module = load ? undefined : prepareAoModule(bytes, fresh)
      prepared = { bytes, module }
      try {
        await module
        return { ok: true, compileMs: performance.now() - t0 }
      } catch (e) {
        return failure(e, 'runtime/bad-module')
      }
    },
    async load(bytes, options, weaveDriveGateway) {
      const t0 = performance.now()
      try {
        if (!bytes && !prepared) return { ok: false, code: 'runtime/bad-module', message: 'runtime worker: load(null) without a prepared module (call prepare first)' }
        let withData = withGateway(options, weaveDriveGateway)
        // another runtime behind the contract (tests: the reference loader) takes whole memories
        if (load && isSparseMemory(withData.memory)) withData = { ...withData, memory: toDense(withData.memory) }
        const loaded = bytes ? await (load ?? loadAoModule)(bytes, withData)
          : load ? await load(prepared!.bytes, withData) : await loadPreparedAoModule(await prepared!.module!, withData.memory)
        instance = loaded
        return { ok: true, memoryByteLength: loaded.memoryByteLength, loadMs: performance.now() - t0 }
      } catch (e) {
        return failure(e, 'runtime/bad-module')
      }
    },
    async handle(msg, env) {
      if (!instance) return notLoaded()
      try {
        const result = await instance.handle(msg, env)
        return { ok: true, result, memoryByteLength: instance.memoryByteLength }
      } catch (e) {
        const weaveDrive = weaveDriveFailureOf(e)
        return weaveDrive ? { ...failure(e, 'runtime/trap'), weaveDrive } : failure(e, 'runtime/trap')
      }
    },
    async snapshot() {
      if (!instance) return notLoaded()
      const memory = instance.snapshot()
      return transfer({ ok: true as const, memory }, [memory.buffer])
    },
    async sparseSnapshot() {
      if (!instance) return notLoaded()
      const t0 = performance.now()
      // our runtime scans its Wasm memory with SIMD; another runtime behind the contract (tests) in JS
      const memory = isRuntimeInstance(instance) ? instance.sparseSnapshot() : toSparse(instance.memoryView())
      return transfer({ ok: true as const, memory, ms: performance.now() - t0 }, [memory.data.buffer])
    },
  }
}
