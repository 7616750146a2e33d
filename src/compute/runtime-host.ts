/**
 * The supervisor of one process's ao module runtime. The runtime runs in a dedicated Worker
 * (workers/runtime.worker.ts; the compute worker creates it as a nested worker) so a runaway
 * module can be stopped: every `handle` has a watchdog, and when it fires the worker is
 * terminated — the only way to stop Wasm that never returns — and a new worker is started from
 * the last good state: the last checkpoint (a memory snapshot transferred from the worker every
 * `checkpointEvery` memory-changing messages) plus a replay of the messages since then.
 * The message that ran too long gets a `runtime/timeout` outcome and leaves no trace, like a
 * message whose Error rolls memory back. Calls are serialised; progress is a stream of events.
 */
import { releaseProxy, wrap, type Endpoint, type Remote } from 'comlink'
import { RuntimeError, type AoEnv, type AoMessage, type AoResult, type RuntimeErrorCode, type RuntimeOptions } from '../wasm/types'
import { isErrorResult } from '../wasm/index'
import type { SparseMemory } from '../wasm/sparse-memory'
import type { RuntimeWorkerApi, WeaveDriveFailure, WorkerFailure } from './runtime-worker-api'

export interface RuntimeWorkerHandle {
  endpoint: Endpoint
  terminate(): void
  /** Calls `listener` if the worker dies on its own (script error, crash), so calls fail fast. */
  onDeath?(listener: (reason: string) => void): void
}

/** Starts a fresh runtime worker (browser Worker, Node worker_threads through comlink's adapter). */
export type SpawnRuntimeWorker = () => RuntimeWorkerHandle

/** The browser's dedicated module Worker for the runtime (Vite bundles the URL). */
export function spawnBrowserRuntimeWorker(): RuntimeWorkerHandle {
  const worker = new Worker(new URL('../../workers/runtime.worker.ts', import.meta.url), { type: 'module', name: 'ao-runtime' })
  return {
    endpoint: worker,
    terminate: () => worker.terminate(),
    onDeath: (listener) => worker.addEventListener('error', (e) => listener(`runtime worker error: ${e.message || 'script failed to load'}`)),
  }
}

export interface RuntimeHostConfig {
  bytes: Uint8Array
  /** `options.memory`, if set, is the starting state (and the first checkpoint) */
  options: RuntimeOptions
  /**
   * The starting state when it is still being read (a snapshot restore): the worker starts and
   * compiles the module meanwhile, and loads this once it resolves (undefined: fresh memory).
   * Overrides `options.memory`.
   */
  startFrom?: Promise<Uint8Array | SparseMemory | undefined>
  /** gateway URL for WeaveDrive reads, built into a data provider inside the runtime worker */
  weaveDriveGateway?: string
  spawnWorker: SpawnRuntimeWorker
  /** watchdog per message, ms (default 10 s) */
  timeoutMs?: number
  /** watchdog for loading a module or a snapshot and for taking one, ms (default 120 s) */
  loadTimeoutMs?: number
  /** take a checkpoint after this many memory-changing messages (default 1000) */
  checkpointEvery?: number
  onEvent?: (event: RuntimeHostEvent) => void
}

export type RuntimeHostEvent =
  | { type: 'ready'; generation: number; memoryByteLength: number; loadMs: number; compileMs: number }
  /** `ms`: the round trip; `workerMs`: the scan and copy inside the runtime worker */
  | { type: 'checkpoint'; afterMessages: number; bytes: number; ms: number; workerMs: number }
  | { type: 'timeout'; messageId: string | undefined; nonce: number | undefined; elapsedMs: number; timeoutMs: number }
  | { type: 'failed'; messageId: string | undefined; nonce: number | undefined; code: RuntimeErrorCode; message: string }
  | { type: 'restarted'; generation: number; replayed: number; ms: number }
  | { type: 'closed' }

export type HostOutcome =
  | { kind: 'result'; result: AoResult }
  /** the message left memory untouched: `runtime/timeout`, or a trap / lost worker */
  /** `weaveDrive`: the message failed because a WeaveDrive read could not reach the gateway */
  | { kind: 'error'; error: RuntimeError; elapsedMs: number; weaveDrive?: WeaveDriveFailure }

/** A call into the worker: its reply, or why there is none. */
type Call<T> = { done: true; reply: T } | { done: false; code: 'runtime/timeout' | 'runtime/terminated'; why: string }

const perfNow = () => performance.now()
const where = (msg: AoMessage) => `message ${msg.Id ?? '(no Id)'} (nonce ${msg.Nonce ?? '?'})`
const failureText = (c: Call<{ ok: boolean }>): string =>
  !c.done ? c.why : !c.reply.ok ? `${(c.reply as WorkerFailure).code}: ${(c.reply as WorkerFailure).message}` : 'ok'

