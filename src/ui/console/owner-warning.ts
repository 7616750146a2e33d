/**
 * aos evaluates an `Action: Eval` only when it comes from the process owner; from anyone else the
 * Eval lands in its Inbox and the answer is a "New Message From …" note. Sending stays possible
 * (an Inbox message is legitimate): the console says so before and after sending.
 */
import { shortId } from '../format'

/** The warning for sending an Eval as `wallet` to a process owned by `owner`; null when it is the owner or either is unknown. */
export function notOwnerWarning(wallet: string | null, owner: string | null): string | null {
  if (!wallet || !owner || wallet === owner) return null
  return `You are not the owner (${shortId(owner)}); aos only runs Evals from its owner: this goes to its Inbox.`
}
