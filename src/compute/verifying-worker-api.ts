/**
 * The compute worker's API as shipped (workers/compute.worker.ts), in one place so the browser
 * proofs' test worker (test/e2e/harness/proof-compute.worker.ts) runs the same wiring:
 * crons (`cronSourceFor`), the cross-check against the CUs in the settings (`crossCheckerFor`),
 * and the per-message verdict of those checks (check-verdicts.ts), which stores each outcome and
 * moves a message to `agreed` / `diverged`. A test may only add an observer of the outcomes.
 */
import { createComputeWorkerApi, type ComputeWorkerApi } from './compute-worker-api'
import { spawnBrowserRuntimeWorker } from './runtime-host'
import { prewarmedSpawner } from './prewarmed-spawner'
import { cronSourceFor } from './cron'
import { crossCheckerFor } from './cross-check'
import { recordingChecker, withVerdicts } from './check-verdicts'
import type { CheckOutcome, CheckRequest, CronGeneratorFactory, CrossChecker } from './pipeline-types'
import { CuClient } from '../protocol/cu-client'
import { HttpClient } from '../protocol/http'
import { openAolightStore, type AolightStore } from '../store/index'
import type { ProcessEvent } from '../node/contract'

export interface VerifyingWorkerOptions {
  /** Sees every cross-check request and its outcomes (tests record them); never changes them. */
  onChecked?: (req: CheckRequest, outcomes: CheckOutcome[]) => void
}

// The pipeline's CronGenerator and cron.ts's CronSource are the same shape (cron.ts says so).
const cron = cronSourceFor as unknown as CronGeneratorFactory

/** One worker runs one process: the state below is that process's. */
export function createVerifyingWorkerApi(opts: VerifyingWorkerOptions = {}): ComputeWorkerApi {
  const http = new HttpClient({ timeoutMs: 20_000, retry: { retries: 2, baseDelayMs: 500 } })
  let storeName: string | undefined
  let processId = ''
  let store: Promise<AolightStore> | null = null
  const checkStore = () => (store ??= openAolightStore(storeName ? { name: storeName } : {}))

  // Every event batch to the client goes through one promise chain, so a message's `agreed` event
  // (from its check) can never overtake its `computed` event (which the service sends buffered).
  let deliver: (events: ProcessEvent[]) => void = () => undefined
  let chain = Promise.resolve()
  const send = (make: () => Promise<ProcessEvent[]>) => {
    chain = chain.then(async () => deliver(await make())).catch(() => undefined)
  }

  const crossCheck = (endpoints: { cus: string[] }): CrossChecker | undefined => {
    if (endpoints.cus.length === 0) return undefined
    const inner = crossCheckerFor(endpoints.cus.map((u) => new CuClient(u, http)))
    const observed: CrossChecker = opts.onChecked
      ? { check: async (req) => { const o = await inner.check(req); opts.onChecked!(req, o); return o } }
      : inner
    return recordingChecker(observed, {
      store: checkStore,
      onVerdict: (req, verification) => {
        if (!verification) return
        send(async () => {
          const r = await base.message(req.messageId)
          return r.ok && r.value ? [{ type: 'message', message: { ...r.value, verification } }] : []
        })
      },
    })
  }

  /** Messages re-evaluated after a resume (or offline) carry the verdict stored for them. */
  async function withStoredVerdicts(events: ProcessEvent[]): Promise<ProcessEvent[]> {
    const msgs = events.flatMap((e) => (e.type === 'message' ? [e.message] : []))
    if (msgs.length === 0) return events
    try {
      const checked = await withVerdicts(await checkStore(), processId, msgs)
      const byId = new Map(checked.map((m) => [m.id, m]))
      return events.map((e) => (e.type === 'message' ? { type: 'message', message: byId.get(e.message.id) ?? e.message } : e))
    } catch {
      return events // the store failed: the events still go out, without stored verdicts
    }
  }

  const base = createComputeWorkerApi({ spawnRuntimeWorker: prewarmedSpawner(spawnBrowserRuntimeWorker), cron, crossCheck })

  return {
    ...base,
    open(cfg, onEvents) {
      deliver = onEvents
      storeName = cfg.storeName
      processId = cfg.processId
      return base.open(cfg, (events) => send(() => withStoredVerdicts(events)))
    },
    async messages(o) {
      const r = await base.messages(o)
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
}
