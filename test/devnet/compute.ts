/**
 * The devnet CU (and the MU's crank): evaluates every process's SU log in nonce order through
 * the reference ao-loader, the way the legacynet CU folds its message stream
 * (domain/lib/loadMessages.js, hydrateMessages.js, evaluate.js):
 * - before each scheduled message, the cron messages due since the previous boundary;
 * - assignments of existing items hydrated from the gateway;
 * - pushes whose reference deep hash was already evaluated, and assignments of an id already
 *   evaluated, skipped;
 * - on `Error` (returned or thrown) the previous memory is kept and the instance is dropped: the
 *   next evaluation runs on a fresh instance loaded with that memory (effects/worker/evaluate.js
 *   deletes the stream's instance after any Error). The glue keeps per-instance state outside the
 *   memory (clock counter, Wasm globals, the size of the grown memory), so continuing on the old
 *   instance gives different results;
 * - dry-runs run on a fresh instance of their own (the reference uses a separate evaluator), so
 *   they never touch the process's instance.
 * After each evaluation the MU role pushes the outbox (messages, spawns, assignments) to the
 * devnet SU, depth first; cron outboxes only for monitored processes (the real MU pushes them
 * only when it monitors the process). Everything runs through one queue, so the SU order is
 * the evaluation order.
 *
 * Two modes:
 * - eager (default): a posted item is scheduled, evaluated and its outbox cascade pushed before
 *   the post answers (tests rely on it);
 * - lazy (`lazy: true`), like the reference CU: posts are only scheduled; a process is folded
 *   from where it stopped up to the nonce a reader asks for (`/result`) or to its head
 *   (`/results`, `/cron`, `/state`, `/dry-run`, a monitor tick). Outboxes are pushed when their
 *   message is evaluated; the pushes are scheduled (with the cascade's `Pushed-For`) and
 *   evaluated when a reader asks for them.
 * Memory: the reference CU's copying semantics, without the copies (stream-memory.ts).
 */
import { ArweaveSigner, type DataItem } from 'arbundles'
import { mu } from 'wao/test'
import { forwardedDeepHash } from '../../src/protocol/message-mapping'
import { now } from './clock'
import { anchorText, lossyText, tagValue } from './data-item'
import { cronKey, cronTicksBetween, parseCrons, toSeconds, type Cron, type CronBoundary, type CronTick } from './cron'
import { processJson } from './su-json'
import type { GatewayStore } from './gateway-store'
import { addressOfOwner } from './keys'
import type { PublishedModule } from './modules'
import { instantiate, parseMemoryLimit, type HandleResult, type ModuleInstance } from './reference-loader'
import {
  assignedMessage,
  cronMessage,
  dryRunMessage,
  processEnv,
  scheduledMessage,
  type AoCronMessage,
  type AoEnv,
  type AoMessage,
  type AssignedAoMessage,
  type ChainItem,
  type DryRunBody,
} from './reference-mapping'
import { ScheduleError, type ProcessLog, type ScheduledEntry, type SchedulerLog } from './scheduler-log'
import { StreamMemory } from './stream-memory'
import { isForwardable, OutboxError, pushItem, spawnItem, type PushOrigin } from './outbox-items'
import { toB64Url } from '../../src/protocol/base64url'

export type EvalResult = Omit<HandleResult, 'Memory'>

export interface Evaluated {
  msg: AoMessage | AssignedAoMessage | AoCronMessage
  env: AoEnv
  error?: string
}

/** One evaluation in a process's stream: a scheduled message or a cron message. */
export interface Evaluation {
  processId: string
  /** Scheduled messages only. */
  messageId?: string
  nonce?: number
  timestamp: number
  blockHeight: number
  /** The nonce (of the last scheduled message, for crons), as a string. */
  ordinate: string
  /** `${index}-${interval}` for cron evaluations. */
  cron?: string
  result: EvalResult
}

