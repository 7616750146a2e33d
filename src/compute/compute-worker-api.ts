/**
 * What the compute worker (workers/compute.worker.ts) exposes through comlink: one process per
 * worker. Replies are closed unions carrying `NodeErrorInfo`, never thrown errors (comlink would
 * flatten an error class and lose its code). Events reach the page in batches through a callback
 * proxy, so the main thread gets one message per ~100 ms, not one per log entry.
 */
import type { DryRunRequest, Divergence, Endpoints, LoggedMessage, MessagePage, MessageResult, NodeErrorInfo, ProcessEvent, SnapshotPolicy } from '../node/contract'
import { ComputeService, type ComputeStats } from './compute-service'
import { toNodeErrorInfo } from './compute-errors'
import { clearProcessCache } from './cache-clear'
import type { SpawnRuntimeWorker } from './runtime-host'
import type { CronGeneratorFactory, CrossChecker } from './pipeline-types'
import { openAolightStore } from '../store/index'

export type Reply<T> = { ok: true; value: T } | { ok: false; error: NodeErrorInfo }

export interface ComputeOpenConfig {
  processId: string
  endpoints: Endpoints
  snapshots: SnapshotPolicy
  storeName?: string
  pageSize?: number
  pollMs?: number
  idleSnapshotMs?: number
  runtimeTimeoutMs?: number
}

export interface ComputeWorkerApi {
  open(cfg: ComputeOpenConfig, onEvents: (events: ProcessEvent[]) => void): Promise<Reply<ProcessEvent[]>>
  messages(opts: { before?: number; limit?: number }): Promise<Reply<MessagePage>>
  message(id: string): Promise<Reply<LoggedMessage | null>>
  results(opts: { sort?: 'ASC' | 'DESC'; limit?: number; after?: string }): Promise<Reply<{ edges: { cursor: string; node: MessageResult }[]; hasNextPage: boolean }>>
  divergences(): Promise<Reply<Divergence[]>>
  dryRun(req: DryRunRequest): Promise<Reply<MessageResult>>
  stats(): Promise<Reply<ComputeStats>>
  clearCache(): Promise<Reply<void>>
  /** Drops a process's cache without opening it (no process needs to be open in this worker). */
  clearProcess(processId: string, storeName?: string): Promise<Reply<void>>
  close(): Promise<Reply<void>>
}

async function reply<T>(fn: () => Promise<T>): Promise<Reply<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (e) {
    return { ok: false, error: toNodeErrorInfo(e) }
  }
}

export interface ComputeWorkerDeps {
  spawnRuntimeWorker: SpawnRuntimeWorker
  cron?: CronGeneratorFactory
  crossCheck?: (endpoints: Endpoints) => CrossChecker | undefined
}

export function createComputeWorkerApi(deps: ComputeWorkerDeps): ComputeWorkerApi {
  let service: ComputeService | undefined
  const need = (): ComputeService => {
    if (!service) throw Object.assign(new Error('compute worker: no process is open (call open first)'), { name: 'NotOpen' })
    return service
  }
  return {
    open: (cfg, onEvents) => reply(async () => {
      if (service) throw new Error(`compute worker: process ${service.processId} is already open in this worker`)
      const checker = deps.crossCheck?.(cfg.endpoints)
      service = new ComputeService({
        ...cfg,
        spawnRuntimeWorker: deps.spawnRuntimeWorker,
        ...(deps.cron && { cron: deps.cron }),
        ...(checker && { crossCheck: checker }),
      }, (events) => { onEvents(events) })
      const replay = service.replay()
      service.start()
      return replay
    }),
    messages: (opts) => reply(() => need().messages(opts)),
    message: (id) => reply(() => need().message(id)),
    results: (opts) => reply(() => need().results(opts)),
    divergences: () => reply(() => need().divergences()),
    dryRun: (req) => reply(() => need().dryRun(req)),
    stats: () => reply(async () => ({ ...need().stats })),
    clearCache: () => reply(async () => {
      await need().clearCache()
      service = undefined
    }),
    clearProcess: (processId, storeName) => reply(async () => {
      const store = await openAolightStore({ ...(storeName && { name: storeName }) })
      try {
        await clearProcessCache(store, processId)
      } finally {
        store.close()
      }
    }),
    close: () => reply(async () => {
      await service?.close()
      service = undefined
    }),
  }
}
