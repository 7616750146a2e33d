/**
 * What the process page's four progress bars show, from the node's progress events and the
 * process status. The events are live meters: they stay at their last rate once work ends, the
 * cross-check meter never learns a total, and the evaluation meter counts cron ticks with the
 * messages. The status (idle / offline / stopped) and the loaded log are the settled truth, so
 * once work has ended they give the counts, bars stop moving, and the line says why.
 */
import type { LoggedMessage, Phase, PhaseProgress, ProcessStatus } from '../node/contract'

export interface ShownProgress {
  done: number
  total: number | null
  ratePerSecond: number
  etaSeconds: number | null
  /** whether work on this phase is going on (an indeterminate bar animates only then) */
  active: boolean
  /** replaces rate and ETA when the phase is not running: 'done', 'offline: …', 'stopped' */
  note: string | null
}

export interface ProgressContext {
  status: ProcessStatus | null
  /** the loaded part of the log (newest first); complete when it holds `messageCount` messages */
  messages: readonly LoggedMessage[]
  /** scheduled messages in the verified log (the summary's count) */
  messageCount: number
}

const WORKING: readonly ProcessStatus['state'][] = ['locating', 'loading-module', 'syncing']

function still(done: number, total: number | null, note: string | null): ShownProgress {
  return { done, total, ratePerSecond: 0, etaSeconds: null, active: false, note }
}

export function shownProgress(phase: Phase, p: PhaseProgress | undefined, ctx: ProgressContext): ShownProgress | null {
  const s = ctx.status
  const state = s?.state ?? 'locating'
  const live = (q: PhaseProgress): ShownProgress => ({ done: q.done, total: q.total, ratePerSecond: q.ratePerSecond, etaSeconds: q.etaSeconds, active: true, note: null })

  if (s?.state === 'stopped') {
    if (!p) return null
    return still(p.done, p.total !== null && p.done > p.total ? p.done : p.total, 'stopped')
  }

  switch (phase) {
    case 'fetch':
    case 'verify': {
      if (s?.state === 'offline') {
        const verified = s.verifiedHead + 1
        return phase === 'fetch' ? still(verified, verified, 'offline: nothing fetched, the cached log is used') : still(p?.done ?? verified, verified, p && p.done < verified ? 're-verifying the cache' : 'done (cached log)')
      }
      if (s?.state === 'idle') {
        const verified = s.verifiedHead + 1
        return still(verified, verified, 'done')
      }
      return p ? live(p) : null
    }
    case 'evaluate': {
      // Settled: the heads are scheduled messages only (cron ticks are counted apart on the page).
      if (s?.state === 'idle' || s?.state === 'offline') return still(s.evaluatedHead + 1, s.verifiedHead + 1, s.evaluatedHead >= s.verifiedHead ? 'done' : 'waiting')
      if (!p) return null
      const shown = live(p)
      // The meter counts cron ticks too; never show more evaluated messages than there are.
      if (shown.total !== null && shown.done > shown.total) shown.done = shown.total
      return shown
    }
    case 'check': {
      // From the loaded log when it is complete: scheduled messages computed here vs those a CU answered.
      const logged = ctx.messages.filter((m) => !m.cron)
      const complete = ctx.messageCount > 0 && logged.length >= ctx.messageCount
      if (complete) {
        let evaluated = 0
        let answered = 0
        for (const m of logged) {
          const level = m.verification.level
          if (m.result || level === 'computed' || level === 'agreed' || level === 'diverged') evaluated++
          if (level === 'agreed' || level === 'diverged') answered++
        }
        if (answered >= evaluated) return still(answered, evaluated, evaluated === 0 ? 'nothing to check yet' : 'done')
        return { done: answered, total: evaluated, ratePerSecond: p?.ratePerSecond ?? 0, etaSeconds: null, active: true, note: WORKING.includes(state) || state === 'idle' ? null : 'waiting' }
      }
      if (!p) return null
      // Part of a long log: the meter's count this session, still while nothing else runs.
      return WORKING.includes(state) ? live(p) : still(p.done, p.total, p.done > 0 ? 'checked this session' : 'waiting for results')
    }
  }
}

/** Whether evaluation is running right now (the throughput chart samples 0 otherwise). */
export function evaluating(status: ProcessStatus | null): boolean {
  return status !== null && WORKING.includes(status.state)
}
