/**
 * Where a message sent from the console or the Send view is on its way, as words: signing, queued
 * (offline), posting with retries and their reasons, sent, refused, evaluated. Folded from the
 * tracked send's steps (client.sendTracked) so the console and Send view say the same thing.
 */
import type { SendProgress } from '../../node/client'

export type SendStage =
  | { stage: 'signing' }
  | { stage: 'queued'; id: string }
  | { stage: 'retry'; id: string; attempt: number; reason: string }
  | { stage: 'sent'; id: string; postedTo: string }
  | { stage: 'refused'; id: string; reason: string }
  /** the person cancelled it before it was acknowledged; `attempts` > 0: one may have got through */
  | { stage: 'cancelled'; id: string; attempts: number }
  | { stage: 'evaluated'; id: string }
  | { stage: 'no-result'; id: string; reason: string }

/** The next stage after one step of the queue (events for other stages leave it as it is). */
export function foldProgress(now: SendStage, p: SendProgress): SendStage {
  switch (p.type) {
    case 'signing':
      return { stage: 'signing' }
    case 'queued':
      return { stage: 'queued', id: p.id }
    case 'retry':
      return { stage: 'retry', id: p.id, attempt: p.attempt, reason: p.error }
    case 'sent':
    case 'superseded':
      return { stage: 'sent', id: p.id, postedTo: p.postedTo }
    case 'uploaded':
      return { stage: 'sent', id: p.id, postedTo: 'the uploader' }
    case 'refused':
      return { stage: 'refused', id: p.id, reason: p.error }
    case 'cancelled':
      return { stage: 'cancelled', id: p.id, attempts: p.attempts }
    case 'assigned':
      return now.stage === 'sent' || now.stage === 'evaluated' ? now : { stage: 'sent', id: p.id, postedTo: 'the scheduler' }
  }
}

/** One line for the stage; `online` is navigator.onLine (a queued item waits for the network). */
export function describeStage(s: SendStage, online: boolean): string {
  switch (s.stage) {
    case 'signing':
      return 'Signing… (your wallet may ask you to confirm)'
    case 'queued':
      return online ? `Signed ${s.id}. Posting…` : `Signed ${s.id}. Queued — will send when online.`
    case 'retry':
      // Offline, the retry reasons are all "failed to fetch": the state is what matters.
      return online ? `Posting ${s.id}… (retry ${s.attempt + 1}: ${s.reason})` : `Signed ${s.id}. Queued — will send when online.`
    case 'sent':
      return `Sent ${s.id} to ${s.postedTo}; waiting for its result…`
    case 'refused':
      return `Not sent: ${s.id} was refused (${s.reason}).`
    case 'cancelled':
      return cancelledText(s.id, s.attempts)
    case 'evaluated':
      return `Sent ${s.id}; evaluated.`
    case 'no-result':
      return `Sent ${s.id}; ${s.reason}`
  }
}

/** Whether the item may still change stage (the line shows it is in progress). */
export function inProgress(s: SendStage): boolean {
  return s.stage === 'signing' || s.stage === 'queued' || s.stage === 'retry' || s.stage === 'sent'
}

/**
 * The words for a cancelled send. After a failed attempt the post may have reached the MU/SU
 * anyway (the answer lost on the way back), so "not sent" is only certain without attempts.
 */
export function cancelledText(id: string, attempts: number): string {
  if (attempts === 0) return `Cancelled: not sent (${id} was never posted).`
  return `Cancelled: not sent. ${id} had ${attempts} failed attempt${attempts === 1 ? '' : 's'}; if one of them reached the network after all, it will still be scheduled, and this page will say so.`
}
