/**
 * The one `NodeClient` the app uses: compute from node-client.ts (one compute worker per open
 * process, shared across tabs by process-leader.ts), wallet / send / spawn from relay-client.ts
 * (relay worker), settings held by node-client and pushed to the relay when they change.
 *
 * "Crank here" (on, with the SU route): when this tab sees the result of a message it sent, it hands the result's outbox to
 * its relay (which pushes Messages/Spawns/Assignments to the targets' SUs, idempotently) and reports
 * what happened as a `crank` event on the process. The relay is loaded lazily (its own chunk), so
 * the first paint does not wait for signing code.
 */
import {
  NodeError, type Capabilities, type Capability, type CronMonitorState, type CrankSummary, type DryRunRequest, type LightNodeClient, type LoggedMessage, type MessageResult,
  type PendingSendChange, type ProcessEvent, type ProcessHandle, type ProcessSummary, type SendReceipt, type SendRequest, type Settings,
  type SpawnReceipt, type SpawnRequest, type WalletState,
} from './contract'
import { createNodeClient, type NodeClientOptions } from './node-client'
import { openSharedProcess, type SharedProcessOptions } from './process-leader'
import type { RelayClient } from './relay-client'
import type { OutboxResult } from '../relay/crank'
import type { QueueEvent } from '../relay/send-queue'
import type { KeyValueStorage } from './settings'

export interface AppClient extends LightNodeClient {
  /** set when saved settings could not be read at start-up and defaults were used */
  readonly settingsProblem: string | null
  /** resolves once the relay has started (or failed to: then `capabilities.relay` says why) */
  readonly relayReady: Promise<void>
  /**
   * `send`, reporting the item's way through the outgoing queue as it happens: `signing` (the
   * wallet is asked), then the queue's events for this item (`queued`, `retry`, `sent`, `refused`,
   * `assigned`, …). Resolves like `send`, once the item was accepted by the MU or SU.
   */
  sendTracked(request: SendRequest, onProgress: (p: SendProgress) => void): Promise<SendReceipt>
  /**
   * Called with a process id when another tab of this browser cleared that process's cache (its
   * open views must re-open it: the stored log they read from is gone). Returns the unsubscribe.
   */
  onCacheClearedElsewhere(listener: (processId: string) => void): () => void
}

/** Tabs tell each other which process caches they cleared (same origin, same IndexedDB). */
const CACHE_CLEARED_CHANNEL = 'aolight.cache-cleared.v1'
/** Tabs tell each other of changes in the shared outgoing queue, so every tab's pending list is live. */
const SENDS_CHANNEL = 'aolight.sends.v1'
const SEND_CHANGE_TYPES: ReadonlySet<string> = new Set(['queued', 'sent', 'retry', 'refused', 'superseded', 'uploaded', 'assigned', 'cancelled'])

/** A change another tab posted, checked (the channel is same-origin, but its data is untyped). */
function readSendChange(data: unknown): PendingSendChange | null {
  const c = data as { type?: unknown; id?: unknown; target?: unknown } | null
  if (!c || typeof c.type !== 'string' || !SEND_CHANGE_TYPES.has(c.type) || typeof c.id !== 'string' || typeof c.target !== 'string') return null
  return c as PendingSendChange
}

/** One step of a tracked send. */
export type SendProgress = { type: 'signing' } | QueueEvent

export interface AppClientOptions {
  storage?: KeyValueStorage
  compute?: NodeClientOptions
  /** starts the relay (default: relay-client.ts over a new relay worker, loaded lazily) */
  startRelay?: (settings: Settings) => Promise<RelayClient>
  shared?: SharedProcessOptions
  /** how long a process stays open after its last view closed (default 10 s; 0 closes at once) */
  lingerMs?: number
}

interface OpenEntry {
  handle: Promise<ProcessHandle>
  /** views holding it */
  users: number
  /** the pending close once no view holds it */
  linger: ReturnType<typeof setTimeout> | undefined
  /**
   * its last status was `stopped` or `offline`: reopening must start afresh (a retry, or a
   * reconnect once the network is back), so it does not linger
   */
  stopped?: boolean
}

/**
 * This tab pushes outboxes only for items it posted straight to the SU: an MU cranks what it
 * received itself, and a second push of the same outbox relies on the SU's deep-hash dedupe, which
 * the devnet showed does not always match (see the report of helper 15), so it could double-deliver.
 */