interface ProcessState {
  log: ProcessLog
  moduleId: string
  /** The hot instance; null after an Error, until the next evaluation loads a fresh one. */
  instance: ModuleInstance | null
  /** A new instance of the process's module with the process's options. */
  freshInstance: () => Promise<ModuleInstance>
  memory: StreamMemory
  env: AoEnv
  crons: Cron[]
  origin: { height: number; timestamp: number }
  /** The last evaluated message (scheduled or cron). */
  cursor: CronBoundary & { cron?: string }
  /** Highest nonce handled (evaluated or skipped). */
  handled: number
  evaluations: Evaluation[]
  /** Recently evaluated cron keys (the reference keeps an LRU of 100). */
  evaledCrons: string[]
  /** Cron outboxes the MU has not pushed yet (monitored processes only). */
  pendingCronOutboxes: EvalResult[]
  deepHashes: Set<string>
  evaluatedIds: Set<string>
}

const EVALED_CRONS_LRU = 100
/** While crons are monitored, the gateway mines an empty block when its tip is this old. */
const MONITOR_BLOCK_MS = 2000
const MONITOR_TICK_MS = 500

export interface ComputeOptions {
  /** Schedule posts without evaluating them; evaluate when a reader asks (the reference CU's way). */
  lazy?: boolean
}

export class DevnetCompute {
  /** What `handle` received, by `${processId}:${messageId}`, plus by message id (latest). */
  readonly evaluated = new Map<string, Evaluated>()
  /** Why a scheduled message was not evaluated, by `${processId}:${messageId}`. */
  readonly skipped = new Map<string, string>()
  private readonly states = new Map<string, ProcessState>()
  private readonly results = new Map<string, Evaluation>()
  private readonly monitors = new Map<string, ReturnType<typeof setInterval>>()
  private readonly muSigner = new ArweaveSigner(mu.jwk as never)
  /** `Pushed-For` of each push the crank scheduled (the client message that started its cascade). */
  private readonly cascadeOf = new Map<string, string>()
  private tail: Promise<unknown> = Promise.resolve()
  readonly lazy: boolean

  constructor(
    private readonly scheduler: SchedulerLog,
    private readonly gateway: GatewayStore,
    private readonly modules: Map<string, PublishedModule>,
    options: ComputeOptions = {},
  ) {
    this.lazy = options.lazy ?? false
  }

  /** The MU's wallet: signs outbox pushes (`Authority` for aos processes). */
  static get authority(): string {
    return mu.addr
  }

  // ---- public API (each call is one task on the queue) ----

  /** Schedules a Process item and evaluates it (if its module is one the devnet can run). */
  spawn(item: DataItem): Promise<ScheduledEntry> {
    return this.serial(() => this.spawnNow(item))
  }

  /** Schedules a Message item on `processId` and (eager mode) evaluates it with its outbox cascade. */
  message(item: DataItem, processId: string): Promise<ScheduledEntry> {
    // Lazy: the SU alone (its own queue), so posts are not held behind a long fold.
    if (this.lazy) return this.scheduler.scheduleMessage(item, processId)
    return this.serial(async () => {
      const entry = await this.scheduler.scheduleMessage(item, processId)
      await this.catchUp(processId)
      return entry
    })
  }

  /** SU/MU `?assign=`: assigns an existing item to a process, then evaluates it. */
  assign(processId: string, messageId: string, opts: { exclude?: string[]; baseLayer?: boolean }): Promise<ScheduledEntry> {
    if (this.lazy) return this.scheduler.assign(processId, messageId, opts)
    return this.serial(async () => {
      const entry = await this.scheduler.assign(processId, messageId, opts)
      await this.catchUp(processId)
      return entry
    })
  }

