/**
 * The latest of each lasting piece of a process's event stream: status, summary, progress per
 * phase, and the warning that says why the cached copy is shown. A new subscriber (a view opened
 * again on a lingering process, another tab following the leader) gets these first, so it shows
 * what an earlier subscriber saw. Other warnings, messages and divergences are one-off news.
 */
import { isCachedCopyWarning } from '../compute/compute-errors'
import type { NodeErrorInfo, PhaseProgress, ProcessEvent, ProcessStatus, ProcessSummary } from './contract'

export class EventLatch {
  status: ProcessStatus | undefined
  summary: ProcessSummary | undefined
  progress = new Map<string, PhaseProgress>()
  cachedCopy: NodeErrorInfo | undefined

  note(e: ProcessEvent): void {
    if (e.type === 'status') this.status = e.status
    else if (e.type === 'summary') this.summary = e.summary
    else if (e.type === 'progress') this.progress.set(e.progress.phase, e.progress)
    else if (e.type === 'warning' && isCachedCopyWarning(e.error)) this.cachedCopy = e.error
  }

  replay(): ProcessEvent[] {
    const out: ProcessEvent[] = []
    if (this.status) out.push({ type: 'status', status: this.status })
    if (this.summary) out.push({ type: 'summary', summary: this.summary })
    for (const p of this.progress.values()) out.push({ type: 'progress', progress: p })
    if (this.cachedCopy) out.push({ type: 'warning', error: this.cachedCopy })
    return out
  }
}
