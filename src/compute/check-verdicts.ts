/**
 * Cross-check outcomes turned into what a person sees: each outcome is stored as a CheckRecord
 * (so `divergences()` and a later visit know it; a cron's under its cron index), and the checked
 * message's (or cron evaluation's) verification moves
 * from `computed` to `agreed`, or to `diverged` naming the CU and fields. The compute service
 * emits the divergences themselves; this adds the per-message verdict it does not track.
 * Used by the compute worker entry (workers/compute.worker.ts) around the pipeline's checker.
 */
import type { LoggedMessage, Verification } from '../node/contract'
import type { AolightStore, CheckRecord } from '../store/index'
import { parseCronResultId, type CheckOutcome, type CheckRequest, type CrossChecker } from './pipeline-types'

/**
 * The verdict a set of checks gives one result: any divergence wins (never hidden), else any
 * agreement; checks that could not be done (`error`) say nothing.
 */
export function verdictOf(records: readonly Pick<CheckRecord, 'verdict' | 'remote' | 'divergences'>[]): Verification | null {
  const diverged = records.filter((r) => r.verdict === 'diverged')
  if (diverged.length > 0) {
    const first = diverged[0]!
    return { level: 'diverged', cu: first.remote, fields: [...new Set(diverged.flatMap((r) => r.divergences.map((d) => d.field)))] }
  }
  return records.some((r) => r.verdict === 'agreed') ? { level: 'agreed' } : null
}

export function toRecord(req: CheckRequest, o: CheckOutcome, checkedAt: number): CheckRecord {
  const base = { processId: req.processId, nonce: req.nonce, cron: req.cron?.index ?? 0, remote: o.cu, checkedAt }
  if (o.verdict === 'agreed') return { ...base, verdict: 'agreed', divergences: [] }
  if (o.verdict === 'diverged') return { ...base, verdict: 'diverged', divergences: o.divergences.map(({ field, local, remote }) => ({ field, local, remote })) }
  return { ...base, verdict: 'error', divergences: [], error: o.reason }
}

export interface RecordingDeps {
  store: () => Promise<AolightStore>
  /** called after a message's checks are stored, with its verdict (null: every CU failed) */
  onVerdict: (req: CheckRequest, verdict: Verification | null) => void
}

/** Wraps the pipeline's checker: stores every outcome and reports the message's verdict. */
export function recordingChecker(inner: CrossChecker, deps: RecordingDeps): CrossChecker {
  return {
    async check(req) {
      const outcomes = await inner.check(req)
      const records = outcomes.map((o) => toRecord(req, o, Date.now()))
      // The verdict over every stored check of this result: a CU that cannot answer now keeps the
      // verdict it gave before (the store does not let an error replace it).
      let known: Pick<CheckRecord, 'verdict' | 'remote' | 'divergences'>[] = records
      try {
        const store = await deps.store()
        for (const r of records) await store.checks.put(r)
        known = await store.checks.forResult(req.processId, { nonce: req.nonce, cron: req.cron?.index ?? 0 })
      } catch {
        // The verdict still shows in this session; only its memory across visits is lost.
      }
      deps.onVerdict(req, verdictOf(known))
      return outcomes
    },
  }
}

/** Messages read from the store, with the verdict of their stored checks applied (cron evaluations too, by their `cronResultId`). */
export async function withVerdicts(store: AolightStore, processId: string, messages: LoggedMessage[]): Promise<LoggedMessage[]> {
  return Promise.all(
    messages.map(async (m) => {
      if (!m.result) return m
      const at = m.cron ? parseCronResultId(m.id) : m.nonce === null ? null : { nonce: m.nonce, cron: 0 }
      if (!at) return m
      const v = verdictOf(await store.checks.forResult(processId, at))
      return v ? { ...m, verification: v } : m
    }),
  )
}
