/**
 * Errors as sentences for the console and the Send view: what went wrong in words first, the raw
 * text (URLs, HTTP status, response body) kept as collapsible details. No `Error:`/`BlueprintError:`
 * prefixes, no JSON bodies in the sentence.
 */
import { NodeError } from '../../node/contract'
import { BlueprintError } from './blueprints'
import { cancelledText } from './send-progress'

export interface ExplainedError {
  text: string
  /** the original message and fields, for a "Details" disclosure; null when the text says it all */
  details: string | null
}

// What schedulers answer for a target that is not a process they schedule (devnet SU: "target
// process X is not on this SU"; ao SU/router: "process not found", "Process X not found").
const NOT_A_PROCESS = /is not on this SU|process[^"]*not found|not a process|no such process/i
// `POST http://host/ → 404 Not Found: {"error":"…"}` in a relay refusal.
const HTTP_REFUSAL = /(\w+) (https?:\/\/\S+) → (\d{3})[^:]*: (.*)$/s

function bodyError(body: string): string | null {
  try {
    const v: unknown = JSON.parse(body)
    if (v && typeof v === 'object' && typeof (v as { error?: unknown }).error === 'string') return (v as { error: string }).error
  } catch {
    /* not JSON */
  }
  return body.trim() === '' ? null : body.trim().slice(0, 200)
}

function originOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/**
 * A refusal kept in the outgoing queue (`lastError` without its `refused: ` prefix) in words:
 * who refused it and why, without URLs paths or JSON bodies ("the 127.0.0.1:4000 unit answered
 * HTTP 404: target process X is not on this SU"). Unknown shapes come back unchanged.
 */
export function refusalText(raw: string): string {
  const http = HTTP_REFUSAL.exec(raw)
  if (!http) return raw
  const reason = bodyError(http[4]!)
  return `the ${originOf(http[2]!)} unit answered HTTP ${http[3]}${reason ? `: ${reason}` : ''}`
}

export interface ErrorContext {
  /** the id the message was sent to */
  target?: string
  /** where sends are posted (the relayRoute setting): names the unit that refused */
  route?: 'mu' | 'su'
}

export function explainError(e: unknown, ctx: ErrorContext = {}): ExplainedError {
  if (e instanceof BlueprintError) {
    const d = [e.details.url && `URL: ${e.details.url}`, e.details.status && `HTTP status: ${e.details.status}`].filter(Boolean).join('\n')
    return { text: e.message, details: d || null }
  }
  if (e instanceof NodeError) {
    const raw = e.message
    if (e.details.relayCode === 'send/cancelled') {
      const id = typeof e.details.id === 'string' ? e.details.id : '(unknown id)'
      return { text: cancelledText(id, Number(e.details.attempts ?? 0)), details: raw }
    }
    if (e.details.relayCode === 'item/invalid' && typeof e.details.size === 'number' && typeof e.details.limit === 'number') {
      // The builder's limit check (item-builder.ts checkItemLimits): size of the whole signed item.
      const mib = e.details.limit / (1024 * 1024)
      return { text: `The message would be ${(e.details.size / 1e6).toFixed(1)} MB once signed; an item may be at most ${mib} MiB. Make the data smaller.`, details: raw }
    }
    if (e.details.relayCode === 'send/not-cancellable') return { text: `Not cancelled: ${raw.replace(/^cannot (cancel|discard) /, '')}.`.replace(/\.\.$/, '.'), details: null }
    if (e.details.relayCode === 'send/refused') {
      const http = HTTP_REFUSAL.exec(raw)
      const reason = http ? bodyError(http[4]!) : null
      const target = ctx.target ?? (typeof e.details.target === 'string' ? e.details.target : null)
      if (NOT_A_PROCESS.test(raw)) {
        // All that is known is that this unit has no such process: the id may be a wallet, a
        // message, or a process on another network, so the sentence claims none of them.
        const unit = ctx.route === 'mu' ? 'messenger' : ctx.route === 'su' ? 'scheduler' : 'scheduler or messenger'
        const at = http ? ` at ${originOf(http[2]!)}` : ''
        return {
          text: `No process ${target ?? ''}`.trimEnd() + ` on the ${unit}${at}: it is not a process this network knows (a wallet, a message, or a process on another network).`,
          details: raw,
        }
      }
      if (http) return { text: `The ${originOf(http[2]!)} unit refused the message (HTTP ${http[3]}${reason ? `: ${reason}` : ''}). It was not sent.`, details: raw }
      return { text: `The message was refused and not sent: ${raw}`, details: null }
    }
    return { text: raw, details: null }
  }
  if (e instanceof Error) return { text: e.message, details: e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : null }
  return { text: String(e), details: null }
}
