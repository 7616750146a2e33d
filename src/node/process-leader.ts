/**
 * One evaluation per process across the tabs of this origin. The tab holding the Web Lock
 * `aolight.process.<id>` runs the compute worker (the leader); every other tab on that process
 * follows: it receives the leader's events on a BroadcastChannel and forwards its queries
 * (messages, dry-run, …) to the leader. When the leader closes the process or its tab goes away,
 * the browser releases the lock, the next waiting tab gets it and opens the process itself; the
 * compute service resumes from what the leader stored in IndexedDB (log, results, snapshots), so no
 * verified or evaluated work is lost.
 *
 * A query never fails because the leader changed: a tab that becomes leader runs its own pending
 * queries locally, and a new leader announces itself so that followers send their pending queries
 * (all read-only or idempotent) to it again. Closing a follower withdraws its place in the lock's
 * queue, so a closed view never holds the lock for a moment on its way out.
 */
import { NodeError, type NodeErrorInfo, type ProcessEvent, type ProcessHandle } from './contract'
import { EventLatch } from './event-latch'

type Method = 'messages' | 'message' | 'divergences' | 'dryRun' | 'clearCache'

/** The closed set of messages on a process's channel. */
export type ChannelMessage =
  | { kind: 'events'; events: ProcessEvent[] }
  | { kind: 'hello'; from: string }
  /** a tab just became the leader: followers say hello and send their pending calls again */
  | { kind: 'leader'; from: string }
  | { kind: 'replay'; to: string; events: ProcessEvent[] }
  | { kind: 'call'; from: string; callId: number; method: Method; args: unknown[] }
  | { kind: 'reply'; to: string; callId: number; ok: true; value: unknown }
  | { kind: 'reply'; to: string; callId: number; ok: false; error: NodeErrorInfo }

export interface SharedProcessOptions {
  locks?: LockManager | undefined
  channel?: (name: string) => BroadcastChannel
  /** how long a follower waits for the leader to answer a query */
  callTimeoutMs?: number
}

interface PendingCall {
  method: Method
  args: unknown[]
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
  timer: ReturnType<typeof setTimeout>
}

export const lockName = (id: string) => `aolight.process.${id}`

/** What a new subscriber (or tab) sees first (event-latch.ts), plus this tab's role. */
class Latch extends EventLatch {
  role: 'leader' | 'follower' | undefined
  override note(e: ProcessEvent): void {
    if (e.type === 'role') this.role = e.role
    else super.note(e)
  }
  /** without `role`: that one is per tab */
  shared(): ProcessEvent[] {
    return this.replay()
  }
}

function toInfo(e: unknown): NodeErrorInfo {
  if (e instanceof NodeError) return e.toInfo()
  return { code: 'network/unreachable', message: e instanceof Error ? e.message : String(e), details: {} }
}

/**
 * Opens process `id` once across tabs. `openLocal` opens it in this tab (the compute worker); it
 * runs when this tab holds the lock, now or after the leader goes away. Without Web Locks or
 * BroadcastChannel (old browsers) it simply opens locally.
 */
