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
  ) {
    this.format = profile.format
    this.live = live
    this.journal = journal
  }

  static async start(module: WebAssembly.Module, profile: FormatProfile, options: RuntimeOptions, policy?: JournalPolicy): Promise<HotInstance> {
    const setup: InstanceSetup = { profile }
    if (options.memoryLimit !== undefined) setup.memoryLimit = options.memoryLimit
    if (options.dataProvider) setup.dataProvider = options.dataProvider
    if (options.extensions) setup.extensions = options.extensions
    const live = await ModuleInstance.create(module, setup)
    let journal: RollbackJournal
    if (options.memory) {
      loadSnapshotLikeTheCu(live, options.memory)
      journal = new RollbackJournal({ memory: undefined, byteLength: 0, clockNext: 0, fs: undefined }, policy)
      journal.take(live.heap.u8, live.ctx.clock.next, live.ctx.fs.clone(live.ctx.clock))
    } else {
      journal = new RollbackJournal({ memory: undefined, byteLength: live.heap.byteLength, clockNext: live.ctx.clock.next, fs: undefined }, policy)
    }
    return new HotInstance(module, profile, setup, live, journal)
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
      if (this.journal.due) this.journal.take(this.memoryView(), this.live.ctx.clock.next, this.live.ctx.fs.clone(this.live.ctx.clock))
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
      await this.rollback()
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
        await this.rollback()
        throw new RuntimeError('runtime/bad-output', `handle output for message ${String(msg.Id ?? '(no Id)')} is not JSON: ${raw.slice(0, 200)}`, { cause: e })
      }
      const response = parsed?.response
      if (typeof parsed !== 'object' || parsed === null || typeof response !== 'object' || response === null) {
        await this.rollback()
        throw new RuntimeError('runtime/bad-output', `handle output for message ${String(msg.Id ?? '(no Id)')} has no response object: ${raw.slice(0, 200)}`)
      }
      if (parsed.ok !== true) {
        // ao-loader throws the response here; the CU records it as an error and keeps the memory.
        await this.rollback()
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
        await this.rollback()
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
   * Back to the memory before the current message, on a fresh instance (as the CU drops it):
   * fresh JS state (clock, FS), memory rebuilt from the checkpoint plus replay.
   */
  private async rollback(): Promise<void> {
    const cp = this.journal.checkpoint
    const fresh = await ModuleInstance.create(this.module, this.setup)
    const freshClock = fresh.ctx.clock.next
    const freshFs = fresh.ctx.fs
    if (cp.memory) setMemoryExactly(fresh, cp.memory)
    fresh.ctx.clock.next = cp.clockNext
    fresh.ctx.fs = (cp.fs ?? freshFs).clone(fresh.ctx.clock)
    for (const e of this.journal.entries) {
      const out = await fresh.callHandle(e.msgJson, e.envJson, e.env)
      if (!out) throw new RuntimeError('runtime/trap', 'replay after rollback produced no output')
    }
    fresh.ctx.clock.next = freshClock
    fresh.ctx.fs = freshFs
    this.live = fresh
    // JS state is fresh now, unlike what a replay from the old checkpoint would give: restart it here.
    this.journal.take(fresh.heap.u8, fresh.ctx.clock.next, fresh.ctx.fs.clone(fresh.ctx.clock))
  }
}

/** Grow to exactly `bytes.byteLength` (whole pages) and copy it in: the journal's own restore. */
function setMemoryExactly(inst: ModuleInstance, bytes: Uint8Array): void {
  const h = inst.heap
  if (bytes.byteLength < h.byteLength) throw new RuntimeError('runtime/bad-snapshot', `checkpoint of ${bytes.byteLength} bytes is smaller than the module's initial memory of ${h.byteLength}`)
  if (bytes.byteLength > h.byteLength && !h.grow((bytes.byteLength - h.byteLength) / 65536)) {
    throw new RuntimeError('runtime/bad-snapshot', `cannot grow memory to ${bytes.byteLength} bytes`)
  }
  h.u8.set(bytes)
}

/**
 * How the reference loads a snapshot into a fresh instance: if it is larger than the heap,
 * `resizeHeap(snapshot.byteLength)` (the overgrowing policy), then HEAPU8.set(snapshot).
 */
function loadSnapshotLikeTheCu(inst: ModuleInstance, bytes: Uint8Array): void {
  if (bytes.byteLength % 65536 !== 0) throw new RuntimeError('runtime/bad-snapshot', `snapshot of ${bytes.byteLength} bytes is not a whole number of 64 KiB pages`)
  const h = inst.heap
  if (h.byteLength < bytes.byteLength) {
    const r = growHeap(h, bytes.byteLength, inst.ctx.profile.heapMax)
    if (!r.ok) throw new RuntimeError('runtime/bad-snapshot', `cannot grow memory to the snapshot's ${bytes.byteLength} bytes: ${r.reason ?? ''}`)
  }
  h.u8.set(bytes)
}

export { DEFAULT_JOURNAL_POLICY, CLOCK_START }
