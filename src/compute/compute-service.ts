/**
 * The verifying compute unit for one process: load the process and its verified module, stream
 * the log into the store verified, resume from the newest snapshot at or below the verified head,
 * evaluate forward on one hot instance, store results atomically with the evaluated head, take
 * snapshots by policy, and report everything as the contract's `ProcessEvent`s. Runs in the
 * compute worker (workers/compute.worker.ts); nothing here needs the DOM.
 *
 * Offline (the network unreachable when opening): the cached process, module and log are used,
 * the stored log is re-verified end to end (signatures, SU key, nonces, hash chain), evaluation
 * resumes from the newest snapshot (re-checking replayed results against the stored ones), and the
 * status says `offline`.
 */
import type {
  DryRunRequest, Divergence, Endpoints, LoggedMessage, MessagePage, MessageResult, NodeErrorInfo, Phase, PhaseProgress,
  ProcessEvent, ProcessStatus, ProcessSummary, SnapshotPolicy, Verification,
} from '../node/contract'
import { GatewayClient } from '../protocol/gateway-client'
import { HttpClient, type FetchFn } from '../protocol/http'
import { Locator } from '../protocol/locate'
import { buildEnv } from '../protocol/message-mapping'
import { SuClient } from '../protocol/su-client'
import type { SuEdge } from '../protocol/su-types'
import { tagValue, type WireTag } from '../protocol/wire-types'
import { parseCrons } from './cron'
import {
  decideSnapshot, initialPolicyState, isStoreError, openAolightStore, type AolightStore, type LogRecord,
  type Ordinate, type PolicyEvent, type PolicyState, type ResultRecord, type SnapshotPolicyConfig,
} from '../store/index'
import type { NewResult } from '../store/result-store'
import { moduleOptionsFromTags } from '../wasm/module-options'
import type { AoEnv, RuntimeOptions } from '../wasm/types'
import { clearProcessCache } from './cache-clear'
import { CACHED_COPY_CHECK, ComputeError, isNetworkFailure, toNodeErrorInfo } from './compute-errors'
import { ProtocolError } from '../protocol/errors'
import { dryRunMessage, runDryRun } from './dry-run'
import { boundaryOf, Evaluator, pushedDeepHashes, type EvaluatedStep } from './evaluator'
import { needsSyntheticFirstMessage, syntheticFirstMessage } from './first-message'
import { hydrateAssignmentChecked, hydrationNote, type HydrationProof } from './hydrate'
import { checksHashChain, reverifyStoredLog, syncLog, type SyncTarget } from './log-sync'
import { cronLoggedMessage, mappedOf, toLoggedMessage, toMessageResult } from './logged-message'
import { loadCachedProcess, loadModule, loadProcess, type LoadedModule, type LoadedProcess } from './process-loader'
import { cronResultId, parseCronResultId, type CheckRequest, type CronGeneratorFactory, type CrossChecker } from './pipeline-types'
import { ProgressMeter } from './progress-meter'
import { RuntimeHost, type SpawnRuntimeWorker } from './runtime-host'

/** A log entry with verification notes (until the contract's LoggedMessage has a `notes` field). */

export interface ComputeServiceConfig {
  processId: string
  endpoints: Endpoints
  snapshots: SnapshotPolicy
  spawnRuntimeWorker: SpawnRuntimeWorker
  /** IndexedDB name (tests use their own); default the app's */
  storeName?: string
  /** SU page size (default 500) */
  pageSize?: number
  /** look for new messages this often once caught up, ms; 0 = never (default 5000) */
  pollMs?: number
  /** idle time before pending evaluations are snapshotted, ms (default 2000) */
  idleSnapshotMs?: number
  /** per-message watchdog, ms (default 10 s) */
  runtimeTimeoutMs?: number
  fetch?: FetchFn
  cron?: CronGeneratorFactory
  crossCheck?: CrossChecker
}

/** Figures for benchmarks and the e2e proof. */
export interface ComputeStats {
  mode: 'online' | 'offline' | 'starting'
  /** ms from open to the runtime being ready (module + snapshot restore) */
  readyMs: number | null
  /** ms spent restoring the snapshot (read + gunzip + SHA-256), null when starting cold */
  restoreMs: number | null
  restoredAt: Ordinate | null
  verified: number
  evaluated: number
  /** evaluations this session (including replays below the stored head) */
  evaluatedThisSession: number
  replayMismatches: number
  verifyRate: number
  evaluateRate: number
  snapshotsWritten: number
  lastSnapshotMs: number | null
  evictedSnapshots: number
  /** snapshots deleted to keep the newest `snapshots.keepPerProcess` */
  prunedSnapshots: number
  skippedPushes: number
  /** ms since open at which each step of opening finished (benchmarks; see bench/warm-open.bench.ts) */
  open?: OpenTimings
}

/** Cumulative ms since open, per step of opening the process. */
export interface OpenTimings {
  store: number
  process: number
  module: number
  snapshot: number
  runtime: number
  evaluator: number
}

