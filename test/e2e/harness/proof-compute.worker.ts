/**
 * Test-only compute worker for the browser proofs (compute-proof*.spec.ts, tamper-browser*.spec.ts):
 * the same worker API as workers/compute.worker.ts (src/compute/compute-worker-api.ts, real compute
 * service, nested runtime worker), plus the two pipeline adapters the shipped worker does not wire
 * yet: crons (src/compute/cron.ts `cronSourceFor`) and the cross-check against the configured CUs
 * (src/compute/cross-check.ts `crossCheckerFor`). Every cross-check outcome is also recorded here,
 * so a proof can count `agreed` outcomes even while the service does not yet mark messages `agreed`.
 */
import { expose } from 'comlink'
import { createComputeWorkerApi, type ComputeWorkerApi } from '../../../src/compute/compute-worker-api'
import { spawnBrowserRuntimeWorker } from '../../../src/compute/runtime-host'
import { prewarmedSpawner } from '../../../src/compute/prewarmed-spawner'
import { cronSourceFor } from '../../../src/compute/cron'
import { crossCheckerFor, type PipelineCheckOutcome } from '../../../src/compute/cross-check'
import { CuClient } from '../../../src/protocol/cu-client'
import { HttpClient } from '../../../src/protocol/http'
import type { CronGeneratorFactory, CrossChecker } from '../../../src/compute/pipeline-types'

/** One cross-check outcome as recorded for the proof (divergences reduced to their fields). */
export interface RecordedCheck {
  nonce: number
  messageId: string
  cu: string
  verdict: PipelineCheckOutcome['verdict']
  detail: string
}

export interface ProofWorkerApi extends ComputeWorkerApi {
  checks(): RecordedCheck[]
}

const recorded: RecordedCheck[] = []
const http = new HttpClient({ timeoutMs: 20_000, retry: { retries: 2, baseDelayMs: 200 } })

const crossCheck = (endpoints: { cus: string[] }): CrossChecker | undefined => {
  if (endpoints.cus.length === 0) return undefined
  const inner = crossCheckerFor(endpoints.cus.map((u) => new CuClient(u, http)))
  return {
    async check(req) {
      const outcomes = await inner.check(req)
      for (const o of outcomes) {
        const detail = o.verdict === 'diverged' ? o.divergences.map((d) => `${d.field}: local ${d.local.slice(0, 300)} remote ${d.remote.slice(0, 300)}`).join('; ') : o.verdict === 'error' ? o.reason : ''
        recorded.push({ nonce: req.nonce, messageId: req.messageId, cu: o.cu, verdict: o.verdict, detail })
      }
      return outcomes
    },
  }
}

// cronSourceFor returns the pipeline's CronGenerator shape (structurally).
const cron = cronSourceFor as unknown as CronGeneratorFactory

const api: ProofWorkerApi = {
  ...createComputeWorkerApi({ spawnRuntimeWorker: prewarmedSpawner(spawnBrowserRuntimeWorker), cron, crossCheck }),
  checks: () => recorded,
}
expose(api)
