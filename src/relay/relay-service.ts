/**
 * The relay as one object (what `workers/relay.worker.ts` exposes): the persistent queue over
 * IndexedDB, SU location, the tab's relay key and the crank, configured from the node settings.
 * Signing with the person's wallet happens in the page (only it can reach `window.arweaveWallet`);
 * this side receives signed bytes.
 */
import type { PendingSend } from '../node/contract'
import { CuClient } from '../protocol/cu-client'
import { GatewayClient } from '../protocol/gateway-client'
import { HttpClient } from '../protocol/http'
import { Locator } from '../protocol/locate'
import { MuClient } from '../protocol/mu-client'
import { SuClient } from '../protocol/su-client'
import { tagValue } from '../protocol/wire-types'
import type { OutboxRecord, OutboxStatus } from '../store/records'
import type { KeyValueStore } from './keyfile-vault'
import { Crank, type CrankOrigin, type CrankReport, type OutboxResult } from './crank'
import { CronMonitor, requestMonitor } from './cron-monitor'
import { RelayError } from './errors'
import { SendQueue, type QueueEvent, type QueueStore, type SendRoute, type UploadState } from './send-queue'
import { UploaderClient } from './uploader'
import type { KeySigner } from './signer'
import { loadOrCreateRelayKey } from './relay-key'
import { ProcessCheck } from './process-check'

export interface RelayConfig {
  gateway: string
  mu: string
  /** SU used when a process's Scheduler-Location cannot be read */
  su: string
  suIsRouter: boolean
  /** 'mu': post to the MU; 'su': straight to the process's SU */
  route: SendRoute
  /** push outboxes of results evaluated here (and of crons, polled from `cu`) */
  crank: boolean
  /** where pushes to non-process targets are uploaded (`POST {uploader}/tx/arweave`); '' = nowhere */
  uploader: string
  /**
   * The CU whose results of *pushed* messages continue a cascade (recursion) and whose `/cron`
   * results are polled when cranking crons here; null: the crank stops at the first hop, and crons
   * can only be left to the network's MU
   */
  cu: string | null
}

export type CronMode = { mode: 'here'; processId: string } | { mode: 'network'; processId: string; answer: string } | { mode: 'stopped'; processId: string; answer?: string }

export interface SubmitReceipt {
  id: string
  target: string
  status: OutboxStatus
  postedTo: string
}


/** How long a cancelled item stays listed by `pending()`, so the person sees what became of it. */
export const SHOW_CANCELLED_MS = 24 * 60 * 60 * 1000

/** Processes whose crons this tab cranks (restarted by `resumeCrons` after a reload). */
const MONITORED_KEY = 'cron.monitored'

function pendingItem(r: OutboxRecord): PendingSend {
  if (r.status === 'assigned') throw new RelayError('send/unknown-item', `item ${r.id} is assigned, not pending`, { id: r.id })
  const { id, target, status, attempts, lastError, createdAt, updatedAt, cancelledAt, discarded } = r
  return {
    id, target, status, attempts, createdAt, updatedAt,
    ...(lastError !== undefined && { lastError }),
    ...(cancelledAt !== undefined && { cancelledAt }),
    ...(discarded && { discarded }),
  }
}

export class RelayService {
  private readonly http = new HttpClient()
  private locator!: Locator
  private processCheck!: ProcessCheck
  private readonly queue: SendQueue
  private readonly crank: Crank
  private lastPostedTo = new Map<string, string>()
  private readonly crons = new Map<string, CronMonitor>()
  private readonly cronStarts = new Map<string, Promise<CronMode>>()
  private readonly cronListeners = new Set<(processId: string, r: CrankReport) => void>()

