/**
 * The relay worker's API (exposed with comlink by `workers/relay.worker.ts`). Every rejection is a
 * plain `RelayErrorInfo` object, because comlink keeps only name and message of an Error.
 */
import type { PendingSend } from '../node/contract'
import { openAolightStore, type AolightStore } from '../store'
import type { CrankOrigin, CrankReport, OutboxResult } from './crank'
import { RelayError, reasonOf, type RelayErrorCode } from './errors'
import { RelayService, type CronMode, type RelayConfig, type SubmitReceipt } from './relay-service'
import type { QueueEvent } from './send-queue'
import { MemoryQueueStore } from './memory-queue-store'
import type { KeyValueStore } from './keyfile-vault'

export interface RelayErrorInfo {
  relayError: true
  code: RelayErrorCode | 'relay/failed'
  message: string
  details: Record<string, string | number | boolean | null>
}

export interface RelayWorkerApi {
  /** Opens the store (IndexedDB `dbName`), loads the relay key, resumes the queue. */
  init(config: RelayConfig, dbName?: string): Promise<{ relayAddress: string; relayKeyPersistent: boolean; persistentQueue: boolean }>
  configure(config: RelayConfig): Promise<void>
  submit(bytes: Uint8Array, untilAssigned?: boolean): Promise<SubmitReceipt>
  resume(): Promise<number>
  observeAssigned(id: string, nonce: number): Promise<void>
  /** This browser's items not yet assigned, and those cancelled recently (RelayService.pending). */
  pending(): Promise<PendingSend[]>
  /** Stops a queued item; rejects `send/not-cancellable` once acknowledged. */
  cancel(id: string): Promise<PendingSend>
  /** Drops an item the network refused. */
  discard(id: string): Promise<PendingSend>
  crankResult(result: OutboxResult, origin: CrankOrigin): Promise<CrankReport | null>
  subscribe(listener: (e: QueueEvent) => void): Promise<void>
  /** Crons of a process: cranked here (CU `/cron` polled, outboxes pushed) or left to the MU. */
  monitorCrons(processId: string, on: boolean): Promise<CronMode>
  /** The upload receipt of an item pushed to a non-process target, once the uploader took it. */
  uploadReceipt(id: string): Promise<{ id: string; uploader: string; timestamp?: string } | null>
}

export function toErrorInfo(e: unknown): RelayErrorInfo {
  if (e instanceof RelayError) return { relayError: true, code: e.code, message: e.message, details: e.details }
  return { relayError: true, code: 'relay/failed', message: reasonOf(e), details: {} }
}

export function createRelayWorkerApi(): RelayWorkerApi {
  let service: RelayService | null = null
  let store: AolightStore | null = null
  const listeners: ((e: QueueEvent) => void)[] = []
  const need = (): RelayService => {
    if (!service) throw new RelayError('wallet/not-connected', 'the relay worker was not initialised (call init first)')
    return service
  }
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f()
    } catch (e) {
      throw toErrorInfo(e)
    }
  }
  return {
    init: (config, dbName) =>
      guard(async () => {
        let persistentQueue = true
        let settings: KeyValueStore
        let queueStore
        try {
          store = await openAolightStore(dbName ? { name: dbName } : {})
          settings = store.settings
          queueStore = store.outbox
        } catch {
          // No IndexedDB (private mode, blocked): keep working, but the queue dies with the tab.
          persistentQueue = false
          const mem = new Map<string, unknown>()
          settings = { get: async <T>(k: string) => mem.get(k) as T | undefined, set: async (k, v) => void mem.set(k, v), delete: async (k) => void mem.delete(k) }
          queueStore = new MemoryQueueStore()
        }
        service = await RelayService.open(config, queueStore, settings)
        service.subscribe((e) => listeners.forEach((l) => l(e)))
        void service.resume().catch(() => undefined)
        void service.resumeCrons().catch(() => undefined)
        return { relayAddress: service.relayKey.address, relayKeyPersistent: service.relayKeyPersistent, persistentQueue }
      }),
    configure: (config) => guard(async () => need().configure(config)),
    submit: (bytes, untilAssigned) => guard(() => need().submit(bytes, untilAssigned)),
    resume: () => guard(async () => (await need().resume()).length),
    observeAssigned: (id, nonce) => guard(() => need().observeAssigned(id, nonce)),
    pending: () => guard(() => need().pending()),
    cancel: (id) => guard(() => need().cancel(id)),
    discard: (id) => guard(() => need().discard(id)),
    crankResult: (result, origin) => guard(() => need().crankResult(result, origin)),
    monitorCrons: (processId, on) => guard(() => need().monitorCrons(processId, on)),
    uploadReceipt: (id) => guard(async () => (await need().uploadReceipt(id)) ?? null),
    subscribe: async (listener) => {
      listeners.push(listener)
    },
  }
}
