/**
 * One open process as rune state: folds the handle's event stream into what the process views show
 * (status, summary, per-phase progress, a throughput history, the message log, divergences), and
 * lets the console wait for the result of a message it sent.
 */
import {
  NodeError,
  type CrankSummary,
  type Divergence,
  type LoggedMessage,
  type MessageResult,
  type NodeErrorInfo,
  type Phase,
  type PhaseProgress,
  type ProcessEvent,
  type ProcessHandle,
  type ProcessStatus,
  type ProcessSummary,
} from '../../node/contract'
import { compareNewestFirst } from '../log-order'
import { addWarning, NO_WARNINGS, type SessionWarnings } from '../session-warnings'
import { evaluating } from '../process-progress'
import { client } from './client'

const THROUGHPUT_SAMPLES = 60
const LOG_LIMIT = 200
/** reading the stored log again after a failure (e.g. the leader tab changed meanwhile), ms */
const LOG_RETRY_MS = [500, 1500, 4000]

/** Newest first, cron ticks among the messages where they happened (log-order.ts). */
function sortLog(ms: LoggedMessage[]): LoggedMessage[] {
  return ms.sort(compareNewestFirst).slice(0, LOG_LIMIT)
}

export class ProcessSession {
  readonly id: string
  opening = $state(true)
  /** why the process could not be opened (the compute unit may be missing: code `node/unavailable`) */
  openError = $state<NodeError | null>(null)
  status = $state<ProcessStatus | null>(null)
  summary = $state<ProcessSummary | null>(null)
  progress = $state<Partial<Record<Phase, PhaseProgress>>>({})
  /** evaluated messages per second, one sample per second */
  throughput = $state<number[]>([])
  messages = $state<LoggedMessage[]>([])
  divergences = $state<Divergence[]>([])
  /** the cached-copy warning on its own (never scrolled away) and the other warnings, folded */
  #warnings = $state.raw<SessionWarnings>(NO_WARNINGS)
  /** whether this tab runs the evaluation or follows the tab that does */
  role = $state<'leader' | 'follower' | null>(null)
  /** what cranking the results of messages this tab sent pushed (newest last) */
  cranks = $state<CrankSummary[]>([])
  /** why the session re-opened by itself (cache cleared in another tab, network back), shown once */
  notice = $state<string | null>(null)
  /** re-opening because the network came back */
  reconnecting = $state(false)

  // Raw state: views read `handle` (the clear-cache button), and a handle must not be deep-proxied.
  #handle = $state.raw<ProcessHandle | null>(null)
  #unsubscribe: (() => void) | null = null
  #timer: ReturnType<typeof setInterval> | null = null
  #waiters = new Map<string, (r: MessageResult) => void>()
  #crankWaiters = new Map<string, (c: CrankSummary) => void>()
  #closed = false
  #stopWatching: (() => void) | null = null

  constructor(id: string) {
    this.id = id
  }

  /**
   * Shown from the cache or not open because the network did not answer: an `offline` status
   * whose cached-copy warning says unreachable (not "the network forgot it"), or a stop on
   * `network/unreachable`. Such a session re-opens when the network comes back.
   */
  get waitingForNetwork(): boolean {
    if (this.status?.state === 'offline') {
      const copy = this.#warnings.cachedCopy
      return copy === null || copy.code === 'network/unreachable'
    }
    const failure = this.status?.state === 'stopped' ? this.status.error : this.openError?.toInfo()
    return failure?.code === 'network/unreachable'
  }

  /**
   * Re-opens a session that waits for the network (see `waitingForNetwork`): locates the SU,
   * syncs what is new, cross-checks. The cache is kept (a re-open starts from it); on no answer
   * the session is shown from the cache again. `why` is shown once it re-opened.
   */
  async reconnect(why: string): Promise<void> {
    if (this.reconnecting || this.#closed || this.opening || !this.waitingForNetwork) return
    this.reconnecting = true
    try {
      await this.retry()
      this.notice = why
    } finally {
      this.reconnecting = false
    }
  }

  /** Re-open on the browser's `online` event and when another tab clears this process's cache. */
  #watch(): void {
    if (this.#stopWatching) return
    const online = () => void this.reconnect('Back online: re-connected to the network.')
    const offCleared = client.onCacheClearedElsewhere((pid) => {
      if (pid !== this.id || this.#closed) return
      void this.retry().then(() => {
        this.notice = 'The cache of this process was cleared in another tab: it is re-verified from the network.'
      })
    })
    if (typeof window !== 'undefined') window.addEventListener('online', online)
    this.#stopWatching = () => {
      offCleared()
      if (typeof window !== 'undefined') window.removeEventListener('online', online)
    }
  }

  /** why the cached copy is shown, when it is */
  get cachedCopyWarning(): NodeErrorInfo | null {
    return this.#warnings.cachedCopy
  }

  /** the other warnings, newest last (a CU failing many cross-checks is one counted warning) */
  get warnings(): readonly NodeErrorInfo[] {
    return this.#warnings.list
  }

  #warn(w: NodeErrorInfo): void {
    this.#warnings = addWarning(this.#warnings, w)
  }

  get handle(): ProcessHandle | null {
    return this.#handle
  }