export async function openSharedProcess(id: string, openLocal: () => Promise<ProcessHandle>, opts: SharedProcessOptions = {}): Promise<ProcessHandle> {
  const locks = 'locks' in opts ? opts.locks : globalThis.navigator?.locks
  const makeChannel = opts.channel ?? (typeof BroadcastChannel === 'function' ? (n: string) => new BroadcastChannel(n) : undefined)
  if (!locks || !makeChannel) return openLocal()

  const me = Math.random().toString(36).slice(2) + Date.now().toString(36)
  const channel = makeChannel(lockName(id))
  const listeners = new Set<(e: ProcessEvent) => void>()
  const latch = new Latch()
  const pending = new Map<number, PendingCall>()
  let nextCall = 1
  let local: ProcessHandle | null = null
  let unsubscribeLocal: (() => void) | null = null
  let release: (() => void) | null = null
  let closed = false
  // Withdraws this tab's place in the lock queue when the handle closes before it got the lock.
  const queued = new AbortController()

  const deliver = (e: ProcessEvent) => {
    latch.note(e)
    for (const l of listeners) l(e)
  }
  const post = (m: ChannelMessage) => {
    if (!closed) channel.postMessage(m)
  }

  channel.onmessage = (ev: MessageEvent<ChannelMessage>) => {
    const m = ev.data
    if (local) {
      // Leader: answer hellos and calls; ignore other leaders' traffic (there is none: one lock).
      if (m.kind === 'hello') post({ kind: 'replay', to: m.from, events: latch.shared() })
      else if (m.kind === 'call') void answer(m)
      return
    }
    if (m.kind === 'events') for (const e of m.events) deliver(e)
    else if (m.kind === 'leader') {
      // The calls posted to the previous leader may never be answered: ask the new one.
      post({ kind: 'hello', from: me })
      for (const [callId, p] of pending) post({ kind: 'call', from: me, callId, method: p.method, args: p.args })
    } else if (m.kind === 'replay' && m.to === me) for (const e of m.events) deliver(e)
    else if (m.kind === 'reply' && m.to === me) {
      const p = pending.get(m.callId)
      if (!p) return
      pending.delete(m.callId)
      clearTimeout(p.timer)
      if (m.ok) p.resolve(m.value)
      else p.reject(NodeError.fromInfo(m.error))
    }
  }

  async function answer(m: Extract<ChannelMessage, { kind: 'call' }>): Promise<void> {
    try {
      const value = await invoke(local!, m.method, m.args)
      post({ kind: 'reply', to: m.from, callId: m.callId, ok: true, value })
    } catch (e) {
      post({ kind: 'reply', to: m.from, callId: m.callId, ok: false, error: toInfo(e) })
    }
  }

  /** Holds the lock while this tab evaluates; resolves (releasing it) on close. */
  async function lead(onOpen?: () => void): Promise<void> {
    if (closed) return
    const h = await openLocal()
    if (closed) {
      await h.close()
      return
    }
    local = h
    // Queries this tab sent to the old leader will not be answered: run them here.
    for (const [callId, p] of pending) {
      pending.delete(callId)
      clearTimeout(p.timer)
      invoke(h, p.method, p.args).then(p.resolve, p.reject)
    }
    post({ kind: 'leader', from: me })
    deliver({ type: 'role', role: 'leader' })
    unsubscribeLocal = h.subscribe((e) => {
      deliver(e)
      post({ kind: 'events', events: [e] })
    })
    onOpen?.()
    await new Promise<void>((resolve) => (release = resolve))
  }

  const first = await new Promise<'leader' | 'follower'>((resolve, reject) => {
    const fail = (e: unknown) => {
      closed = true
      channel.close()
      reject(e)
    }
    locks
      .request(lockName(id), { ifAvailable: true }, async (lock) => {
        if (!lock) return resolve('follower')
        try {
          // lead() holds the lock until close; we are the leader once the local handle is open
          await lead(() => resolve('leader'))
        } catch (e) {
          fail(e)
        }
      })
      .catch(fail)
  })

  if (first === 'follower') {
    deliver({ type: 'role', role: 'follower' })
    post({ kind: 'hello', from: me })
    // Wait behind the leader: when it goes, this tab takes over.
    locks
      .request(lockName(id), { signal: queued.signal }, async () => {
        try {
          await lead()
        } catch (e) {
          deliver({ type: 'status', status: { state: 'stopped', error: toInfo(e) } })
        }
      })
      .catch(() => undefined) // aborted by close(): nothing to do

  }

  const call = <T>(method: Method, args: unknown[]): Promise<T> => {
    if (closed) return Promise.reject(new NodeError('process/closed', `process ${id} is closed`, { processId: id }))
    if (local) return invoke(local, method, args) as Promise<T>
    const callId = nextCall++
    return new Promise<T>((resolve, reject) => {
      const timeoutMs = opts.callTimeoutMs ?? (method === 'dryRun' ? 120_000 : 30_000)
      const timer = setTimeout(() => {
        pending.delete(callId)
        reject(new NodeError('network/unreachable', `the tab running process ${id} did not answer ${method} within ${timeoutMs / 1000} s`, { processId: id, method }))
      }, timeoutMs)
      pending.set(callId, { method, args, resolve: resolve as (v: unknown) => void, reject, timer })
      post({ kind: 'call', from: me, callId, method, args })
    })
  }

  return {
    id,
    subscribe(listener) {
      for (const e of latch.shared()) listener(e)
      if (latch.role) listener({ type: 'role', role: latch.role })
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    messages: (o) => call('messages', [o]),
    message: (mid) => call('message', [mid]),
    divergences: () => call('divergences', []),
    dryRun: (req) => call('dryRun', [req]),
    clearCache: () => call('clearCache', []),
    async close() {
      if (closed) return
      closed = true
      queued.abort()
      listeners.clear()
      for (const p of pending.values()) {
        clearTimeout(p.timer)
        p.reject(new NodeError('process/closed', `process ${id} was closed before the tab running it answered`, { processId: id }))
      }
      pending.clear()
      unsubscribeLocal?.()
      try {
        await local?.close()
      } finally {
        local = null
        channel.close()
        release?.()
      }
    },
  }
}

function invoke(h: ProcessHandle, method: Method, args: unknown[]): Promise<unknown> {
  switch (method) {
    case 'messages': return h.messages(args[0] as Parameters<ProcessHandle['messages']>[0])
    case 'message': return h.message(args[0] as string)
    case 'divergences': return h.divergences()
    case 'dryRun': return h.dryRun(args[0] as Parameters<ProcessHandle['dryRun']>[0])
    case 'clearCache': return h.clearCache()
  }
}
