/**
 * The warnings a process page shows, folded from the node's warning events.
 *
 * Two rules keep the list readable and keep what the page depends on from scrolling away:
 * - the cached-copy warning (why the page shows the cache) is held on its own, never evicted by
 *   later warnings: the status line and the "Try again" button read it;
 * - a CU that fails the cross-check of many messages (it restarted, or does not know the process)
 *   gives one warning that counts them, not one per message.
 * Everything else is kept newest last, at most `MAX_WARNINGS`.
 */
import { isCachedCopyWarning } from '../compute/compute-errors'
import type { NodeErrorInfo } from '../node/contract'

export const MAX_WARNINGS = 10

export interface SessionWarnings {
  /** why the cached copy is shown (network unreachable, or the network forgot the process) */
  readonly cachedCopy: NodeErrorInfo | null
  /** other warnings, newest last; a repeated cross-check failure carries `details.repeats` */
  readonly list: readonly NodeErrorInfo[]
}

export const NO_WARNINGS: SessionWarnings = { cachedCopy: null, list: [] }

/** The CU a cross-check warning is about, if it is one. */
function crossCheckCu(w: NodeErrorInfo): string | null {
  const cu = w.details['cu']
  return typeof cu === 'string' ? cu : null
}

export function addWarning(state: SessionWarnings, w: NodeErrorInfo): SessionWarnings {
  if (isCachedCopyWarning(w)) return { ...state, cachedCopy: w }
  const cu = crossCheckCu(w)
  if (cu !== null) {
    const i = state.list.findIndex((x) => crossCheckCu(x) === cu && x.code === w.code)
    if (i >= 0) {
      const repeats = Number(state.list[i]!.details['repeats'] ?? 1) + 1
      // the newest reason, counted, moved to the end (it is the latest news)
      const merged: NodeErrorInfo = { ...w, details: { ...w.details, repeats } }
      return { ...state, list: [...state.list.slice(0, i), ...state.list.slice(i + 1), merged] }
    }
  }
  return { ...state, list: [...state.list.slice(-(MAX_WARNINGS - 1)), w] }
}

/** The text a warning is shown with: a repeated cross-check failure says how many messages it hit. */
export function warningText(w: NodeErrorInfo): string {
  const repeats = Number(w.details['repeats'] ?? 1)
  return repeats > 1 ? `${w.message} (${repeats} messages so far)` : w.message
}