  dryRun(processId: string, body: DryRunBody): Promise<EvalResult> {
    return this.serial(async () => {
      const state = this.requireState(processId)
      // The reference reads the state up to now first (a no-op in eager mode: the head is folded).
      await this.catchUp(processId)
      const msg = dryRunMessage(body, processId, { timestamp: now(), blockHeight: this.gateway.height })
      // A throwaway instance: ao-loader copies memory in and out, and the process's own instance
      // keeps its glue state (a dry-run must not advance its clock or grow its memory).
      const instance = await state.freshInstance()
      try {
        const { Memory: _m, ...res } = await instance.handle(state.memory.current, msg, state.env)
        return asReported(res)
      } catch (e) {
        return thrownResult(e)
      }
    })
  }

  /** Evaluates the crons due up to now (what the reference CU does on /cron and reads to "now"). */
  catchUpToNow(processId: string): Promise<void> {
    return this.serial(() => this.tickToNow(processId))
  }

  /**
   * Folds the process up to `nonce` (default: its head): what a lazy CU does before answering a
   * read. A no-op in eager mode, where every post is folded before it answers.
   */
  settle(processId: string, nonce?: number): Promise<void> {
    return this.serial(() => this.catchUp(processId, undefined, nonce))
  }

  startMonitor(processId: string): void {
    this.requireState(processId)
    if (this.monitors.has(processId)) return
    let pending = false
    const timer = setInterval(() => {
      if (pending) return
      pending = true
      this.serial(async () => {
        this.gateway.mineIfOlderThan(MONITOR_BLOCK_MS)
        await this.tickToNow(processId)
        await this.pushCronOutboxes(processId)
      })
        .catch((e: unknown) => console.error(`[devnet cu] cron tick of ${processId} failed:`, e))
        .finally(() => (pending = false))
    }, MONITOR_TICK_MS)
    timer.unref?.()
    this.monitors.set(processId, timer)
  }

  stopMonitor(processId: string): boolean {
    const timer = this.monitors.get(processId)
    if (timer) clearInterval(timer)
    // Like the real MU, outboxes not pushed yet are dropped with the monitor.
    const state = this.states.get(processId)
    if (state) state.pendingCronOutboxes.length = 0
    return this.monitors.delete(processId)
  }

  isMonitored(processId: string): boolean {
    return this.monitors.has(processId)
  }

  /** Stops every monitor and waits for the queue to drain. */
  async close(): Promise<void> {
    for (const pid of [...this.monitors.keys()]) this.stopMonitor(pid)
    for (const s of this.states.values()) s.pendingCronOutboxes.length = 0
    await this.tail
  }

  isLoaded(processId: string): boolean {
    return this.states.has(processId)
  }

  result(processId: string, messageId: string): Evaluation | undefined {
    return this.results.get(`${processId}:${messageId}`)
  }

  /** The process's evaluations (scheduled and cron), in evaluation order. */
  evaluations(processId: string): readonly Evaluation[] {
    return this.states.get(processId)?.evaluations ?? []
  }

  /** A copy of the process's memory after its last kept evaluation. */
  memory(processId: string): Uint8Array | undefined {
    return this.states.get(processId)?.memory.copy() ?? undefined
  }

  // ---- evaluation ----

  private requireState(processId: string): ProcessState {
    const s = this.states.get(processId)
    if (!s) throw new ScheduleError(404, `process ${processId} is not loaded on the devnet CU`)
    return s
  }

  private async spawnNow(item: DataItem, cascade?: string): Promise<ScheduledEntry> {
    const entry = await this.scheduler.scheduleProcess(item)
    const log = this.scheduler.process(item.id)!
    if (!this.states.has(item.id)) {
      const state = await this.load(log)
      if (!state) return entry // a module the devnet cannot run: scheduled only, like the real SU
      this.states.set(item.id, state)
    }
    if (!this.lazy) await this.catchUp(item.id, cascade)
    return entry
  }

