/**
 * The hot instance: `handle(msg, env)` on one live module instance, results decoded straight
 * from live memory, rollback on error through the journal, snapshots and page digests.
 */
import {
  RuntimeError, type AoEnv, type AoInstance, type AoMessage, type AoResult, type ModuleFormat, type RuntimeOptions,
} from './types'
import type { FormatProfile } from './format-profile'
import { ModuleInstance, type InstanceSetup } from './module-instance'
import { ModuleExit } from './import-context'
import { RollbackJournal, type JournalPolicy, DEFAULT_JOURNAL_POLICY } from './rollback-journal'
import { pageDigest, type PageDigest } from './page-digest'
import { isSparseMemory, sparseOfMemory, toSparse, writeSparse, type SparseMemory } from './sparse-memory'
import { nonZeroPages } from './memory-pages'
import { simdNonZeroPages } from './zero-page-scan'
import type { MemFs } from './memfs'
import { growHeap } from './heap-growth'
import { CLOCK_START } from './deterministic-clock'
import { JsonMemo } from './json-memo'

const NOT_ENOUGH_MEMORY = 'not enough memory for buffer allocation'

/** The CU keeps the previous memory when the result has Error or this output. */
export function isErrorResult(r: AoResult): boolean {
  if (r.Error !== undefined && r.Error !== null && r.Error !== '') return true
  const o = r.Output as unknown
  const text = typeof o === 'string' ? o : typeof o === 'object' && o !== null ? (o as { data?: unknown }).data : undefined
  return typeof text === 'string' && text.endsWith(NOT_ENOUGH_MEMORY)
}

export interface AoRuntimeInstance extends AoInstance {
  /** Fingerprints of each 64 KiB page (0 = all zeros), for incremental snapshots. */
  pageDigest(): PageDigest
  /** Messages evaluated on this instance since it was loaded. */
  readonly messagesHandled: number
  /** The memory's non-zero pages (a scan of the whole memory and a copy of ~2 MB for aos). */
  sparseSnapshot(): SparseMemory
}

/** A fresh instance started ahead of its snapshot, and the pages its start-up left non-zero. */
export interface SpareInstance {
  live: ModuleInstance
  format: ModuleFormat
  nonZero: number[]
}

function setupOf(profile: FormatProfile, options: RuntimeOptions): InstanceSetup {
  const setup: InstanceSetup = { profile }
  if (options.memoryLimit !== undefined) setup.memoryLimit = options.memoryLimit
  if (options.dataProvider) setup.dataProvider = options.dataProvider
  if (options.extensions) setup.extensions = options.extensions
  return setup
}

/** The JS-side state of a freshly started instance, which the CU's instance after an error has. */
interface FreshJs {
  clockNext: number
  fs: MemFs
}