const MAX = Number.MAX_SAFE_INTEGER
const EVAL_BATCH = 25
const FLUSH_MS = 100
const PROGRESS_MS = 250
const now = () => performance.now()

export class ComputeService {
  private store!: AolightStore
  private proc: LoadedProcess | undefined
  private module: LoadedModule | undefined
  private env: AoEnv | undefined
  private options: RuntimeOptions | undefined
  private host: RuntimeHost | undefined
  private evaluator: Evaluator | undefined
  private gateway: GatewayClient
  private http: HttpClient
  private status: ProcessStatus = { state: 'locating' }
  private summary: ProcessSummary | undefined
  private pending: ProcessEvent[] = []
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private readonly meters: Record<Phase, ProgressMeter>
  private lastProgressAt: Record<Phase, number> = { fetch: 0, verify: 0, evaluate: 0, check: 0 }
  private closed = false
  private offline = false
  /** why the cached copy is shown (replayed to every new subscriber with the status) */
  private cachedCopyWarning: NodeErrorInfo | null = null
  /** how each hydrated assignment's transaction was proven (nonce -> proof), this session */
  private readonly hydrationProofs = new Map<number, HydrationProof>()
  private syncDone = false
  private syncFailure: ProcessStatus | undefined
  private verifiedHead = -1
  /** the SU's clock when the last complete sync started: idle crons run up to it */
  private suNow: number | undefined
  /** evaluation stopped on a WeaveDrive gateway outage: wait for the next sync, then retry */
  private outage: ProcessStatus | undefined
  private storedHead: Ordinate | null = null
  private wake: (() => void) | undefined
  private policy: PolicyState
  private readonly policyConfig: SnapshotPolicyConfig
  private snapshotDue = false
  private tickTimer: ReturnType<typeof setInterval> | undefined
  private lastPrompt: string | null = null
  private readonly openedAt = now()
  /** a warm open's background locate + process record; settled when the cold path returns */
  private network: Promise<void> = Promise.resolve()
  /** where the restored snapshot left the memory (null: from the start) */
  private startPosition: Ordinate | null = null
  private readonly started: Promise<void>
  private markStarted!: () => void
  private failStarted!: (e: unknown) => void
  private runPromise: Promise<void> | undefined
  /** the evaluation batch in progress (close waits for it, so its results are stored) */
  private batch: Promise<void> | undefined
  readonly stats: ComputeStats = {
    mode: 'starting', readyMs: null, restoreMs: null, restoredAt: null, verified: 0, evaluated: 0, evaluatedThisSession: 0,
    replayMismatches: 0, verifyRate: 0, evaluateRate: 0, snapshotsWritten: 0, lastSnapshotMs: null, evictedSnapshots: 0, prunedSnapshots: 0, skippedPushes: 0,
  }

  constructor(private readonly cfg: ComputeServiceConfig, private readonly emit: (events: ProcessEvent[]) => void) {
    this.http = new HttpClient({ ...(cfg.fetch && { fetch: cfg.fetch }), timeoutMs: 20_000, retry: { retries: 2, baseDelayMs: 200 } })
    this.gateway = new GatewayClient(cfg.endpoints.gateway, this.http)
    const t = now()
    this.meters = { fetch: new ProgressMeter('fetch', t), verify: new ProgressMeter('verify', t), evaluate: new ProgressMeter('evaluate', t), check: new ProgressMeter('check', t) }
    this.policyConfig = { everyMessages: cfg.snapshots.everyMessages, everyMs: cfg.snapshots.everySeconds * 1000, idleMs: cfg.idleSnapshotMs ?? 2000 }
    this.policy = initialPolicyState(Date.now())
    this.started = new Promise((resolve, reject) => {
      this.markStarted = resolve
      this.failStarted = reject
    })
    this.started.catch(() => undefined)
  }

  get processId(): string {
    return this.cfg.processId
  }

  /** Starts the pipeline in the background; progress and failures arrive as events. */
  start(): void {
    this.runPromise ??= this.run()
  }

  /** The current status, summary and progress (a subscriber's replay). */
  replay(): ProcessEvent[] {
    const out: ProcessEvent[] = [{ type: 'status', status: this.status }]
    if (this.summary) out.push({ type: 'summary', summary: this.summary })
    for (const p of ['fetch', 'verify', 'evaluate', 'check'] as const) out.push({ type: 'progress', progress: this.meters[p].snapshot(now()) })
    if (this.cachedCopyWarning) out.push({ type: 'warning', error: this.cachedCopyWarning })
    return out
  }

  // ------------------------------------------------------------------ events