  private async load(log: ProcessLog): Promise<ProcessState | undefined> {
    const moduleId = tagValue(log.process.tags, 'Module') ?? ''
    const module = this.modules.get(moduleId)
    if (!module) return undefined
    const tag = (n: string) => tagValue(log.process.tags, n) ?? tagValue(module.tags, n)
    const memoryLimit = parseMemoryLimit(tag('Memory-Limit'))
    const computeLimit = tag('Compute-Limit')
    const options = {
      format: module.format,
      inputEncoding: tag('Input-Encoding') ?? 'JSON-1',
      outputEncoding: tag('Output-Encoding') ?? 'JSON-1',
      ...(memoryLimit ? { memoryLimit: String(memoryLimit) } : {}),
      ...(computeLimit ? { computeLimit } : {}),
      extensions: [],
    }
    const freshInstance = () => instantiate(module.wasm, options, { liveMemory: true })
    const instance = await freshInstance()
    const first = log.entries[0]!
    // The reference's cron origin is the SU process record's `block`/`timestamp` (loadProcess →
    // ctx.block), which the SU takes from the process's own assignment.
    const record = processJson(log)
    let crons: Cron[] = []
    try {
      crons = parseCrons(log.process.tags)
    } catch (e) {
      // The reference CU fails the whole evaluation stream; the devnet runs without crons and says why.
      console.error(`[devnet cu] process ${log.processId}: ${(e as Error).message}; crons disabled`)
    }
    return {
      log,
      moduleId,
      instance,
      freshInstance,
      memory: new StreamMemory(),
      env: processEnv(log.process, { id: module.id, item: module.item }),
      crons,
      origin: { height: Number.parseInt(record.block, 10), timestamp: record.timestamp },
      cursor: { timestamp: first.timestamp, blockHeight: first.blockHeight, ordinate: '0' },
      handled: -1,
      evaluations: [],
      evaledCrons: [],
      pendingCronOutboxes: [],
      deepHashes: new Set(),
      evaluatedIds: new Set(),
    }
  }

  /**
   * Evaluates every scheduled entry not handled yet, up to `toNonce` (default: the head), crons
   * first, pushing outboxes. `cascade`: the id of the client message whose outbox cascade this
   * is (`Pushed-For`); otherwise the one recorded when the crank scheduled the push.
   */
  private async catchUp(processId: string, cascade?: string, toNonce = Number.POSITIVE_INFINITY): Promise<void> {
    const state = this.states.get(processId)
    if (!state) return
    // Re-read each turn: a push to this same process may be appended (and handled) meanwhile.
    for (let entry = state.log.entries[state.handled + 1]; entry && entry.nonce <= toNonce; entry = state.log.entries[state.handled + 1]) {
      state.handled = entry.nonce
      await this.runCrons(state, entry.timestamp)
      const boundary = { timestamp: entry.timestamp, blockHeight: entry.blockHeight, ordinate: String(entry.nonce) }
      const skip = this.skipReason(state, entry)
      state.cursor = boundary
      if (skip) this.skipped.set(`${processId}:${entry.messageId}`, skip)
      else {
        const msg = entry.message ? scheduledMessage(entry) : assignedMessage(entry, this.chainItem(entry))
        const result = await this.evaluate(state, msg, `${processId}:${entry.messageId}`)
        state.evaluatedIds.add(entry.messageId)
        const ev: Evaluation = { processId, messageId: entry.messageId, nonce: entry.nonce, ...boundary, result }
        state.evaluations.push(ev)
        this.results.set(`${processId}:${entry.messageId}`, ev)
        await this.crank(state, result, cascade ?? this.cascadeOf.get(entry.messageId) ?? entry.messageId)
      }
    }
  }

  /** The reference CU's reasons to drop a scheduled message from the eval stream. */
  private skipReason(state: ProcessState, entry: ScheduledEntry): string | undefined {
    if (!entry.message) {
      return state.evaluatedIds.has(entry.messageId) ? `assigned message ${entry.messageId} was already evaluated on ${state.log.processId}` : undefined
    }
    const m = entry.message
    if (!tagValue(m.tags, 'From-Process')) return undefined
    let hash: string
    try {
      const anchor = anchorText(m)
      hash = forwardedDeepHash({ data: lossyText(m.rawData), tags: m.tags, target: state.log.processId, ...(anchor !== null ? { anchor } : {}) })
    } catch {
      return undefined
    }
    if (state.deepHashes.has(hash)) return `push ${m.id} has the deep hash ${hash} of a push already evaluated on ${state.log.processId}`
    state.deepHashes.add(hash)
    return undefined
  }