export class HotInstance implements AoRuntimeInstance {
  readonly format: ModuleFormat
  private live: ModuleInstance
  private journal: RollbackJournal
  private handled = 0
  private busy = false
  /** the env is the same for every message of a process: encode it once */
  private readonly envMemo = new JsonMemo()

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly profile: FormatProfile,
    private readonly setup: InstanceSetup,
    live: ModuleInstance,
    journal: RollbackJournal,
    private readonly fresh: FreshJs,
  ) {
    this.format = profile.format
    this.live = live
    this.journal = journal
  }

  /**
   * A fresh instance made ahead of `start` (while the snapshot to load is still being read), with
   * the pages its start-up left non-zero, so loading a sparse snapshot into it needs no scan.
   */
  static async spare(module: WebAssembly.Module, profile: FormatProfile, options: RuntimeOptions): Promise<SpareInstance> {
    const live = await ModuleInstance.create(module, setupOf(profile, options))
    // SIMD scan when the engine runs it: this overlaps the snapshot's decompression on a 2-core machine
    return { live, format: profile.format, nonZero: simdNonZeroPages(live.heap.memory, live.heap.memory64) ?? nonZeroPages(live.heap.u8) }
  }

  static async start(module: WebAssembly.Module, profile: FormatProfile, options: RuntimeOptions, policy?: JournalPolicy, spare?: SpareInstance): Promise<HotInstance> {
    const setup = setupOf(profile, options)
    const live = spare && spare.format === profile.format ? spare.live : await ModuleInstance.create(module, setup)
    const known = spare && live === spare.live ? spare.nonZero : undefined
    const fresh: FreshJs = { clockNext: live.ctx.clock.next, fs: live.ctx.fs.clone(live.ctx.clock) }
    let journal: RollbackJournal
    if (options.memory) {
      // the loaded snapshot is the first checkpoint: no copy of the memory at load
      const memory = loadSnapshotLikeTheCu(live, options.memory, known)
      journal = new RollbackJournal({ memory, byteLength: live.heap.byteLength, clockNext: live.ctx.clock.next, fs: live.ctx.fs.clone(live.ctx.clock) }, policy)
    } else {
      journal = new RollbackJournal({ memory: undefined, byteLength: live.heap.byteLength, clockNext: live.ctx.clock.next, fs: undefined }, policy)
    }
    return new HotInstance(module, profile, setup, live, journal, fresh)
  }

  get memoryByteLength(): number {
    return this.live.heap.byteLength
  }

  get messagesHandled(): number {
    return this.handled
  }

  memoryView(): Uint8Array {
    this.live.heap.check()
    return this.live.heap.u8
  }

  snapshot(): Uint8Array {
    return this.memoryView().slice()
  }

  sparseSnapshot(): SparseMemory {
    const h = this.live.heap
    h.check()
    return sparseOfMemory(h.memory, h.memory64)
  }

  pageDigest(): PageDigest {
    return pageDigest(this.memoryView())
  }

  handle(msg: AoMessage, env: AoEnv): Promise<AoResult> {
    if (this.busy) return Promise.reject(new RuntimeError('runtime/terminated', 'handle called while another handle is running on this instance'))
    let msgJson: string, envJson: string
    try {
      msgJson = JSON.stringify(msg)
      envJson = this.envMemo.stringify(env)
    } catch (e) {
      return Promise.reject(new RuntimeError('runtime/bad-output', `message ${String(msg.Id ?? '(no Id)')} or its env cannot be JSON-encoded: ${String(e)}`, { cause: e }))
    }
    try {
      if (this.journal.due) this.journal.take(() => this.sparseSnapshot(), this.live.ctx.clock.next, this.live.ctx.fs.clone(this.live.ctx.clock))
    } catch (e) {
      // no checkpoint, no message: the state is untouched and the next call will try again
      return Promise.reject(new RuntimeError('runtime/memory-limit', `taking a rollback checkpoint before message ${String(msg.Id ?? '(no Id)')} failed: ${String(e)}`, { cause: e }))
    }
    this.busy = true
    const t0 = performance.now()
    let raw: string | Promise<string>
    try {
      this.live.ctx.lastGrowFailure = undefined
      raw = this.live.callHandle(msgJson, envJson, env)
    } catch (e) {
      return this.trapped(msg, e)
    }
    // The common case (no async import) stays synchronous up to here: no promise per layer.
    if (typeof raw === 'string') return this.settle(msg, msgJson, envJson, env, raw, performance.now() - t0)
    return raw.then(
      (r) => this.settle(msg, msgJson, envJson, env, r, performance.now() - t0),
      (e: unknown) => this.trapped(msg, e),
    )
  }

  /** The module trapped, exited or aborted: roll back, then report it as a RuntimeError. */
  private async trapped(msg: AoMessage, e: unknown): Promise<never> {
    try {
      // the trapped call never returned: its stack pointer and other globals are unknown, so fresh
      await this.rollback(false)
    } finally {
      this.busy = false
    }
    if (e instanceof RuntimeError) throw e
    const what = e instanceof ModuleExit ? e.message : String(e)
    throw new RuntimeError('runtime/trap', `module trapped in handle for message ${String(msg.Id ?? '(no Id)')}: ${what}`, { cause: e })
  }

  /** Parse the module's JSON answer; keep the memory, or roll back as the CU does. */
  private async settle(msg: AoMessage, msgJson: string, envJson: string, env: AoEnv, raw: string, ms: number): Promise<AoResult> {
    try {
      let parsed: { ok?: unknown; response?: AoResult }
      try {
        parsed = JSON.parse(raw) as typeof parsed
      } catch (e) {
        await this.rollback(true)
        throw new RuntimeError('runtime/bad-output', `handle output for message ${String(msg.Id ?? '(no Id)')} is not JSON: ${raw.slice(0, 200)}`, { cause: e })
      }
      const response = parsed?.response
      if (typeof parsed !== 'object' || parsed === null || typeof response !== 'object' || response === null) {
        await this.rollback(true)
        throw new RuntimeError('runtime/bad-output', `handle output for message ${String(msg.Id ?? '(no Id)')} has no response object: ${raw.slice(0, 200)}`)
      }
      if (parsed.ok !== true) {
        // ao-loader throws the response here; the CU records it as an error and keeps the memory.
        await this.rollback(true)
        return { Output: response.Output ?? '', Messages: [], Spawns: [], Assignments: [], Error: response.Error ?? response }
      }
      const result: AoResult = {
        Output: response.Output,
        Messages: response.Messages,
        Spawns: response.Spawns,
        Assignments: response.Assignments,
        Patches: response.Patches ?? [],
      }
      if (response.Error !== undefined) result.Error = response.Error
      if (isErrorResult(result)) {
        await this.rollback(true)
        return result
      }
      this.journal.add({ msgJson, envJson, env }, ms)
      this.handled++
      return result
    } finally {
      this.busy = false
    }
  }

  /**
   * Back to the memory before the current message, with fresh JS state (clock, FS) as the CU's
   * new instance has: the checkpoint's pages written back, then the journal replayed. After a
   * message that returned normally (an Error result) the live instance is reused when its memory
   * has the checkpoint's size (its globals are as before the call); otherwise (a trap, a memory
   * that grew) a fresh instance is started from the checkpoint.
   */
  private async rollback(inPlace: boolean): Promise<void> {
    const t0 = performance.now()
    const cp = this.journal.checkpoint
    let inst: ModuleInstance
    if (inPlace && cp.memory && this.live.heap.byteLength === cp.byteLength) {
      inst = this.live
      inst.heap.check()
      writeSparse(inst.heap.u8, cp.memory)
    } else {
      inst = await ModuleInstance.create(this.module, this.setup)
      if (cp.memory) setMemoryExactly(inst, cp.memory)
    }
    const freshJs = (): void => {
      inst.ctx.clock.next = this.fresh.clockNext
      inst.ctx.fs = this.fresh.fs.clone(inst.ctx.clock)
    }
    inst.ctx.clock.next = cp.clockNext
    inst.ctx.fs = (cp.fs ?? this.fresh.fs).clone(inst.ctx.clock)
    for (const e of this.journal.entries) {
      if (e.kind === 'fresh-js') {
        freshJs()
        continue
      }
      const out = await inst.callHandle(e.msgJson, e.envJson, e.env)
      if (!out) throw new RuntimeError('runtime/trap', 'replay after rollback produced no output')
    }
    freshJs()
    this.live = inst
    this.journal.rolledBack(performance.now() - t0)
  }
}