  async open(): Promise<void> {
    this.opening = true
    this.#watch()
    try {
      const handle = await client.openProcess(this.id)
      if (this.#closed) {
        await handle.close()
        return
      }
      this.#handle = handle
      this.#unsubscribe = handle.subscribe((e) => this.#apply(e))
      this.#timer = setInterval(() => this.#sample(), 1000)
      void this.loadLog()
    } catch (e) {
      this.openError =
        e instanceof NodeError ? e : new NodeError('network/unreachable', `Opening process ${this.id} failed: ${String(e)}`, {}, { cause: e })
    } finally {
      this.opening = false
    }
  }

  /**
   * Reads the newest page of the log from the store (events only carry what changes from now on).
   * A failure is tried again a few times (a tab taking over as leader answers after a moment); a
   * process that stopped already says why in its status, so its log failure is not repeated.
   */
  async loadLog(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const h = this.#handle
      if (!h || this.#closed) return
      try {
        const page = await h.messages({ limit: LOG_LIMIT })
        const live = new Map(this.messages.map((m) => [m.id, m]))
        for (const m of page.messages) if (!live.has(m.id)) live.set(m.id, m)
        this.messages = sortLog([...live.values()])
        return
      } catch (e) {
        if (this.status?.state === 'stopped' || this.#closed || h !== this.#handle) return
        const wait = LOG_RETRY_MS[attempt]
        if (wait !== undefined) {
          await new Promise((r) => setTimeout(r, wait))
          continue
        }
        // Not fatal: live events still fill the log. Say why the history is missing.
        const info = e instanceof NodeError ? e.toInfo() : { code: 'network/unreachable' as const, message: String(e), details: {} }
        this.#warn({ ...info, message: `Could not read the stored log: ${info.message}` })
        return
      }
    }
  }

  /**
   * Opens the process again from scratch (after it stopped, or once the settings point at the
   * network that has it): the old handle is closed, what was shown is cleared.
   */
  async retry(): Promise<void> {
    // The client shuts a stopped process at once (no linger), so this reopens it afresh.
    await this.#teardown()
    this.#closed = false
    this.openError = null
    this.status = null
    this.summary = null
    this.progress = {}
    this.throughput = []
    this.messages = []
    this.divergences = []
    this.#warnings = NO_WARNINGS
    this.role = null
    this.notice = null
    await this.open()
  }

  #apply(e: ProcessEvent): void {
    switch (e.type) {
      case 'role':
        // A follower that takes over reads the log again from the store the old leader filled.
        if (this.role === 'follower' && e.role === 'leader') void this.loadLog()
        this.role = e.role
        break
      case 'crank':
        this.cranks = [...this.cranks.slice(-19), e.crank]
        this.#crankWaiters.get(e.crank.messageId)?.(e.crank)
        break
      case 'status':
        this.status = e.status
        break
      case 'summary':
        this.summary = e.summary
        break
      case 'progress':
        this.progress = { ...this.progress, [e.progress.phase]: e.progress }
        break
      case 'message': {
        const m = e.message
        const rest = this.messages.filter((x) => x.id !== m.id)
        this.messages = sortLog([m, ...rest])
        if (m.result) {
          this.#waiters.get(m.id)?.(m.result)
          this.#evaluatedSinceSample = true
        }
        break
      }
      case 'divergence':
        this.divergences = [...this.divergences, e.divergence]
        break
      case 'warning':
        this.#warn(e.error)
        break
    }
  }

  /** results arrived since the last sample (a burst shorter than a sample still shows its rate) */
  #evaluatedSinceSample = false

  #sample(): void {
    // The meter keeps its last rate once evaluation ends; the chart shows what runs now, and a
    // run that started and ended between two samples once (else its peak would read 0 msg/s).
    const ran = evaluating(this.status) || this.#evaluatedSinceSample
    this.#evaluatedSinceSample = false
    const rate = ran ? (this.progress.evaluate?.ratePerSecond ?? 0) : 0
    this.throughput = [...this.throughput.slice(-(THROUGHPUT_SAMPLES - 1)), rate]
  }

  /** Resolves when the node has evaluated message `id` (e.g. one the console just sent). */
  resultFor(id: string, timeoutMs = 120_000): Promise<MessageResult> {
    const known = this.messages.find((m) => m.id === id)?.result
    if (known) return Promise.resolve(known)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id)
        reject(new NodeError('process/evaluation-failed', `No result for message ${id} after ${timeoutMs / 1000} s.`, { messageId: id }))
      }, timeoutMs)
      this.#waiters.set(id, (r) => {
        clearTimeout(timer)
        this.#waiters.delete(id)
        resolve(r)
      })
    })
  }

  /** Resolves with what cranking message `id`'s result pushed (when this tab cranks). */
  crankFor(id: string, timeoutMs = 60_000): Promise<CrankSummary | null> {
    const known = this.cranks.find((c) => c.messageId === id)
    if (known) return Promise.resolve(known)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#crankWaiters.delete(id)
        resolve(null)
      }, timeoutMs)
      this.#crankWaiters.set(id, (c) => {
        clearTimeout(timer)
        this.#crankWaiters.delete(id)
        resolve(c)
      })
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#stopWatching?.()
    this.#stopWatching = null
    await this.#teardown()
  }

  async #teardown(): Promise<void> {
    this.#unsubscribe?.()
    this.#unsubscribe = null
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    const h = this.#handle
    this.#handle = null
    await h?.close()
  }
}
