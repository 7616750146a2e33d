/**
 * Test-only compute worker for the browser proofs (compute-proof*.spec.ts, tamper-browser*.spec.ts):
 * the shipped worker's API and wiring (src/compute/verifying-worker-api.ts: crons, cross-check,
 * stored check records and `agreed` / `diverged` verdicts), plus one thing a proof needs: every
 * cross-check outcome is recorded here so a proof can read them (`checks()`).
 */
import { expose } from 'comlink'
import { createVerifyingWorkerApi } from '../../../src/compute/verifying-worker-api'
import type { ComputeWorkerApi } from '../../../src/compute/compute-worker-api'
import type { CheckOutcome } from '../../../src/compute/pipeline-types'

/** One cross-check outcome as recorded for the proof (divergences reduced to their fields). */
export interface RecordedCheck {
  nonce: number
  messageId: string
  cu: string
  verdict: CheckOutcome['verdict']
  detail: string
}

export interface ProofWorkerApi extends ComputeWorkerApi {
  checks(): RecordedCheck[]
}

const recorded: RecordedCheck[] = []
const detailOf = (o: CheckOutcome): string =>
  o.verdict === 'diverged' ? o.divergences.map((d) => `${d.field}: local ${d.local.slice(0, 300)} remote ${d.remote.slice(0, 300)}`).join('; ') : o.verdict === 'error' ? o.reason : ''

const api: ProofWorkerApi = {
  ...createVerifyingWorkerApi({
    onChecked: (req, outcomes) => {
      for (const o of outcomes) recorded.push({ nonce: req.nonce, messageId: req.messageId, cu: o.cu, verdict: o.verdict, detail: detailOf(o) })
    },
  }),
  checks: () => recorded,
}
expose(api)