export function cranksHere(s: Settings): boolean {
  return s.crank && s.relayRoute === 'su'
}

const NO_CU = 'No CU to cross-check with: add one under Settings → Cross-check CUs.'
const NO_BROWSER_WALLET = 'No browser wallet found (window.arweaveWallet). Install Wander or ArConnect, or import a keyfile.'

async function defaultRelay(settings: Settings): Promise<RelayClient> {
  const [{ RelayClient, settingsStoreKv }, { KeyfileVault }] = await Promise.all([import('./relay-client'), import('../relay/keyfile-vault')])
  // A remembered keyfile is kept only encrypted, in the app's IndexedDB settings store.
  return RelayClient.start(settings, { route: settings.relayRoute, vault: new KeyfileVault(settingsStoreKv()) })
}

/** Per-process cron choices and the processes spawned from this browser (small: ids only). */
const CRON_CHOICES_KEY = 'aolight.cron-monitor.v1'
const SPAWNED_KEY = 'aolight.spawned.v1'
const MAX_SPAWNED_REMEMBERED = 200

function readJson<T>(storage: KeyValueStorage | undefined, key: string, fallback: T): T {
  try {
    const text = storage?.getItem(key)
    return text ? (JSON.parse(text) as T) : fallback
  } catch {
    return fallback
  }
}

function writeJson(storage: KeyValueStorage | undefined, key: string, value: unknown): void {
  try {
    storage?.setItem(key, JSON.stringify(value))
  } catch {
    // A full or blocked storage only loses a preference.
  }
}

function defaultStorage(): KeyValueStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage
  } catch {
    return undefined
  }
}

/** A queue event as the contract's plain change (no upload receipts or relay types in the UI). */
function queueChange(e: QueueEvent): PendingSendChange {
  switch (e.type) {
    case 'assigned':
      return e.afterCancel ? { type: 'assigned', id: e.id, target: e.target, nonce: e.nonce, afterCancel: true } : { type: 'assigned', id: e.id, target: e.target, nonce: e.nonce }
    case 'cancelled':
      return { type: 'cancelled', id: e.id, target: e.target, discarded: e.discarded, attempts: e.attempts }
    default:
      return { type: e.type, id: e.id, target: e.target }
  }
}

