/**
 * Harness page for test/e2e/compute-core.spec.ts: the real node client facade (main thread) over
 * the real compute worker and its nested runtime worker, against the devnet URLs in the query
 * string (`?gateway=&su=&mu=&cu=`). Exposes `window.compute` for the spec: open a process, read
 * the events, messages, results and stats, dry-run, close; and main-thread long tasks.
 */
import { createNodeClient, type ComputeProcessHandle } from '../../../src/node/node-client'
import { defaultSettings } from '../../../src/node/settings'
import type { DryRunRequest, ProcessEvent, LoggedMessage } from '../../../src/node/contract'

const q = new URLSearchParams(location.search)
const STORE = 'aolight-e2e-compute'
const settingsStore = new Map<string, string>()
const client = createNodeClient({
  storage: { getItem: (k) => settingsStore.get(k) ?? null, setItem: (k, v) => void settingsStore.set(k, v) },
  storeName: STORE,
  compute: { pageSize: Number(q.get('pageSize') ?? 10), pollMs: 0, idleSnapshotMs: 500 },
})
const base = defaultSettings()
client.settings.set({
  ...base,
  endpoints: { gateway: q.get('gateway')!, mu: q.get('mu')!, su: q.get('su')!, suIsRouter: false, cus: [q.get('cu')!] },
  snapshots: { everyMessages: Number(q.get('snapshotEvery') ?? 5), everySeconds: 60, keepPerProcess: 3 },
})

const longTasks: { start: number; duration: number }[] = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration })
}).observe({ type: 'longtask', buffered: false })

let handle: ComputeProcessHandle | undefined
let events: ProcessEvent[] = []

const harness = {
  async open(pid: string): Promise<void> {
    events = []
    handle = await client.openComputeProcess(pid)
    handle.subscribe((e) => {
      events.push(e)
      if (e.type === 'status') document.getElementById('status')!.textContent = e.status.state
    })
  },
  status: () => [...events].reverse().find((e) => e.type === 'status')?.type === 'status'
    ? ([...events].reverse().find((e) => e.type === 'status') as Extract<ProcessEvent, { type: 'status' }>).status
    : null,
  events: () => events,
  eventCounts: () => events.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.type]: (acc[e.type] ?? 0) + 1 }), {}),
  async allMessages(): Promise<LoggedMessage[]> {
    const out: LoggedMessage[] = []
    let before: number | undefined
    for (;;) {
      const page = await handle!.messages({ ...(before !== undefined && { before }), limit: 7 })
      out.push(...page.messages)
      if (page.before === null) return out
      before = page.before
    }
  },
  message: (id: string) => handle!.message(id),
  results: (o: { sort?: 'ASC' | 'DESC'; limit?: number; after?: string }) => handle!.results(o),
  stats: () => handle!.stats(),
  /** Dry-run as the process owner (from the summary) unless the request names one. */
  dryRun(req: DryRunRequest) {
    const summary = [...events].reverse().find((e) => e.type === 'summary')
    const owner = summary?.type === 'summary' ? summary.summary.owner : undefined
    return handle!.dryRun({ ...(owner && { owner }), ...req })
  },
  async close(): Promise<void> {
    await handle?.close()
    handle = undefined
  },
  async clear(pid: string): Promise<void> {
    await client.storage.clearProcess(pid)
  },
  longTasks: () => longTasks,
  online: () => navigator.onLine,
}
export type ComputeHarness = typeof harness
;(window as unknown as { compute: ComputeHarness }).compute = harness
document.title = 'compute harness ready'