export class RuntimeHost {
  private worker: RuntimeWorkerHandle | undefined
  private remote: Remote<RuntimeWorkerApi> | undefined
  private death: Promise<string> = new Promise(() => {})
  private generation = 0
  private checkpointMemory: Uint8Array | SparseMemory | undefined
  private startFrom: Promise<Uint8Array | SparseMemory | undefined> | undefined
  /** messages that changed memory since the checkpoint, replayed after a restart */
  private journal: { msg: AoMessage; env: AoEnv }[] = []
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private broken: RuntimeError | undefined
  private lastMemoryByteLength = 0
  private readonly timeoutMs: number
  private readonly loadTimeoutMs: number
  private readonly checkpointEvery: number

  private constructor(private readonly cfg: RuntimeHostConfig) {
    this.timeoutMs = cfg.timeoutMs ?? 10_000
    this.loadTimeoutMs = cfg.loadTimeoutMs ?? 120_000
    // A checkpoint copies and transfers the whole memory (~110 MB for aos, 50-190 ms), far more than
    // a message costs (~2 ms); the compute service also checkpoints through `snapshot()` by its
    // snapshot policy. 1000 messages bounds a watchdog replay to a couple of seconds.
    this.checkpointEvery = cfg.checkpointEvery ?? 1000
    this.checkpointMemory = cfg.options.memory
    this.startFrom = cfg.startFrom
  }

  static async start(cfg: RuntimeHostConfig): Promise<RuntimeHost> {
    const host = new RuntimeHost(cfg)
    await host.boot()
    return host
  }

  get memoryByteLength(): number {
    return this.lastMemoryByteLength
  }

  /** Restarts so far (each one after a timeout or a failed message). */
  get restarts(): number {
    return Math.max(0, this.generation - 1)
  }

  /** Evaluate one message; never throws for the message's own failures (see HostOutcome). */
  handle(msg: AoMessage, env: AoEnv): Promise<HostOutcome> {
    return this.enqueue(() => this.handleNow(msg, env))
  }