/** Grow to exactly `bytes.byteLength` (whole pages) and copy it in: the journal's own restore. */
function setMemoryExactly(inst: ModuleInstance, memory: SparseMemory): void {
  const h = inst.heap
  if (memory.byteLength < h.byteLength) throw new RuntimeError('runtime/bad-snapshot', `checkpoint of ${memory.byteLength} bytes is smaller than the module's initial memory of ${h.byteLength}`)
  if (memory.byteLength > h.byteLength && !h.grow((memory.byteLength - h.byteLength) / 65536)) {
    throw new RuntimeError('runtime/bad-snapshot', `cannot grow memory to ${memory.byteLength} bytes`)
  }
  writeSparse(h.u8, memory)
}

/**
 * How the reference loads a snapshot into a fresh instance: if it is larger than the heap,
 * `resizeHeap(snapshot.byteLength)` (the overgrowing policy), then HEAPU8.set(snapshot). A sparse
 * snapshot writes only its pages and clears the fresh instance's other non-zero pages: the same
 * bytes, without touching the ~98% of aos's memory that is zero. Returns the loaded memory as a
 * sparse memory (the first rollback checkpoint).
 */
function loadSnapshotLikeTheCu(inst: ModuleInstance, snap: Uint8Array | SparseMemory, knownNonZero?: readonly number[]): SparseMemory {
  const len = snap.byteLength
  if (len % 65536 !== 0) throw new RuntimeError('runtime/bad-snapshot', `snapshot of ${len} bytes is not a whole number of 64 KiB pages`)
  const h = inst.heap
  const initial = h.byteLength
  if (initial < len) {
    const r = growHeap(h, len, inst.ctx.profile.heapMax)
    if (!r.ok) throw new RuntimeError('runtime/bad-snapshot', `cannot grow memory to the snapshot's ${len} bytes: ${r.reason ?? ''}`)
  }
  if (!isSparseMemory(snap)) {
    h.u8.set(snap)
    return toSparse(h.u8)
  }
  writeSparse(h.u8, snap, knownNonZero)
  // Grown pages past the snapshot are zero; a fresh memory longer than the snapshot keeps its tail.
  return initial <= len ? { ...snap, byteLength: h.byteLength } : toSparse(h.u8)
}

export { DEFAULT_JOURNAL_POLICY, CLOCK_START }
