/**
 * Harness page for the browser proofs (test/e2e/compute-proof*.spec.ts, tamper-browser*.spec.ts,
 * bench/compute-browser.bench.ts): the real node client facade over the proof compute worker
 * (./proof-compute.worker.ts: the shipped worker API plus crons and the cross-check), against the
 * URLs in the query string (`?gateway=&su=&mu=&cu=`, optional `pageSize`, `snapshotEvery`).
 * Exposes `window.proof`: open a process, read events/messages/results/stats/cross-checks, kill the
 * compute worker (a crash), and the main thread's long tasks (PerformanceObserver 'longtask').
 */
import { wrap, releaseProxy, type Remote } from 'comlink'
import { createNodeClient, type ComputeProcessHandle } from '../../../src/node/node-client'
import { defaultSettings } from '../../../src/node/settings'
import type { DryRunRequest, LoggedMessage, ProcessEvent, ProcessStatus } from '../../../src/node/contract'
import type { ProofWorkerApi, RecordedCheck } from './proof-compute.worker'

const q = new URLSearchParams(location.search)
const STORE = q.get('store') ?? 'aolight-e2e-proof'

interface LiveWorker {
  worker: Worker
  api: Remote<ProofWorkerApi>
}
/** Every compute worker this page started (the spare one included); the last opened is `current`. */
let current: LiveWorker | undefined
const spawnWorker = () => {
  const worker = new Worker(new URL('./proof-compute.worker.ts', import.meta.url), { type: 'module', name: 'ao-compute-proof' })
  const api = wrap<ProofWorkerApi>(worker)
  const live = { worker, api }
  return {
    get api() {
      current = live // the client reads `api` when it opens a process in this worker
      return api
    },
    terminate: () => { api[releaseProxy](); worker.terminate() },
  }
}

function makeClient() {
  const settingsStore = new Map<string, string>()
  const c = createNodeClient({
    storage: { getItem: (k) => settingsStore.get(k) ?? null, setItem: (k, v) => void settingsStore.set(k, v) },
    storeName: STORE,
    spawnWorker,
    compute: { pageSize: Number(q.get('pageSize') ?? 100), pollMs: 0, idleSnapshotMs: 500 },
  })
  c.settings.set({
    ...defaultSettings(),
    endpoints: { gateway: q.get('gateway')!, mu: q.get('mu')!, su: q.get('su')!, suIsRouter: false, cus: q.get('cu') ? [q.get('cu')!] : [] },
    snapshots: { everyMessages: Number(q.get('snapshotEvery') ?? 50), everySeconds: 60, keepPerProcess: 3 },
  })
  return c
}
let client = makeClient()

const longTasks: { start: number; duration: number }[] = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration })
}).observe({ type: 'longtask', buffered: false })

let handle: ComputeProcessHandle | undefined
let events: { at: number; event: ProcessEvent }[] = []

const lastStatus = (): ProcessStatus | null => {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!.event
    if (e.type === 'status') return e.status
  }
  return null
}

const harness = {
  async open(pid: string): Promise<number> {
    events = []
    const t0 = performance.now()
    handle = await client.openComputeProcess(pid)
    handle.subscribe((e) => {
      events.push({ at: performance.now() - t0, event: e })
      if (e.type === 'status') document.getElementById('status')!.textContent = e.status.state
    })
    return performance.now() - t0
  },
  status: lastStatus,
  events: () => events.map((e) => e.event),
  /** Events with their arrival time (ms since `open` was called). */
  timedEvents: () => events,
  async allMessages(): Promise<LoggedMessage[]> {
    const out: LoggedMessage[] = []
    let before: number | undefined
    for (;;) {
      const page = await handle!.messages({ ...(before !== undefined && { before }), limit: 200 })
      out.push(...page.messages)
      if (page.before === null) return out
      before = page.before
    }
  },
  stats: () => handle!.stats(),
  divergences: () => handle!.divergences(),
  /** Cross-check outcomes recorded in the compute worker of the open process. */
  checks: (): Promise<RecordedCheck[]> => current!.api.checks(),
  dryRun(req: DryRunRequest) {
    let owner: string | undefined
    for (const { event: e } of events) if (e.type === 'summary' && e.summary.owner) owner = e.summary.owner
    return handle!.dryRun({ ...(owner && { owner }), ...req })
  },
  async close(): Promise<void> {
    await handle?.close()
    handle = undefined
  },
  /**
   * A crash: terminate the compute worker (and with it its nested runtime worker) without closing
   * anything; IndexedDB transactions in flight are aborted. The page then starts a new client,
   * as the app does after losing its worker.
   */
  kill(): void {
    current?.worker.terminate()
    current = undefined
    handle = undefined
    client = makeClient()
  },
  async clear(pid: string): Promise<void> {
    await client.storage.clearProcess(pid)
  },
  longTasks: () => longTasks,
  resetLongTasks: () => void (longTasks.length = 0),
}
export type ProofHarness = typeof harness
;(window as unknown as { proof: ProofHarness }).proof = harness
document.title = 'proof harness ready'