  private push(e: ProcessEvent, urgent = false): void {
    if (this.closed && e.type !== 'status') return
    this.pending.push(e)
    if (urgent) this.flush()
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS)
  }

  private flush(): void {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    if (this.pending.length === 0) return
    const batch = this.pending
    this.pending = []
    this.emit(batch)
  }

  private setStatus(s: ProcessStatus): void {
    this.status = s
    this.push({ type: 'status', status: s }, true)
    this.push({ type: 'summary', summary: this.makeSummary() })
  }

  private progress(phase: Phase, force = false): void {
    const t = now()
    if (!force && t - this.lastProgressAt[phase] < PROGRESS_MS) return
    this.lastProgressAt[phase] = t
    const p: PhaseProgress = this.meters[phase].snapshot(t)
    if (phase === 'verify') this.stats.verifyRate = p.ratePerSecond
    if (phase === 'evaluate') this.stats.evaluateRate = p.ratePerSecond
    this.push({ type: 'progress', progress: p })
  }

  private mark(step: keyof OpenTimings): void {
    const o = (this.stats.open ??= { store: 0, process: 0, module: 0, snapshot: 0, runtime: 0, evaluator: 0 })
    o[step] = now() - this.openedAt
  }

  private warn(e: unknown): void {
    this.push({ type: 'warning', error: toNodeErrorInfo(e) })
  }

  private makeSummary(): ProcessSummary {
    const p = this.proc
    const evaluated = this.storedHead === null ? -1 : this.storedHead.nonce
    const verification: Verification = { level: this.verifiedHead < 0 ? 'fetched' : evaluated >= this.verifiedHead ? 'computed' : 'chained' }
    const s: ProcessSummary = {
      id: this.cfg.processId,
      owner: p?.ownerAddress ?? '',
      moduleId: p?.moduleId ?? '',
      moduleFormat: this.options?.format ?? '',
      schedulerUrl: p?.suUrl ?? '',
      tags: p?.tags ?? [],
      messageCount: this.verifiedHead + 1,
      verification,
      prompt: this.lastPrompt,
    }
    this.summary = s
    return s
  }

  // ------------------------------------------------------------------ pipeline

  private async run(): Promise<void> {
    try {
      this.store = await openAolightStore({
        ...(this.cfg.storeName && { name: this.cfg.storeName }),
        onEvicted: (ev) => {
          this.stats.evictedSnapshots += ev.length
          this.push({ type: 'warning', error: { code: 'storage/quota', message: `Storage is full: evicted ${ev.length} old snapshot(s) to make room (log entries are never evicted).`, details: { evicted: ev.length } } })
        },
      })
      this.mark('store')
      this.setStatus({ state: 'locating' })
      await this.load()
      await this.startRuntime()
      // A warm open shows its state before the network answers; now wait for it (or go offline).
      await this.network
      if (this.offline) await this.reverifyOffline()
      await this.startEvaluator()
      this.markStarted()
      this.tickTimer = setInterval(() => this.onTick(), 500)
      const evaluating = this.evaluateLoop()
      if (!this.offline) await this.syncLoop()
      else this.syncDone = true
      this.kick()
      await evaluating
    } catch (e) {
      this.failStarted(e)
      if (this.closed) return
      this.stop(e)
    }
  }

  private stop(e: unknown): void {
    const error = toNodeErrorInfo(e)
    void this.store?.processes.setStatus(this.cfg.processId, 'failed', error.message).catch(() => undefined)
    this.setStatus({ state: 'stopped', error })
  }

  /**
   * The process and its module. Warm (both cached, the module verified): from IndexedDB at once,
   * while the SU is located and the process record read in the background (`network`); cold:
   * from the network first, or from the cache when the network is unreachable (offline).
   */
  private async load(): Promise<void> {
    const locator = new Locator({ gateway: this.gateway, http: this.http, ...(this.cfg.endpoints.suIsRouter && { routerUrl: this.cfg.endpoints.su }) })
    const deps = { gateway: this.gateway, locator, http: this.http, store: this.store }
    const cached = await loadCachedProcess(this.store, this.cfg.processId)
    const cachedModule = cached ? await this.store.modules.get(cached.moduleId) : undefined
    if (cached && cachedModule?.verified) {
      this.proc = cached
      this.network = this.connect(deps)
      this.network.catch(() => undefined) // awaited in run()
    } else {
      await this.connect(deps)
    }
    this.mark('process')
    const proc = this.proc!
    this.verifiedHead = proc.stored.verifiedHead
    this.storedHead = proc.stored.evaluatedHead
    this.setStatus({ state: 'loading-module', moduleId: proc.moduleId })
    const { module } = await loadModule(deps, proc.moduleId, { offline: this.offline })
    this.module = module
    this.mark('module')
    this.options = moduleOptionsFromTags(module.tags, proc.tags)
    // WeaveDrive reads: the nested runtime worker builds a gateway-backed data provider from the
    // gateway URL given to RuntimeHost (a function cannot cross the worker boundary).
    this.env = buildEnv({ id: proc.id, ownerAddress: proc.ownerAddress, tags: proc.tags }, { id: module.id, ownerAddress: module.ownerAddress, tags: module.tags })
    if (tagValue(proc.tags, 'Cron-Interval') !== undefined && !this.cfg.cron) {
      this.warn(new ComputeError('compute/evaluation', `process ${proc.id} defines crons (Cron-Interval) but no cron generator is wired: cron messages are not evaluated, so results may differ from a CU's`))
    }
    this.setStatus({ state: 'syncing' })
    const t = now()
    this.meters.verify.reset(this.verifiedHead + 1, t)
    this.meters.fetch.reset(this.verifiedHead + 1, t)
    this.meters.evaluate.reset(this.storedHead ? this.storedHead.nonce + 1 : 0, t)
    this.stats.verified = this.verifiedHead + 1
    this.stats.evaluated = this.storedHead ? this.storedHead.nonce + 1 : 0
  }

  /**
   * Locate the SU and read the process record. When the network is unreachable, or answers that
   * it does not know the process (e.g. a local network restarted empty), a cached process opens
   * offline from IndexedDB with a warning saying which; nothing stored is deleted.
   */
  private async connect(deps: { gateway: GatewayClient; locator: Locator; http: HttpClient; store: AolightStore }): Promise<void> {
    try {
      // The same process (records are immutable), now with its SU's URL; heads are the stored ones.
      this.proc = await loadProcess(deps, this.cfg.processId)
    } catch (e) {
      const unreachable = isNetworkFailure(e)
      if (!unreachable && !isNotKnown(e)) throw e
      const cached = this.proc ?? await loadCachedProcess(this.store, this.cfg.processId)
      const id = this.cfg.processId
      if (unreachable) {
        if (!cached) throw new ComputeError('compute/offline-no-cache', `process ${id}: the network is unreachable (${(e as Error).message}) and nothing is cached for it`, { processId: id }, { cause: e })
      } else if (!cached || !(await this.store.modules.get(cached.moduleId))?.verified) {
        throw e // not known and not fully cached: the network's answer stands
      }
      this.proc = cached
      this.showCachedCopy(unreachable ? 'unreachable' : 'gateway-forgot', cached!.stored.verifiedHead, e)
    }
    this.stats.mode = this.offline ? 'offline' : 'online'
  }

  /** From here on the cached, verified copy is shown (no more syncing), with a warning saying why. */
  private showCachedCopy(why: 'unreachable' | 'gateway-forgot' | 'su-forgot', verifiedHead: number, cause: unknown): void {
    this.offline = true
    this.stats.mode = 'offline'
    const copy = `showing the cached copy (verified to nonce ${verifiedHead})`
    const details = { processId: this.cfg.processId, check: CACHED_COPY_CHECK }
    const reason = (cause as Error).message
    this.cachedCopyWarning = why === 'unreachable'
      ? { code: 'network/unreachable', message: `The network is unreachable; ${copy}. (${reason})`, details }
      : { code: 'process/not-found', message: `The ${why === 'su-forgot' ? 'scheduler' : 'gateway'} does not know this process any more; ${copy}. (${reason})`, details }
    this.push({ type: 'warning', error: this.cachedCopyWarning })
  }

  private syncTarget(): SyncTarget {
    const p = this.proc!
    const t: SyncTarget = { processId: p.id, scheduler: p.scheduler, hashChain: checksHashChain(p.record.block) }
    if (!this.offline) t.rawData = async (id) => this.gateway.getRaw(id).catch(() => undefined)
    return t
  }

  private async reverifyOffline(): Promise<void> {
    const m = this.meters.verify
    m.reset(0, now())
    m.setTotal(this.verifiedHead + 1)
    let seen = 0
    const out = await reverifyStoredLog(this.store, this.syncTarget(), {
      onChunk: (verified) => {
        m.add(verified - seen, now())
        seen = verified
        this.progress('verify')
      },
    })
    this.progress('verify', true)
    this.stats.verified = seen
    if (out.failure) throw out.failure
  }

  /**
   * The runtime worker starts and compiles the module while the newest snapshot at or below the
   * verified head is read (its non-zero pages only), then loads it: the process's state is ready.
   */
  private async startRuntime(): Promise<void> {
    const p = this.proc!
    const r0 = now()
    const restoring = this.verifiedHead < 0 ? Promise.resolve(undefined)
      : this.store.snapshots.restoreNewestSparse(p.id, { nonce: this.verifiedHead, cron: MAX }).then((restored) => {
        for (const s of restored?.skipped ?? []) this.warn(s.error)
        if (restored) {
          this.startPosition = { nonce: restored.snapshot.nonce, cron: restored.snapshot.cron }
          this.stats.restoreMs = now() - r0
          this.stats.restoredAt = this.startPosition
        }
        this.mark('snapshot')
        return restored?.memory
      })
    this.host = await RuntimeHost.start({
      bytes: this.module!.bytes, options: { ...this.options! }, startFrom: restoring, spawnWorker: this.cfg.spawnRuntimeWorker, timeoutMs: this.cfg.runtimeTimeoutMs ?? 10_000,
      // offline is only known after the network answered (a warm open doesn't wait for it)
      ...(!this.offline && { weaveDriveGateway: this.gateway.url }),
      onEvent: (e) => {
        if (e.type === 'timeout' || e.type === 'failed') this.warn(new ComputeError('compute/evaluation', e.type === 'timeout' ? `message ${e.messageId ?? '?'} (nonce ${e.nonce ?? '?'}) ran longer than ${e.timeoutMs} ms and was stopped` : e.message))
      },
    })
    this.mark('runtime')
    this.stats.readyMs = now() - this.openedAt
  }

  /** The evaluator at the restored position (after the network answered: hydration, crons need it). */
  private async startEvaluator(): Promise<void> {
    const p = this.proc!
    const position = this.startPosition
    const upTo = position?.nonce ?? -1
    const before = upTo >= 0 ? await this.store.log.range(p.id, 0, upTo) : []
    const last = before[before.length - 1]
    const prevMsg = last ? mappedOf(last) : undefined
    const edge0 = before[0] ?? (await this.store.log.get(p.id, 0))
    const cron = this.cfg.cron?.({ processId: p.id, ownerAddress: p.ownerAddress, tags: p.tags, origin: { timestamp: p.record.timestamp, blockHeight: Number(p.record.block) }, ...(!this.offline && { gateway: this.gateway }) }) ?? null
    this.evaluator = new Evaluator({
      host: this.host!,
      env: this.env!,
      cron,
      ...(!this.offline && { hydrate: (s) => hydrateAssignmentChecked(this.gateway, s) }),
      ...(needsSyntheticFirstMessage(p.id, edge0?.edge as SuEdge | undefined) && {
        firstMessage: async () => syntheticFirstMessage(p, p.record.data ?? (this.offline ? '' : await this.gateway.getRawText(p.id))),
      }),
    }, { position, pushed: pushedDeepHashes(before), ...(prevMsg && { prev: boundaryOf(prevMsg) }) })
    this.mark('evaluator')
  }

  /** Fetch and verify until caught up, then poll for new messages. */
  private async syncLoop(): Promise<void> {
    const p = this.proc!
    const su = new SuClient(p.suUrl, this.http)
    const target = this.syncTarget()
    while (!this.closed) {
      let out
      // Read first: every message the SU assigns after this is in a later page or stamped later.
      const clock = this.cfg.cron ? await su.getTimestamp(p.id).then((t) => t.timestamp, () => undefined) : undefined
      let synced = false
      try {
        out = await syncLog(this.store, su, target, {
          pageSize: this.cfg.pageSize ?? 500,
          onPage: (pg) => {
            const t = now()
            this.meters.fetch.add(pg.fetched, t)
            this.meters.verify.add(pg.verified, t)
            this.verifiedHead = pg.head
            this.stats.verified = pg.head + 1
            if (!pg.hasMore) {
              this.meters.fetch.setTotal(this.meters.fetch.done)
              this.meters.verify.setTotal(pg.head + 1)
            }
            this.meters.evaluate.setTotal(pg.head + 1)
            this.progress('fetch')
            this.progress('verify')
            this.kick()
          },
        })
        synced = true
      } catch (e) {
        if (this.closed) return
        if (isNetworkFailure(e) && this.verifiedHead >= 0) {
          // Lost the network after opening: keep what is verified, say so, try again later.
          this.warn(e)
          out = { head: this.verifiedHead }
        } else if (isNotKnown(e) && this.verifiedHead >= 0) {
          // The SU forgot the process while it was open (a local network restarted empty): as on
          // opening, the verified cache stays shown, said so; nothing stored is marked failed.
          this.showCachedCopy('su-forgot', this.verifiedHead, e)
          this.syncDone = true
          this.kick()
          return
        } else throw e
      }
      this.progress('fetch', true)
      this.progress('verify', true)
      if (out.failure) {
        // Stop here for good: the precise reason, and everything before stays usable.
        this.syncFailure = { state: 'stopped', error: toNodeErrorInfo(out.failure) }
        void this.store.processes.setStatus(p.id, 'failed', out.failure.message).catch(() => undefined)
        this.setStatus(this.syncFailure)
        this.syncDone = true
        this.kick()
        return
      }
      if (synced && clock !== undefined) this.suNow = clock
      // a gateway outage that stopped evaluation is retried after each sync
      this.outage = undefined
      this.syncDone = true
      this.kick()
      const poll = this.cfg.pollMs ?? 5000
      // A process with time crons also syncs at its cron interval, so its ticks show while it is quiet.
      const tick = this.cfg.cron ? cronTickMs(p.tags) : undefined
      const wait = poll > 0 ? Math.min(poll, tick ?? poll) : tick
      if (wait === undefined) return
      await new Promise((r) => setTimeout(r, wait))
      this.syncDone = false
    }
  }

  private kick(): void {
    const w = this.wake
    this.wake = undefined
    w?.()
  }

  private onTick(): void {
    this.decide({ type: 'tick', at: Date.now() })
    if (this.snapshotDue) this.kick()
  }

  private decide(ev: PolicyEvent): void {
    const d = decideSnapshot(this.policyConfig, this.policy, ev)
    this.policy = d.state
    if (d.snapshot) this.snapshotDue = true
  }

  private caughtUp(): boolean {
    return this.evaluator!.nextNonce > this.verifiedHead
  }

  private async evaluateLoop(): Promise<void> {
    const ev = this.evaluator!
    while (!this.closed) {
      if (!this.outage && !this.caughtUp()) {
        this.batch = this.evaluateBatch((onStep) => this.readAndRun(ev, onStep))
        await this.batch.finally(() => { this.batch = undefined })
        continue
      }
      // Caught up with a complete sync: crons due up to the SU's clock (a quiet process still ticks).
      const clock = this.suNow
      if (!this.outage && this.syncDone && clock !== undefined && this.cfg.cron) {
        this.batch = this.evaluateBatch((onStep) => ev.cronsUntil(clock, onStep))
        await this.batch.finally(() => { this.batch = undefined })
      }
      if (this.snapshotDue) await this.snapshot()
      if (this.outage) this.setStatusIfChanged(this.outage)
      else if (this.syncDone) this.settle()
      await new Promise<void>((r) => { this.wake = r })
    }
  }

  private setStatusIfChanged(s: ProcessStatus): void {
    if (JSON.stringify(s) !== JSON.stringify(this.status)) this.setStatus(s)
  }

  /** The next verified log entries through the evaluator. */
  private async readAndRun(ev: Evaluator, onStep: (s: EvaluatedStep) => void): Promise<void> {
    const from = ev.nextNonce
    const entries = await this.store.log.range(this.cfg.processId, from, Math.min(this.verifiedHead, from + EVAL_BATCH - 1))
    // On close the run stops between messages; what it evaluated is still stored below, so the
    // final snapshot (taken at the evaluator's position) never gets ahead of the stored results.
    await ev.run(entries, onStep, () => this.closed)
  }

  /** Caught up with everything verified: idle / offline, unless sync stopped on a failure. */
  private settle(): void {
    const heads = { verifiedHead: this.verifiedHead, evaluatedHead: this.storedHead?.nonce ?? -1 }
    const next: ProcessStatus = this.syncFailure ?? (this.offline ? { state: 'offline', ...heads } : { state: 'idle', ...heads })
    if (JSON.stringify(next) !== JSON.stringify(this.status)) {
      if (!this.syncFailure) void this.store.processes.setStatus(this.cfg.processId, 'ready').catch(() => undefined)
      this.setStatus(next)
    }
    this.progress('evaluate', true)
  }

  /**
   * One batch through the evaluator, its steps stored and reported. A WeaveDrive gateway outage
   * stops it: the steps before are kept, the status says which read failed, and the loop waits
   * for the next sync before retrying (the failed message's memory was rolled back).
   */
  private async evaluateBatch(work: (onStep: (s: EvaluatedStep) => void) => Promise<unknown>): Promise<void> {
    const steps: EvaluatedStep[] = []
    try {
      await work((s) => steps.push(s))
    } catch (e) {
      if (!(e instanceof ComputeError && e.code === 'compute/data-unavailable')) throw e
      this.outage = { state: 'stopped', error: toNodeErrorInfo(e) }
    }
    await this.record(steps)
    if (this.outage) this.setStatusIfChanged(this.outage)
  }

  private async record(steps: EvaluatedStep[]): Promise<void> {
    if (steps.length === 0) return
    const p = this.proc!
    const results: NewResult[] = []
    let fresh = 0
    for (const s of steps) {
      if (s.kind === 'skipped') {
        this.stats.skippedPushes++
        continue
      }
      this.stats.evaluatedThisSession++
      if (s.runtimeError) this.warn(new ComputeError('compute/evaluation', s.runtimeError, { nonce: s.result.nonce }))
      const head = this.storedHead
      if (head && (s.result.nonce < head.nonce || (s.result.nonce === head.nonce && s.result.cron <= head.cron))) {
        await this.compareReplay(s.result)
      } else fresh++
      results.push(s.result)
    }
    if (results.length > 0) {
      const out = await this.store.results.putEvaluated(p.id, results)
      this.storedHead = out.head
    }
    const t = now()
    // messages only: the meter's total is the verified log, which has no crons
    this.meters.evaluate.add(steps.filter((s) => s.entry !== undefined).length, t)
    this.stats.evaluated = (this.storedHead?.nonce ?? -1) + 1
    this.progress('evaluate')
    this.emitSteps(steps)
    if (fresh > 0) this.decide({ type: 'evaluated', at: Date.now(), count: fresh })
    if (this.closed) return
    if (this.snapshotDue) await this.snapshot()
    if (this.cfg.crossCheck) void this.crossCheck(steps)
  }

  private async compareReplay(r: NewResult): Promise<void> {
    const stored = await this.store.results.get(this.cfg.processId, r)
    if (stored && JSON.stringify(stored.result) !== JSON.stringify(r.result)) {
      this.stats.replayMismatches++
      this.warn(new ComputeError('compute/evaluation', `re-evaluating nonce ${r.nonce}${r.cron ? ` cron ${r.cron}` : ''} after resuming gave a different result than the stored one`, { nonce: r.nonce }))
    }
  }

  private emitSteps(steps: EvaluatedStep[]): void {
    for (const s of steps) {
      let m: LoggedMessage
      if (s.kind === 'result' && s.entry && s.hydration) this.hydrationProofs.set(s.entry.nonce, s.hydration)
      if (s.kind === 'skipped') m = toLoggedMessage(s.entry, undefined)
      else if (s.entry) m = this.noted(toLoggedMessage(s.entry, { ...s.result, processId: this.cfg.processId }))
      else m = cronLoggedMessage({ ...s.result, processId: this.cfg.processId }, undefined)
      const prompt = promptOf(m.result?.Output)
      if (prompt !== null) this.lastPrompt = prompt
      this.push({ type: 'message', message: m })
    }
    this.push({ type: 'summary', summary: this.makeSummary() })
  }

  private async crossCheck(steps: EvaluatedStep[]): Promise<void> {
    const checker = this.cfg.crossCheck!
    for (const s of steps) {
      if (s.kind !== 'result' || this.closed) continue
      // toMessageResult is the shape a reference CU reports (Output '' when the module gave none,
      // as its mergeOutput); the diff puts the remote side in that shape too (result-diff.ts).
      // A cron has no message id: the checker finds it on the CU's /cron by timestamp after its nonce.
      const r = s.result
      const req: CheckRequest = s.entry
        ? { processId: this.cfg.processId, messageId: s.entry.messageId, nonce: s.entry.nonce, result: toMessageResult(r.result) }
        : { processId: this.cfg.processId, messageId: cronResultId(r.nonce, r.cron), nonce: r.nonce, cron: { index: r.cron, timestamp: r.timestamp }, result: toMessageResult(r.result) }
      const outcomes = await checker.check(req)
      for (const o of outcomes) {
        if (o.verdict === 'diverged') for (const d of o.divergences) this.push({ type: 'divergence', divergence: d })
        if (o.verdict === 'error') this.push({ type: 'warning', error: { code: 'network/unreachable', message: `cross-check with ${o.cu}: ${o.reason}`, details: { cu: o.cu, nonce: r.nonce } } })
      }
      // messages only, like the evaluate meter (crons are checked too, but the total is the log)
      if (s.entry) this.meters.check.add(1, now())
      this.meters.check.setTotal(Math.max(this.meters.check.done, this.stats.evaluated))
      this.progress('check')
    }
    this.progress('check', true)
  }

  /** Snapshot the hot instance at the current position (its results are already stored). */
  /**
   * `full`: a full snapshot, not an incremental (on close: the next open then restores one link
   * instead of a chain, which is most of a warm open's restore time).
   */
  private async snapshot(full = false): Promise<void> {
    this.snapshotDue = false
    const pos = this.evaluator?.position
    if (!this.host || !pos) return
    try {
      const t0 = now()
      const memory = await this.host.snapshot()
      await this.store.snapshots.write(this.cfg.processId, pos, memory, { requireProcess: true, ...(full && { mode: 'full' as const }) })
      this.stats.snapshotsWritten++
      this.stats.lastSnapshotMs = now() - t0
      this.decide({ type: 'snapshotted', at: Date.now() })
      // settings.snapshots.keepPerProcess (chains the kept ones need stay; log and results always do)
      this.stats.prunedSnapshots += (await this.store.snapshots.prune(this.cfg.processId, this.cfg.snapshots.keepPerProcess)).length
    } catch (e) {
      // Cleared in another tab: this service is being closed; nothing to report.
      if (isStoreError(e, 'store/not-found') && e.details['cacheCleared']) return
      // A snapshot is an optimisation: report it, keep evaluating.
      this.warn(e)
    }
  }

  // ------------------------------------------------------------------ queries

  async messages(opts: { before?: number; limit?: number } = {}): Promise<MessagePage> {
    await this.ready()
    const limit = Math.max(1, Math.min(500, opts.limit ?? 50))
    const head = await this.store.log.head(this.cfg.processId)
    const to = Math.min(head, (opts.before ?? head + 1) - 1)
    if (to < 0) return { messages: [], before: null }
    const from = Math.max(0, to - limit + 1)
    const pid = this.cfg.processId
    const [logs, results] = await Promise.all([
      this.store.log.range(pid, from, to),
      this.store.db.read(['results'], `reading results of ${pid} nonces ${from}..${to}`, (tx) => tx.objectStore('results').getAll(IDBKeyRange.bound([pid, from, 0], [pid, to, MAX]))),
    ])
    const byNonce = new Map<number, ResultRecord[]>()
    for (const r of results) byNonce.set(r.nonce, [...(byNonce.get(r.nonce) ?? []), r])
    const out: LoggedMessage[] = []
    for (let i = logs.length - 1; i >= 0; i--) {
      const log = logs[i]!
      const rs = byNonce.get(log.nonce) ?? []
      for (const c of rs.filter((r) => r.cron > 0).sort((a, b) => b.cron - a.cron)) out.push(cronLoggedMessage(c, undefined))
      out.push(this.noted(toLoggedMessage(log, rs.find((r) => r.cron === 0))))
    }
    return { messages: out, before: from > 0 ? from : null }
  }

  async message(id: string): Promise<LoggedMessage | null> {
    await this.ready()
    const cron = parseCronResultId(id)
    if (cron) {
      const r = await this.store.results.get(this.cfg.processId, cron)
      return r ? cronLoggedMessage(r, undefined) : null
    }
    const log: LogRecord | undefined = await this.store.log.byMessageId(this.cfg.processId, id)
    if (!log) return null
    return this.noted(toLoggedMessage(log, await this.store.results.get(this.cfg.processId, { nonce: log.nonce, cron: 0 })))
  }

  /**
   * The entry with its verification notes: how an assigned transaction was proven when it was
   * hydrated in this session (kept in memory: the store has no field for it yet).
   */
  private noted(m: LoggedMessage): LoggedMessage {
    const proof = m.nonce === null ? undefined : this.hydrationProofs.get(m.nonce)
    return proof ? { ...m, notes: [hydrationNote(proof)] } : m
  }

  /** CU `/results`-style paging over stored results. */
  async results(opts: { sort?: 'ASC' | 'DESC'; limit?: number; after?: string } = {}): Promise<{ edges: { cursor: string; node: MessageResult }[]; hasNextPage: boolean }> {
    await this.ready()
    const page = await this.store.results.page(this.cfg.processId, opts)
    return { hasNextPage: page.hasNextPage, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toMessageResult(e.node.result) })) }
  }

  async divergences(): Promise<Divergence[]> {
    await this.ready()
    const checks = await this.store.checks.withVerdict(this.cfg.processId, 'diverged')
    const out: Divergence[] = []
    for (const c of checks) {
      const log = c.cron === 0 ? await this.store.log.get(this.cfg.processId, c.nonce) : undefined
      for (const d of c.divergences) {
        out.push({ messageId: log?.messageId ?? cronResultId(c.nonce, c.cron), nonce: c.cron === 0 ? c.nonce : null, cu: c.remote, field: d.field, local: text(d.local), remote: text(d.remote) })
      }
    }
    return out
  }

  /** Read-only evaluation on a copy of the current state; no network, nothing stored. */
  async dryRun(req: DryRunRequest): Promise<MessageResult> {
    await this.ready()
    const host = this.host!
    const memory = await host.snapshot()
    const last = this.evaluator?.position ? await this.store.log.get(this.cfg.processId, this.evaluator.position.nonce) : undefined
    const lastMsg = last ? mappedOf(last) : undefined
    const msg = dryRunMessage(this.cfg.processId, req, { timestamp: Date.now(), blockHeight: lastMsg?.['Block-Height'] ?? Number(this.proc!.record.block) })
    return runDryRun(memory, { bytes: this.module!.bytes, options: this.options! }, this.cfg.spawnRuntimeWorker, msg, this.env!, this.cfg.runtimeTimeoutMs ?? 10_000)
  }

  private async ready(): Promise<void> {
    if (this.closed) throw new ComputeError('compute/closed', `process ${this.cfg.processId} is closed`)
    this.start()
    await this.started
  }

  // ------------------------------------------------------------------ lifecycle

  /** Snapshot pending evaluations (policy: on close), stop everything. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.decide({ type: 'close', at: Date.now() })
    this.closed = true
    clearInterval(this.tickTimer)
    this.kick()
    await this.batch?.catch(() => undefined)
    // (closed because another tab cleared the cache: the write finds no process record and drops it)
    if (this.snapshotDue && this.host && this.store) {
      this.closed = false // let the final snapshot through
      await this.snapshot(true).catch(() => undefined)
      this.closed = true
    }
    this.host?.close()
    await this.store?.pending().catch(() => undefined)
    this.store?.close()
    this.flush()
  }

  /** Close, then drop this process's cached log, results and snapshots. */
  async clearCache(): Promise<void> {
    await this.close()
    const store = await openAolightStore({ ...(this.cfg.storeName && { name: this.cfg.storeName }) })
    try {
      await clearProcessCache(store, this.cfg.processId)
    } finally {
      store.close()
    }
  }
}

