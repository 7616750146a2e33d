/**
 * Dedicated Worker running the verifying compute unit for one process. Thin: the API is
 * src/compute/compute-worker-api.ts; the module runs in a nested runtime worker under a watchdog.
 * Wired here: crons (`cronSourceFor`), the cross-check against the CUs in the settings
 * (`crossCheckerFor`), and the per-message verdict of those checks (src/compute/check-verdicts.ts),
 * which stores each outcome and moves a message to `agreed` / `diverged`.
 */
import { expose } from 'comlink'
import { createComputeWorkerApi, type ComputeWorkerApi } from '../src/compute/compute-worker-api'
import { spawnBrowserRuntimeWorker } from '../src/compute/runtime-host'
import { prewarmedSpawner } from '../src/compute/prewarmed-spawner'
import { cronSourceFor } from '../src/compute/cron'
import { crossCheckerFor } from '../src/compute/cross-check'
import { recordingChecker, withVerdicts } from '../src/compute/check-verdicts'
import type { CronGeneratorFactory, CrossChecker } from '../src/compute/pipeline-types'
import { CuClient } from '../src/protocol/cu-client'
import { HttpClient } from '../src/protocol/http'
import { openAolightStore, type AolightStore } from '../src/store/index'
import type { ProcessEvent } from '../src/node/contract'

const http = new HttpClient({ timeoutMs: 20_000, retry: { retries: 2, baseDelayMs: 500 } })
let emit: (events: ProcessEvent[]) => void = () => undefined
let storeName: string | undefined
let processId = ''
let store: Promise<AolightStore> | null = null
const checkStore = () => (store ??= openAolightStore(storeName ? { name: storeName } : {}))

// The pipeline's CronGenerator and cron.ts's CronSource are the same shape (cron.ts says so).
const cron = cronSourceFor as unknown as CronGeneratorFactory

const crossCheck = (endpoints: { cus: string[] }): CrossChecker | undefined => {
  if (endpoints.cus.length === 0) return undefined
  return recordingChecker(crossCheckerFor(endpoints.cus.map((u) => new CuClient(u, http))), {
    store: checkStore,
    onVerdict: (req, verification) => {
      if (!verification) return
      void base.message(req.messageId).then((r) => {
        if (r.ok && r.value) emit([{ type: 'message', message: { ...r.value, verification } }])
      })
    },
  })
}

async function withStoredVerdicts(events: ProcessEvent[]): Promise<ProcessEvent[]> {
  const msgs = events.flatMap((e) => (e.type === 'message' ? [e.message] : []))
  if (msgs.length === 0) return events
  const checked = await withVerdicts(await checkStore(), processId, msgs)
  const byId = new Map(checked.map((m) => [m.id, m]))
  return events.map((e) => (e.type === 'message' ? { type: 'message', message: byId.get(e.message.id) ?? e.message } : e))
}

const base = createComputeWorkerApi({ spawnRuntimeWorker: prewarmedSpawner(spawnBrowserRuntimeWorker), cron, crossCheck })

const api: ComputeWorkerApi = {
  ...base,
  open(cfg, onEvents) {
    emit = onEvents
    storeName = cfg.storeName
    processId = cfg.processId
    // Messages re-evaluated after a resume (or offline) carry the verdict stored for them; batches
    // stay in order behind one promise chain.
    let chain = Promise.resolve()
    const withStored = (events: ProcessEvent[]) => {
      chain = chain.then(async () => onEvents(await withStoredVerdicts(events))).catch(() => onEvents(events))
    }
    return base.open(cfg, withStored)
  },
  async messages(opts) {
    const r = await base.messages(opts)
    if (!r.ok) return r
    return { ok: true, value: { ...r.value, messages: await withVerdicts(await checkStore(), processId, r.value.messages) } }
  },
  async message(id) {
    const r = await base.message(id)
    if (!r.ok || !r.value) return r
    const [m] = await withVerdicts(await checkStore(), processId, [r.value])
    return { ok: true, value: m ?? r.value }
  },
}
expose(api)
