/**
 * What the runtime Worker exposes (through comlink) to its supervisor, src/compute/runtime-host.ts.
 * Replies are closed unions, never thrown errors: comlink would turn a RuntimeError into a plain
 * object and lose its `code`. Snapshots are transferred, not copied.
 */
import { transfer } from 'comlink'
import { loadAoModule } from '../wasm/index'
import { gatewayDataProviderFor } from './gateway-data-provider'
import { RuntimeError, type AoEnv, type AoInstance, type AoMessage, type AoResult, type RuntimeErrorCode, type RuntimeOptions } from '../wasm/types'

export interface WorkerFailure {
  ok: false
  code: RuntimeErrorCode
  message: string
}

export type LoadReply = { ok: true; memoryByteLength: number; loadMs: number } | WorkerFailure
export type HandleReply = { ok: true; result: AoResult; memoryByteLength: number } | WorkerFailure
export type SnapshotReply = { ok: true; memory: Uint8Array } | WorkerFailure

export interface RuntimeWorkerApi {
  /** `weaveDriveGateway`: where WeaveDrive `/data/<txid>` reads fetch from (none: reads find no file). */
  load(bytes: Uint8Array, options: RuntimeOptions, weaveDriveGateway?: string): Promise<LoadReply>
  handle(msg: AoMessage, env: AoEnv): Promise<HandleReply>
  /** A copy of the whole linear memory, transferred to the caller. */
  snapshot(): Promise<SnapshotReply>
}

function failure(e: unknown, fallback: RuntimeErrorCode): WorkerFailure {
  if (e instanceof RuntimeError) return { ok: false, code: e.code, message: e.message }
  return { ok: false, code: fallback, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }
}

/** How the worker gets an instance: our runtime, or (in tests) anything honouring the contract. */
export type LoadInstance = (bytes: Uint8Array, options: RuntimeOptions) => Promise<AoInstance>

export function createRuntimeWorkerApi(load: LoadInstance = loadAoModule): RuntimeWorkerApi {
  let instance: AoInstance | undefined
  const notLoaded = (): WorkerFailure => ({ ok: false, code: 'runtime/terminated', message: 'runtime worker: no module loaded (call load first)' })
  return {
    async load(bytes, options, weaveDriveGateway) {
      const t0 = performance.now()
      try {
        const withData = weaveDriveGateway ? { ...options, dataProvider: gatewayDataProviderFor(weaveDriveGateway) } : options
        const loaded = await load(bytes, withData)
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
        return failure(e, 'runtime/trap')
      }
    },
    async snapshot() {
      if (!instance) return notLoaded()
      const memory = instance.snapshot()
      return transfer({ ok: true as const, memory }, [memory.buffer])
    },
  }
}
