/**
 * The main-thread facade implementing the client contract for compute: one compute worker per
 * open process (workers/compute.worker.ts, through comlink), events relayed in the batches the
 * worker sends, typed errors rebuilt from `NodeErrorInfo`. The main thread never runs Wasm,
 * hashes a log or touches IndexedDB in bulk: it only forwards calls and dispatches events.
 * Sending, spawning and wallets belong to the relay and are reported unavailable for now.
 */
import { wrap, proxy, releaseProxy, type Remote } from 'comlink'
import {
  NodeError, checkAoId, type Capabilities, type DryRunRequest, type MessageResult, type NodeClient, type ProcessEvent,
  type ProcessHandle, type Settings, type WalletState,
} from './contract'
import { loadSettings, saveSettings, type KeyValueStorage } from './settings'
import { EventLatch } from './event-latch'
import type { ComputeOpenConfig, ComputeWorkerApi, Reply } from '../compute/compute-worker-api'
import type { ComputeStats } from '../compute/compute-service'
import { requestPersistence, storageUsage } from '../store/storage-quota'

export const RELAY_UNAVAILABLE = 'Sending and spawning need the relay (wallet signing and MU posting), which is not part of this build yet.'
export const WALLET_UNAVAILABLE = 'Wallets belong to the relay, which is not part of this build yet.'

export interface ComputeWorkerHandle {
  api: Remote<ComputeWorkerApi>
  terminate(): void
}

export type SpawnComputeWorker = () => ComputeWorkerHandle

export function spawnBrowserComputeWorker(): ComputeWorkerHandle {
  const worker = new Worker(new URL('../../workers/compute.worker.ts', import.meta.url), { type: 'module', name: 'ao-compute' })
  const api = wrap<ComputeWorkerApi>(worker)
  return { api, terminate: () => { api[releaseProxy](); worker.terminate() } }
}

export interface NodeClientOptions {
  storage?: KeyValueStorage
  spawnWorker?: SpawnComputeWorker
  /** IndexedDB name (tests) */
  storeName?: string
  /** passed through to each compute service */
  compute?: Partial<Pick<ComputeOpenConfig, 'pageSize' | 'pollMs' | 'idleSnapshotMs' | 'runtimeTimeoutMs'>>
  /** start a compute worker ahead of the first open (default true) */
  prewarm?: boolean
}

/** The API of an open process, plus figures for benchmarks and tests. */
export interface ComputeProcessHandle extends ProcessHandle {
  stats(): Promise<ComputeStats>
  results(opts?: { sort?: 'ASC' | 'DESC'; limit?: number; after?: string }): Promise<{ edges: { cursor: string; node: MessageResult }[]; hasNextPage: boolean }>
}

function unwrap<T>(r: Reply<T>): T {
  if (!r.ok) throw NodeError.fromInfo(r.error)
  return r.value
}