  private constructor(
    private config: RelayConfig,
    store: QueueStore,
    private readonly settings: KeyValueStore,
    readonly relayKey: KeySigner,
    readonly relayKeyPersistent: boolean,
  ) {
    this.configure(config)
    this.queue = new SendQueue({
      store,
      route: () => this.config.route,
      mu: () => new MuClient(this.config.mu, this.http),
      suFor: (pid, scheduler) => this.suFor(pid, scheduler),
      uploader: () => (this.config.uploader ? new UploaderClient(this.config.uploader, this.http) : null),
      uploads: {
        get: (id) => this.settings.get<UploadState>(`relay.upload.${id}`),
        set: (id, state) => this.settings.set(`relay.upload.${id}`, state),
      },
    })
    this.queue.subscribe((e) => {
      if (e.type === 'sent') this.lastPostedTo.set(e.id, e.postedTo)
    })
    this.crank = new Crank({
      signer: relayKey,
      queue: this.queue,
      // The SU takes `?process-id=&assign=` exactly like the MU does.
      assignAt: async (pid) => new MuClient((await this.suFor(pid)).url, this.http),
      pushed: {
        get: (k) => this.settings.get<string>(`crank.pushed.${k}`),
        set: (k, v) => this.settings.set(`crank.pushed.${k}`, v),
      },
      isProcess: (id) => this.processCheck.isProcess(id),
      // The next hop: the result of what we pushed, from the configured CU (the reference MU trusts
      // its CU the same way). Pushes of the tab's own evaluations use the same `pushed` keys, so a
      // hop cranked from both sources is pushed once.
      resultOf: async (messageId, processId) => {
        if (!this.config.cu) return null
        return new CuClient(this.config.cu, this.http).result(messageId, processId)
      },
      processInfo: async (pid) => {
        const p = await (await this.suFor(pid)).getProcess(pid)
        return { moduleId: tagValue(p.tags, 'Module') ?? '', schedulerAddress: tagValue(p.tags, 'Scheduler') ?? '' }
      },
    })
  }

  static async open(config: RelayConfig, store: QueueStore, settings: KeyValueStore): Promise<RelayService> {
    const { signer, persistent } = await loadOrCreateRelayKey(settings)
    return new RelayService(config, store, settings, signer, persistent)
  }

  configure(config: RelayConfig): void {
    this.config = { ...config }
    const gateway = new GatewayClient(config.gateway, this.http)
    this.locator = new Locator({ gateway, http: this.http, routerUrl: config.suIsRouter ? config.su : undefined })
    this.processCheck = new ProcessCheck({ gateway, suFor: (id) => this.suFor(id) })
  }

  subscribe(listener: (e: QueueEvent) => void): () => void {
    return this.queue.subscribe(listener)
  }

  /** Queues signed bytes and delivers them; resolves once acknowledged (or assigned). */
  async submit(bytes: Uint8Array, untilAssigned = false): Promise<SubmitReceipt> {
    const rec = await this.queue.submit(bytes, { untilAssigned })
    return { id: rec.id, target: rec.target, status: rec.status, postedTo: this.lastPostedTo.get(rec.id) ?? '' }
  }

  resume(): Promise<OutboxRecord[]> {
    return this.queue.resume()
  }

  observeAssigned(id: string, nonce: number): Promise<void> {
    return this.queue.observeAssigned(id, nonce)
  }

  /** Items not yet assigned (queued, sent), and those cancelled in the last SHOW_CANCELLED_MS; oldest first. */
  async pending(now = Date.now()): Promise<PendingSend[]> {
    const cancelled = (await this.queue.list('cancelled')).filter((r) => (r.cancelledAt ?? r.updatedAt) >= now - SHOW_CANCELLED_MS)
    const all = [...(await this.queue.list('queued')), ...(await this.queue.list('sent')), ...cancelled]
    return all.sort((a, b) => a.createdAt - b.createdAt).map(pendingItem)
  }

  /** Stops a queued item (see SendQueue.cancel for the race with a post in flight). */
  async cancel(id: string): Promise<PendingSend> {
    return pendingItem(await this.queue.cancel(id))
  }

  /** Drops an item the network refused, so it is never tried again. */
  async discard(id: string): Promise<PendingSend> {
    return pendingItem(await this.queue.discard(id))
  }

  /** After this tab evaluated `origin.messageId`: push its outbox when cranking here. */
  async crankResult(result: OutboxResult, origin: CrankOrigin): Promise<CrankReport | null> {
    if (!this.config.crank) return null
    return this.crank.crank(result, origin)
  }