  /**
   * Take a checkpoint now and return it: the memory's non-zero pages (or the starting memory
   * when nothing changed it yet). The host keeps this same object: don't modify it.
   */
  snapshot(): Promise<Uint8Array | SparseMemory> {
    return this.enqueue(async () => {
      this.assertUsable()
      await this.checkpoint()
      if (!this.checkpointMemory) throw new RuntimeError('runtime/terminated', 'runtime host: no snapshot could be taken')
      return this.checkpointMemory
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.stopWorker()
    this.emit({ type: 'closed' })
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private emit(e: RuntimeHostEvent): void {
    this.cfg.onEvent?.(e)
  }

  private assertUsable(): void {
    if (this.closed) throw new RuntimeError('runtime/terminated', 'runtime host is closed')
    if (this.broken) throw this.broken
  }

  /** comlink's Remote<> mangles union return types; the methods already return promises */
  private get api(): RuntimeWorkerApi {
    return this.remote as unknown as RuntimeWorkerApi
  }

  /** Race a worker call against the watchdog and the worker's death. */
  private async call<T>(p: Promise<T>, ms: number): Promise<Call<T>> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const watchdog = new Promise<Call<T>>((resolve) => {
      timer = setTimeout(() => resolve({ done: false, code: 'runtime/timeout', why: `no reply within ${ms} ms` }), ms)
    })
    const died = this.death.then((why): Call<T> => ({ done: false, code: 'runtime/terminated', why }))
    try {
      return await Promise.race([p.then((reply): Call<T> => ({ done: true, reply })), watchdog, died])
    } finally {
      clearTimeout(timer)
    }
  }

  private async handleNow(msg: AoMessage, env: AoEnv): Promise<HostOutcome> {
    this.assertUsable()
    const t0 = perfNow()
    const c = await this.call(this.api.handle(msg, env), this.timeoutMs)
    const elapsedMs = perfNow() - t0
    if (!c.done && c.code === 'runtime/timeout') {
      this.emit({ type: 'timeout', messageId: msg.Id, nonce: msg.Nonce, elapsedMs, timeoutMs: this.timeoutMs })
      await this.restart()
      const error = new RuntimeError('runtime/timeout', `${where(msg)} ran longer than ${this.timeoutMs} ms: the runtime worker was terminated and restarted from the last good state; the message had no effect`)
      return { kind: 'error', error, elapsedMs }
    }
    if (!c.done || !c.reply.ok) {
      const code = !c.done ? c.code : (c.reply as WorkerFailure).code
      const message = failureText(c)
      this.emit({ type: 'failed', messageId: msg.Id, nonce: msg.Nonce, code, message })
      // after a trap the instance may be half-way through a call: never reuse it
      await this.restart()
      const weaveDrive = c.done && !c.reply.ok ? (c.reply as WorkerFailure).weaveDrive : undefined
      return { kind: 'error', error: new RuntimeError(code, `${where(msg)}: ${message}`), elapsedMs, ...(weaveDrive && { weaveDrive }) }
    }
    const reply = c.reply
    this.lastMemoryByteLength = reply.memoryByteLength
    // an Error result already rolled memory back inside the runtime: nothing to replay
    if (!isErrorResult(reply.result)) {
      this.journal.push({ msg, env })
      if (this.journal.length >= this.checkpointEvery) await this.checkpoint()
    }
    return { kind: 'result', result: reply.result }
  }

  private async checkpoint(): Promise<void> {
    const t0 = perfNow()
    const c = await this.call(this.api.sparseSnapshot(), this.loadTimeoutMs)
    if (!c.done || !c.reply.ok) {
      // the journal still leads from the previous checkpoint to the current state
      this.emit({ type: 'failed', messageId: undefined, nonce: undefined, code: !c.done ? c.code : (c.reply as WorkerFailure).code, message: `checkpoint failed: ${failureText(c)}` })
      if (!c.done) await this.restart()
      return
    }
    this.checkpointMemory = c.reply.memory
    const afterMessages = this.journal.length
    this.journal = []
    this.emit({ type: 'checkpoint', afterMessages, bytes: c.reply.memory.data.byteLength, ms: perfNow() - t0, workerMs: c.reply.ms })
  }

  private stopWorker(): void {
    this.remote?.[releaseProxy]()
    this.worker?.terminate()
    this.remote = undefined
    this.worker = undefined
  }

  private async boot(): Promise<void> {
    this.stopWorker()
    this.generation++
    const worker = this.cfg.spawnWorker()
    this.worker = worker
    this.death = new Promise((resolve) => worker.onDeath?.(resolve))
    this.remote = wrap<RuntimeWorkerApi>(worker.endpoint)
    // compile and instantiate in the worker while the starting state may still be read
    const fresh: RuntimeOptions = { ...this.cfg.options }
    delete fresh.memory
    const prepared = this.call(this.api.prepare(this.cfg.bytes, fresh, this.cfg.weaveDriveGateway), this.loadTimeoutMs)
    if (this.startFrom) {
      const from = this.startFrom
      this.startFrom = undefined
      try {
        this.checkpointMemory = await from
      } catch (e) {
        this.stopWorker()
        throw e
      }
    }
    const p = await prepared
    if (!p.done || !p.reply.ok) throw this.fatal(!p.done ? p.code : (p.reply as WorkerFailure).code, `compiling the module failed: ${failureText(p)}`)
    const options: RuntimeOptions = { ...this.cfg.options }
    if (this.checkpointMemory) options.memory = this.checkpointMemory
    else delete options.memory
    const c = await this.call(this.api.load(null, options, this.cfg.weaveDriveGateway), this.loadTimeoutMs)
    if (!c.done || !c.reply.ok) throw this.fatal(!c.done ? c.code : (c.reply as WorkerFailure).code, `loading the module failed: ${failureText(c)}`)
    this.lastMemoryByteLength = c.reply.memoryByteLength
    this.emit({ type: 'ready', generation: this.generation, memoryByteLength: c.reply.memoryByteLength, loadMs: c.reply.loadMs, compileMs: p.reply.compileMs })
  }

  /** New worker from the checkpoint, then replay the journal: the state before the bad message. */
  private async restart(): Promise<void> {
    const t0 = perfNow()
    await this.boot()
    for (const [i, { msg, env }] of this.journal.entries()) {
      const c = await this.call(this.api.handle(msg, env), this.timeoutMs)
      if (!c.done || !c.reply.ok) {
        throw this.fatal('runtime/terminated', `replaying ${where(msg)} (${i + 1} of ${this.journal.length} since the checkpoint) after a restart failed: ${failureText(c)}`)
      }
      this.lastMemoryByteLength = c.reply.memoryByteLength
    }
    this.emit({ type: 'restarted', generation: this.generation, replayed: this.journal.length, ms: perfNow() - t0 })
  }

  private fatal(code: RuntimeErrorCode, message: string): RuntimeError {
    this.stopWorker()
    this.broken = new RuntimeError(code, `runtime host: ${message}`)
    return this.broken
  }
}