  /** GraphQL metadata + /raw text of an assigned item, as the reference CU loads them. */
  private chainItem(entry: ScheduledEntry): ChainItem {
    const stored = this.gateway.get(entry.messageId)
    if (!stored) throw new Error(`devnet CU: assigned message ${entry.messageId} (nonce ${entry.nonce} of ${entry.processId}) is not on the gateway`)
    const item = stored.item
    return {
      id: item.id,
      signature: item.signature,
      ownerAddress: addressOfOwner(item.owner),
      tags: item.tags,
      recipient: item.rawTarget.length ? item.target : '',
      anchor: item.rawAnchor.length ? toB64Url(item.rawAnchor) : '',
      dataText: lossyText(item.rawData),
    }
  }

  /**
   * Evaluates the crons due in [cursor, right). For a monitored process their outboxes wait for
   * the next monitor tick, as the real MU polls `/cron` every 500 ms: pushing them at once would
   * let a cron that messages its own process recurse without end (each push opens a new
   * interval whose first tick, at the push's own timestamp, is on cron).
   */
  private async runCrons(state: ProcessState, rightTimestamp: number): Promise<void> {
    if (state.crons.length === 0) return
    const blocks = this.gateway.blocks.map((b) => ({ height: b.height, timestamp: b.timestamp * 1000 }))
    const ticks = cronTicksBetween(state.crons, state.origin, blocks, state.cursor, rightTimestamp)
    for (const tick of ticks) {
      const result = await this.runCron(state, tick)
      if (result && this.monitors.has(state.log.processId)) state.pendingCronOutboxes.push(result)
    }
  }

  private async pushCronOutboxes(processId: string): Promise<void> {
    const state = this.states.get(processId)
    if (!state) return
    const pending = state.pendingCronOutboxes.splice(0)
    for (const r of pending) await this.crank(state, r, undefined)
  }

  private async runCron(state: ProcessState, tick: CronTick): Promise<EvalResult | undefined> {
    const key = cronKey(tick.timestamp, tick.cron)
    if (state.evaledCrons.includes(key)) return undefined
    state.evaledCrons.push(key)
    if (state.evaledCrons.length > EVALED_CRONS_LRU) state.evaledCrons.shift()
    const msg = cronMessage(state.log.processId, state.env.Process.Owner, tick)
    const result = await this.evaluate(state, msg, undefined)
    state.cursor = { timestamp: tick.timestamp, blockHeight: tick.blockHeight, ordinate: tick.ordinate, cron: tick.cron }
    state.evaluations.push({ processId: state.log.processId, timestamp: tick.timestamp, blockHeight: tick.blockHeight, ordinate: tick.ordinate, cron: tick.cron, result })
    return result
  }

  private async tickToNow(processId: string): Promise<void> {
    const state = this.states.get(processId)
    if (!state) return
    // Scheduled messages due before now come first (a no-op in eager mode).
    await this.catchUp(processId)
    if (state.crons.length === 0) return
    const t = now()
    // The reference adds the trailing [last, now] boundary only when now is in a later second.
    if (toSeconds(state.cursor.timestamp) < toSeconds(t)) await this.runCrons(state, t)
  }

  private async evaluate(state: ProcessState, msg: Evaluated['msg'], key: string | undefined): Promise<EvalResult> {
    if (!state.instance) {
      state.instance = await state.freshInstance()
      state.memory.diverged()
    }
    let res: HandleResult
    try {
      res = await state.instance.handle(state.memory.input(), msg as AoMessage, state.env)
    } catch (e) {
      if (key) this.record(key, { msg, env: state.env, error: errorText(e) })
      // ao-loader throws when the Wasm reports !ok: the reference CU maps that to an Error, keeps
      // the previous memory and drops the instance.
      state.instance = null
      return thrownResult(e)
    }
    if (key) this.record(key, { msg, env: state.env })
    const { Memory, ...rest } = res
    if (rest.Error) {
      state.instance = null
      return asReported(rest)
    }
    // An out-of-memory Output keeps the previous memory but (not being an Error) the instance.
    if (!reportsOutOfMemory(rest.Output) && Memory) state.memory.keep(Memory)
    else state.memory.diverged()
    return asReported(rest)
  }