export function createNodeClient(opts: NodeClientOptions = {}): NodeClient & { openComputeProcess(id: string): Promise<ComputeProcessHandle>; readonly settingsProblem: string | null } {
  const storage: KeyValueStorage = opts.storage ?? globalThis.localStorage
  const spawn = opts.spawnWorker ?? spawnBrowserComputeWorker
  const loaded = loadSettings(storage)
  let settings: Settings = loaded.settings
  const settingsListeners = new Set<(s: Settings) => void>()
  const open = new Map<string, Promise<ComputeProcessHandle>>()
  let spare: ComputeWorkerHandle | undefined = opts.prewarm === false ? undefined : spawn()
  const takeWorker = (): ComputeWorkerHandle => {
    const w = spare ?? spawn()
    // The next one loads while this one works (and is at hand if the network goes away).
    spare = opts.prewarm === false ? undefined : spawn()
    return w
  }

  async function openProcess(text: string): Promise<ComputeProcessHandle> {
    const checked = checkAoId(text, 'process id')
    if (!checked.ok) throw new NodeError('input/bad-id', checked.reason, { field: 'processId' })
    const id = checked.id
    const existing = open.get(id)
    if (existing) return existing
    const p = start(id)
    open.set(id, p)
    p.catch(() => open.delete(id))
    return p
  }

  async function start(id: string): Promise<ComputeProcessHandle> {
    const worker = takeWorker()
    const listeners = new Set<(e: ProcessEvent) => void>()
    const latch = new EventLatch()
    let closed = false
    const deliver = (events: ProcessEvent[]) => {
      for (const e of events) {
        latch.note(e)
        for (const l of listeners) l(e)
      }
    }
    const cfg: ComputeOpenConfig = { processId: id, endpoints: settings.endpoints, snapshots: settings.snapshots, ...opts.compute, ...(opts.storeName && { storeName: opts.storeName }) }
    const initial = unwrap(await worker.api.open(cfg, proxy(deliver)))
    for (const e of initial) latch.note(e)
    const call = async <T>(fn: () => Promise<Reply<T>>): Promise<T> => {
      if (closed) throw new NodeError('process/closed', `process ${id} is closed`, { processId: id })
      return unwrap(await fn())
    }
    const finish = () => {
      closed = true
      open.delete(id)
      worker.terminate()
    }
    const handle: ComputeProcessHandle = {
      id,
      subscribe(listener) {
        for (const e of latch.replay()) listener(e)
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      messages: (o = {}) => call(() => worker.api.messages(o)),
      message: (mid) => call(() => worker.api.message(mid)),
      divergences: () => call(() => worker.api.divergences()),
      dryRun: (req) => call(() => worker.api.dryRun(req)),
      results: (o = {}) => call(() => worker.api.results(o)),
      stats: () => call(() => worker.api.stats()),
      async clearCache() {
        await call(() => worker.api.clearCache())
        finish()
      },
      async close() {
        if (closed) return
        try {
          unwrap(await worker.api.close())
        } finally {
          finish()
        }
      },
    }
    return handle
  }

  const capabilities: Capabilities = {
    compute: { available: true },
    relay: { available: false, reason: RELAY_UNAVAILABLE },
    crossCheck: { available: false, reason: 'Cross-checking results with remote CUs is not wired into this build yet.' },
    storage: typeof navigator !== 'undefined' && typeof navigator.storage?.estimate === 'function'
      ? { available: true }
      : { available: false, reason: 'This browser does not report storage usage.' },
    browserWallet: { available: false, reason: WALLET_UNAVAILABLE },
  }
  const unavailable = (capability: string, reason: string): never => {
    throw new NodeError('node/unavailable', reason, { capability })
  }
  const none: WalletState = { kind: 'none' }

  return {
    settingsProblem: loaded.problem,
    capabilities,
    openProcess,
    openComputeProcess: openProcess,
    async dryRun(processId: string, request: DryRunRequest): Promise<MessageResult> {
      return (await openProcess(processId)).dryRun(request)
    },
    send: async () => unavailable('relay', RELAY_UNAVAILABLE),
    spawn: async () => unavailable('relay', RELAY_UNAVAILABLE),
    settings: {
      get: () => settings,
      set(next) {
        settings = saveSettings(storage, next)
        for (const l of settingsListeners) l(settings)
      },
      subscribe(listener) {
        settingsListeners.add(listener)
        return () => settingsListeners.delete(listener)
      },
    },
    storage: {
      async estimate() {
        const u = await storageUsage()
        if (!u) throw new NodeError('storage/unsupported', 'This browser does not report storage usage (navigator.storage.estimate is missing).')
        return { usageBytes: u.usage, quotaBytes: u.quota, persisted: u.persisted === true }
      },
      async persist() {
        return (await requestPersistence()) === true
      },
      async clearProcess(processId: string) {
        const checked = checkAoId(processId, 'process id')
        if (!checked.ok) throw new NodeError('input/bad-id', checked.reason, { field: 'processId' })
        const opened = open.get(checked.id)
        if (opened) return (await opened).clearCache()
        const w = takeWorker()
        try {
          unwrap(await w.api.clearProcess(checked.id, opts.storeName))
        } finally {
          w.terminate()
        }
      },
    },
    wallet: {
      state: () => none,
      connect: async () => unavailable('wallet', WALLET_UNAVAILABLE),
      importKeyfile: async () => unavailable('wallet', WALLET_UNAVAILABLE),
      disconnect: async () => undefined,
      subscribe: (listener) => {
        listener(none)
        return () => undefined
      },
    },
  }
}