  /**
   * Cron for `processId`. Cranking here: poll the CU's `/cron` and push each cron outbox (cursor
   * kept in the settings store, so a reload resumes where it stopped). Otherwise: ask the MU to
   * monitor it (`POST {mu}/monitor/{P}`, signed by the relay key). `on: false` stops both.
   */
  async monitorCrons(processId: string, on: boolean): Promise<CronMode> {
    const local = this.crons.get(processId)
    if (!on) {
      await local?.stop()
      this.crons.delete(processId)
      await this.rememberMonitored(processId, false)
      const answer = await requestMonitor(new MuClient(this.config.mu, this.http), this.relayKey, processId, true).catch(() => undefined)
      return answer === undefined ? { mode: 'stopped', processId } : { mode: 'stopped', processId, answer }
    }
    if (!this.config.crank) {
      await local?.stop()
      this.crons.delete(processId)
      await this.rememberMonitored(processId, false)
      return { mode: 'network', processId, answer: await requestMonitor(new MuClient(this.config.mu, this.http), this.relayKey, processId) }
    }
    if (!this.config.cu) throw new RelayError('send/refused', `cranking the crons of ${processId} here needs a CU to read /cron from; none is configured`, { processId })
    if (local?.running) return { mode: 'here', processId }
    // One monitor per process, also when a start is already on its way (resumeCrons at init).
    let starting = this.cronStarts.get(processId)
    if (!starting) {
      starting = this.startCronHere(processId, this.config.cu).finally(() => this.cronStarts.delete(processId))
      this.cronStarts.set(processId, starting)
    }
    return starting
  }

  private async startCronHere(processId: string, cuUrl: string): Promise<CronMode> {
    const p = await (await this.suFor(processId)).getProcess(processId)
    const monitor = new CronMonitor({
      cuUrl,
      http: this.http,
      crank: this.crank,
      origin: { processId, moduleId: tagValue(p.tags, 'Module') ?? '', schedulerAddress: tagValue(p.tags, 'Scheduler') ?? '' },
      cursorStore: {
        get: () => this.settings.get<string>(`cron.cursor.${processId}`),
        set: (c) => this.settings.set(`cron.cursor.${processId}`, c),
      },
      onReport: (r) => this.cronListeners.forEach((l) => l(processId, r)),
    })
    this.crons.set(processId, monitor)
    monitor.start()
    await this.rememberMonitored(processId, true)
    return { mode: 'here', processId }
  }

  /**
   * Restarts the cron monitors this tab ran before it was closed (the reference MU likewise keeps
   * its monitored processes across restarts). Only when cranking here; returns the process ids.
   */
  async resumeCrons(): Promise<string[]> {
    if (!this.config.crank || !this.config.cu) return []
    const ids = (await this.settings.get<string[]>(MONITORED_KEY)) ?? []
    for (const pid of ids) await this.monitorCrons(pid, true)
    return ids
  }

  private async rememberMonitored(processId: string, on: boolean): Promise<void> {
    const ids = new Set((await this.settings.get<string[]>(MONITORED_KEY)) ?? [])
    if (on === ids.has(processId)) return
    if (on) ids.add(processId)
    else ids.delete(processId)
    await this.settings.set(MONITORED_KEY, [...ids])
  }

  uploadReceipt(id: string) {
    return this.queue.uploadReceipt(id)
  }

  /** Reports of cron outboxes cranked here. */
  onCronReport(listener: (processId: string, r: CrankReport) => void): () => void {
    this.cronListeners.add(listener)
    return () => this.cronListeners.delete(listener)
  }

  /** Stops every cron monitor of this tab; resolves when their polls in flight are done. */
  async stopCrons(): Promise<void> {
    const all = [...this.crons.values()]
    this.crons.clear()
    await Promise.all(all.map((m) => m.stop()))
  }

  private async suFor(processId: string, scheduler?: string): Promise<SuClient> {
    try {
      const loc = await this.locator.locate(processId, scheduler ? { schedulerHint: scheduler } : {})
      return new SuClient(loc.url, this.http)
    } catch {
      return new SuClient(this.config.su, this.http)
    }
  }
}