  private record(key: string, ev: Evaluated): void {
    this.evaluated.set(key, ev)
    this.evaluated.set(key.slice(key.indexOf(':') + 1), ev)
  }

  // ---- the MU's crank ----

  private async crank(state: ProcessState, result: EvalResult, pushedFor: string | undefined): Promise<void> {
    if (result.Error) return
    const origin: PushOrigin = { processId: state.log.processId, moduleId: state.moduleId, ...(pushedFor ? { pushedFor } : {}) }
    try {
      for (const m of result.Messages ?? []) {
        if (!isForwardable(m)) continue
        const item = await pushItem(this.muSigner, m, origin)
        if (!this.scheduler.process(m.Target)) {
          this.gateway.put([item])
          continue
        }
        if (pushedFor) this.cascadeOf.set(item.id, pushedFor)
        try {
          await this.scheduler.scheduleMessage(item, m.Target)
        } catch (e) {
          if (e instanceof ScheduleError) {
            console.warn(`[devnet mu] push from ${origin.processId} to ${m.Target} refused by the SU: ${e.message}`)
            continue
          }
          throw e
        }
        if (!this.lazy) await this.catchUp(m.Target, pushedFor)
      }
      for (const s of result.Spawns ?? []) {
        const item = await spawnItem(this.muSigner, s, origin, this.scheduler.address)
        if (pushedFor) this.cascadeOf.set(item.id, pushedFor)
        if (tagValue(item.tags, 'Scheduler') === this.scheduler.address && tagValue(item.tags, 'Module')) await this.spawnNow(item, pushedFor)
        else this.gateway.put([item])
      }
      for (const a of result.Assignments ?? []) {
        for (const pid of a.Processes ?? []) {
          if (!this.scheduler.process(pid) || !this.gateway.get(a.Message)) continue
          if (pushedFor && !this.cascadeOf.has(a.Message)) this.cascadeOf.set(a.Message, pushedFor)
          await this.scheduler.assign(pid, a.Message)
          if (!this.lazy) await this.catchUp(pid, pushedFor)
        }
      }
    } catch (e) {
      if (e instanceof OutboxError) console.warn(`[devnet mu] ${e.message}`)
      else throw e
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }
}

const errorText = (e: unknown): string => String((e as Error)?.message ?? e)

/** A thrown evaluation as a result (the reference maps it to `{Error}` and mergeOutput fills the rest). */
const thrownResult = (e: unknown): EvalResult => ({ Error: errorText(e), Output: '', Messages: [], Spawns: [], Assignments: [] })

/**
 * evaluate.js mergeOutput's defaults: an absent (or null) Output is `""`, a numeric one a
 * string; absent outboxes are `[]`. Key order is the loader's (the devnet's JSON is compared
 * byte for byte in tests).
 */
function asReported(r: EvalResult): EvalResult {
  const o = r.Output ?? ''
  return {
    ...r,
    Output: typeof o === 'number' ? String(o) : o,
    Messages: r.Messages ?? [],
    Spawns: r.Spawns ?? [],
    Assignments: r.Assignments ?? [],
  }
}

/** evaluate.js mergeOutput: a string Output, or an object's `data.output`, ending with the old modules' allocation error. */
function reportsOutOfMemory(output: unknown): boolean {
  const text = typeof output === 'string' ? output : (output as { data?: { output?: unknown } } | null)?.data?.output
  return typeof text === 'string' && text.endsWith('not enough memory for buffer allocation')
}