export function createAppClient(opts: AppClientOptions = {}): AppClient {
  const compute = createNodeClient({ ...opts.compute, ...(opts.storage && { storage: opts.storage }) })
  const kv = opts.storage ?? defaultStorage()
  let relay: RelayClient | null = null
  let relayProblem: string | null = null
  let wallet: WalletState = { kind: 'none' }
  const walletListeners = new Set<(s: WalletState) => void>()
  const setWallet = (s: WalletState) => {
    wallet = s
    for (const l of walletListeners) l(s)
  }

  /** Tracked sends: per item id once known; `claims` are sends whose item is being signed, by target. */
  const tracked = new Map<string, (p: SendProgress) => void>()
  const claims: { target: string; onProgress: (p: SendProgress) => void; claimed: (id: string) => void }[] = []
  const sendListeners = new Set<(c: PendingSendChange) => void>()
  // One channel per tab: a tab does not receive its own posts.
  const sendsChannel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(SENDS_CHANNEL) : null
  if (sendsChannel) {
    sendsChannel.onmessage = (ev: MessageEvent<unknown>) => {
      const change = readSendChange(ev.data)
      if (change) for (const l of sendListeners) l(change)
    }
  }
  const onQueue = (e: QueueEvent) => {
    const change = queueChange(e)
    for (const l of sendListeners) l(change)
    try {
      sendsChannel?.postMessage(change)
    } catch {
      // other tabs' lists then update on their next load
    }
    if (e.type === 'queued' && !tracked.has(e.id)) {
      // The first item queued for a target after its tracked send started signing is that send's
      // item (a send signs one item and queues it at once; its id is unknown until signed).
      const i = claims.findIndex((c) => c.target === e.target)
      if (i >= 0) {
        const [c] = claims.splice(i, 1)
        tracked.set(e.id, c!.onProgress)
        c!.claimed(e.id)
      }
    }
    tracked.get(e.id)?.(e)
  }

  const relayReady: Promise<void> = (opts.startRelay ?? defaultRelay)(compute.settings.get()).then(
    async (r) => {
      relay = r
      await r.onQueue(onQueue).catch(() => undefined)
      r.subscribe(setWallet)
      if (r.state().kind !== 'none') setWallet(r.state())
    },
    (e: unknown) => {
      relayProblem = `The relay (signing and posting messages) did not start: ${e instanceof Error ? e.message : String(e)}`
    },
  )
  const needRelay = async (): Promise<RelayClient> => {
    await relayReady
    if (!relay) throw new NodeError('node/unavailable', relayProblem ?? 'The relay is not running.', { capability: 'relay' })
    return relay
  }

  compute.settings.subscribe((s) => {
    if (relay) void relay.configure(s, s.relayRoute).catch(() => undefined)
  })

  /**
   * Messages this tab sent, and those its crank pushed to a process this tab has open, per target,
   * until their result has been cranked here: the tab's own evaluation of a pushed hop drives the
   * next hop (the relay also walks on from the CU's result; its per-key records push each hop once).
   */
  const sent = new Map<string, string>()

  function summaryOrigin(summary: ProcessSummary | null, m: LoggedMessage) {
    return {
      processId: summary?.id ?? '',
      moduleId: summary?.moduleId ?? '',
      schedulerAddress: summary?.tags.find((t) => t.name === 'Scheduler')?.value ?? '',
      messageId: m.id,
      pushedFor: m.tags.find((t) => t.name === 'Pushed-For')?.value ?? m.id,
    }
  }

  /** Adds "crank here" and assignment reports to a process handle. */
  function withCrank(inner: ProcessHandle): ProcessHandle {
    const extra = new Set<(e: ProcessEvent) => void>()
    let summary: ProcessSummary | null = null
    const emit = (e: ProcessEvent) => extra.forEach((l) => l(e))
    const unsubscribe = inner.subscribe((e) => {
      if (e.type === 'summary') summary = e.summary
      if (e.type !== 'message' || !sent.has(e.message.id)) return
      const m = e.message
      if (m.nonce !== null) void relay?.observeAssigned(m.id, m.nonce).catch(() => undefined)
      if (!m.result) return
      sent.delete(m.id)
      if (!cranksHere(compute.settings.get()) || !relay) return
      void crank(m, m.result, summaryOrigin(summary, m)).then(emit)
    })
    return {
      ...inner,
      id: inner.id,
      subscribe(listener) {
        extra.add(listener)
        const un = inner.subscribe(listener)
        return () => {
          extra.delete(listener)
          un()
        }
      },
      async close() {
        unsubscribe()
        extra.clear()
        await inner.close()
      },
    }
  }

  async function crank(m: LoggedMessage, result: MessageResult, origin: ReturnType<typeof summaryOrigin>): Promise<ProcessEvent> {
    const summary: CrankSummary = { messageId: m.id, pushed: [], alreadyPushed: 0, superseded: 0, notAProcess: [], uploaded: [], errors: [] }
    const hasOutbox = result.Messages.length + result.Spawns.length + result.Assignments.length > 0
    if (hasOutbox) {
      try {
        const report = await relay!.crankResult(result as unknown as OutboxResult, origin)
        if (report) {
          summary.pushed = report.pushed.map(({ id, target, kind }) => ({ id, target, kind }))
          summary.alreadyPushed = report.alreadyPushed
          summary.superseded = report.superseded
          summary.notAProcess = report.notAProcess.map((n) => n.target)
          summary.uploaded = report.uploaded.map(({ id, target, uploader }) => ({ id, target, uploader }))
          for (const p of report.pushed) if (p.kind === 'message' && open.has(p.target)) sent.set(p.id, p.target)
          summary.errors = report.errors.map((x) => `${x.where}: ${x.error}`)
        }
      } catch (e) {
        summary.errors.push(e instanceof Error ? e.message : String(e))
      }
    }
    return { type: 'crank', crank: summary }
  }

  /**
   * Open processes of this tab, shared by the views that use them. When the last view closes, the
   * process stays open for `lingerMs` (navigating from a process to one of its messages and back
   * reuses it instead of closing and reopening the compute worker), and a process that is closing
   * is reopened only once its close finished: otherwise the new handle would find its own tab's
   * closing handle still holding the process's lock and follow a leader that is going away.
   */
  const open = new Map<string, OpenEntry>()
  const closing = new Map<string, Promise<void>>()
  const lingerMs = opts.lingerMs ?? 10_000

  async function openProcess(id: string): Promise<ProcessHandle> {
    const known = open.get(id)
    if (known) {
      known.users++
      if (known.linger) clearTimeout(known.linger)
      known.linger = undefined
      return refCounted(id, known, await known.handle)
    }
    const entry: OpenEntry = {
      handle: (closing.get(id) ?? Promise.resolve()).then(() => openSharedProcess(id, () => compute.openProcess(id), opts.shared)).then(withCrank),
      users: 1,
      linger: undefined,
    }
    open.set(id, entry)
    entry.handle.catch(() => {
      if (open.get(id) === entry) open.delete(id)
    })
    const h = await entry.handle
    h.subscribe((e) => {
      if (e.type === 'status') entry.stopped = e.status.state === 'stopped' || e.status.state === 'offline'
    })
    return refCounted(id, entry, h)
  }

  // Lingering processes were opened with the old endpoints: close them so a reopen uses the new ones.
  let endpointsSeen: string | undefined
  compute.settings.subscribe((s) => {
    const now = JSON.stringify(s.endpoints)
    const changed = endpointsSeen !== undefined && now !== endpointsSeen
    endpointsSeen = now
    if (!changed) return
    for (const [id, entry] of [...open]) {
      if (entry.users === 0) void entry.handle.then((h) => shut(id, entry, h)).catch(() => undefined)
    }
  })

  /** Closes a shared handle now (it leaves the map first: the next open starts afresh after it). */
  function shut(id: string, entry: OpenEntry, h: ProcessHandle): Promise<void> {
    if (open.get(id) === entry) open.delete(id)
    if (entry.linger) clearTimeout(entry.linger)
    const done = h.close().finally(() => {
      if (closing.get(id) === done) closing.delete(id)
    })
    closing.set(id, done)
    return done
  }

  /** Each caller closes its own view of a shared handle; the last one closes the process (after the linger). */
  function refCounted(id: string, entry: OpenEntry, h: ProcessHandle): ProcessHandle {
    let closed = false
    return {
      ...h,
      id: h.id,
      subscribe: (l) => h.subscribe(l),
      async clearCache() {
        // The compute worker ends with its cache: nobody may reuse this handle afterwards.
        if (open.get(id) === entry) open.delete(id)
        try {
          await h.clearCache()
          announceCleared(id)
        } finally {
          await shut(id, entry, h).catch(() => undefined)
        }
      },
      async close() {
        if (closed) return
        closed = true
        if (--entry.users > 0 || open.get(id) !== entry) return
        if (lingerMs <= 0 || entry.stopped) return shut(id, entry, h)
        entry.linger = setTimeout(() => {
          if (entry.users === 0) void shut(id, entry, h).catch(() => undefined)
        }, lingerMs)
      },
    }
  }

  // One channel per tab: a tab does not receive its own posts, so only other tabs react.
  const clearedChannel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CACHE_CLEARED_CHANNEL) : null
  const clearedListeners = new Set<(processId: string) => void>()
  if (clearedChannel) {
    clearedChannel.onmessage = (ev: MessageEvent<unknown>) => {
      const id = (ev.data as { processId?: unknown } | null)?.processId
      if (typeof id !== 'string') return
      evict(id)
      for (const l of clearedListeners) l(id)
    }
  }

  /**
   * Its cache is gone under this tab's open handle: the handle leaves the map at once (so views
   * re-opening it start afresh, after it closed) and is closed, lingering or not.
   */
  function evict(id: string): void {
    const entry = open.get(id)
    if (!entry) return
    open.delete(id)
    if (entry.linger) clearTimeout(entry.linger)
    const done: Promise<void> = entry.handle
      .then((h) => h.close())
      .catch(() => undefined)
      .finally(() => {
        if (closing.get(id) === done) closing.delete(id)
      })
    closing.set(id, done)
  }
  function announceCleared(processId: string): void {
    try {
      clearedChannel?.postMessage({ processId })
    } catch {
      // A closed channel only means other tabs find out from their next store read.
    }
  }

  async function clearProcess(processId: string): Promise<void> {
    const entry = open.get(processId)
    if (!entry) {
      await closing.get(processId)
      await compute.storage.clearProcess(processId)
      announceCleared(processId)
      return
    }
    const h = await entry.handle
    open.delete(processId)
    try {
      await h.clearCache()
      announceCleared(processId)
    } finally {
      await shut(processId, entry, h).catch(() => undefined)
    }
  }

  const capabilities = (): Capabilities => {
    const cus = compute.settings.get().endpoints.cus
    const browserWallet: Capability =
      typeof window !== 'undefined' && (window as unknown as { arweaveWallet?: unknown }).arweaveWallet
        ? { available: true }
        : { available: false, reason: NO_BROWSER_WALLET }
    return {
      compute: typeof Worker === 'function' ? { available: true } : { available: false, reason: 'This browser cannot start Web Workers.' },
      relay: relayProblem ? { available: false, reason: relayProblem } : { available: true },
      crossCheck: cus.length > 0 ? { available: true } : { available: false, reason: NO_CU },
      storage: compute.capabilities.storage,
      browserWallet,
    }
  }

  return {
    settingsProblem: compute.settingsProblem,
    relayReady,
    get capabilities() {
      return capabilities()
    },
    openProcess,
    async dryRun(processId: string, request: DryRunRequest): Promise<MessageResult> {
      const h = await openProcess(processId)
      try {
        return await h.dryRun(request)
      } finally {
        await h.close()
      }
    },
    async send(request: SendRequest): Promise<SendReceipt> {
      const r = await needRelay()
      const receipt = await r.send(request)
      sent.set(receipt.id, receipt.target)
      return receipt
    },
    async sendTracked(request: SendRequest, onProgress: (p: SendProgress) => void): Promise<SendReceipt> {
      const r = await needRelay()
      let id: string | null = null
      const claim = { target: request.target, onProgress, claimed: (x: string) => (id = x) }
      claims.push(claim)
      onProgress({ type: 'signing' })
      try {
        const receipt = await r.send(request)
        sent.set(receipt.id, receipt.target)
        return receipt
      } finally {
        const i = claims.indexOf(claim)
        if (i >= 0) claims.splice(i, 1)
        // Later queue events (assigned) are not needed: the result comes from the process's log.
        if (id) tracked.delete(id)
      }
    },
    async spawn(request: SpawnRequest): Promise<SpawnReceipt> {
      const receipt = await (await needRelay()).spawn(request)
      const spawned = readJson<string[]>(kv, SPAWNED_KEY, []).filter((x) => x !== receipt.processId)
      writeJson(kv, SPAWNED_KEY, [receipt.processId, ...spawned].slice(0, MAX_SPAWNED_REMEMBERED))
      return receipt
    },
    onCacheClearedElsewhere(listener) {
      clearedListeners.add(listener)
      return () => clearedListeners.delete(listener)
    },
    settings: compute.settings,
    storage: { ...compute.storage, clearProcess },
    wallet: {
      state: () => wallet,
      connect: async () => (await needRelay()).connect(),
      importKeyfile: async (text, remember) => (await needRelay()).importKeyfile(text, remember),
      unlockStoredKeyfile: async (passphrase) => (await needRelay()).unlockKeyfile(passphrase),
      storedKeyfile: async () => (await needRelay()).storedKeyfile(),
      forgetStoredKeyfile: async () => (await needRelay()).forgetStoredKeyfile(),
      disconnect: async () => {
        if (relay) await relay.disconnect()
        else setWallet({ kind: 'none' })
      },
      subscribe(listener) {
        walletListeners.add(listener)
        return () => walletListeners.delete(listener)
      },
    },
    sends: {
      pending: async () => (await needRelay()).pending(),
      cancel: async (id) => (await needRelay()).cancel(id),
      discard: async (id) => (await needRelay()).discard(id),
      subscribe(listener) {
        sendListeners.add(listener)
        return () => sendListeners.delete(listener)
      },
    },
    crons: {
      async monitor(processId: string, on: boolean): Promise<CronMonitorState> {
        writeJson(kv, CRON_CHOICES_KEY, { ...readJson<Record<string, boolean>>(kv, CRON_CHOICES_KEY, {}), [processId]: on })
        return (await needRelay()).monitorCrons(processId, on)
      },
      wanted(processId: string): boolean {
        const choice = readJson<Record<string, boolean>>(kv, CRON_CHOICES_KEY, {})[processId]
        return choice ?? readJson<string[]>(kv, SPAWNED_KEY, []).includes(processId)
      },
    },
  }
}