/** The shortest time cron's interval, clamped to 1 s..60 s; undefined without time crons. */
export function cronTickMs(tags: readonly WireTag[]): number | undefined {
  let specs
  try {
    specs = parseCrons(tags)
  } catch {
    return undefined // the evaluator reports the bad tags
  }
  const seconds = specs.filter((c) => c.unit === 'seconds' && c.value > 0).map((c) => c.value)
  if (seconds.length === 0) return undefined
  return Math.min(60_000, Math.max(1000, Math.min(...seconds) * 1000))
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** aos's prompt from a result's Output (`{data:{output,prompt}}` or `{prompt}`). */
export function promptOf(output: unknown): string | null {
  if (typeof output !== 'object' || output === null) return null
  const o = output as { prompt?: unknown; data?: { prompt?: unknown } }
  if (typeof o.prompt === 'string') return o.prompt
  if (typeof o.data === 'object' && o.data !== null && typeof o.data.prompt === 'string') return o.data.prompt
  return null
}


/** The network answered that it does not know the process (SU 404, gateway without its record). */
function isNotKnown(e: unknown): boolean {
  if (e instanceof ComputeError) return e.code === 'process/not-found'
  return e instanceof ProtocolError && (e.code === 'http/not-found' || e.code === 'locate/no-scheduler' || e.code === 'locate/no-location')
}
