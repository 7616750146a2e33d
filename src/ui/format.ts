/** Display formatting shared by views: counts, rates, durations, bytes, ids. Pure functions. */

const int = new Intl.NumberFormat('en', { maximumFractionDigits: 0 })
const dec1 = new Intl.NumberFormat('en', { maximumFractionDigits: 1 })

export function formatCount(n: number): string {
  return int.format(n)
}

export function formatRate(perSecond: number, unit = 'msg'): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `– ${unit}/s`
  return `${perSecond >= 100 ? int.format(perSecond) : dec1.format(perSecond)} ${unit}/s`
}

/** `1 h 02 min`, `3 min 05 s`, `42 s`; `–` when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 ? int.format(v) : dec1.format(v)} ${units[i]}`
}

/** `abcd…wxyz` for long ids in tight places; the full id goes in a title attribute. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 5)}…${id.slice(-4)}` : id
}

/**
 * The process-level verification shown in its header: the lowest level over every loaded row,
 * cron evaluations included (a cron result the CU disagrees with is as wrong as a message's), once
 * every logged message is loaded; else the node's summary. A divergence anywhere, cron or not,
 * shows as diverged at once. Crons still at `computed` keep the header below `agreed`
 * (`pendingCronCount` says how many, for a "messages agreed, N crons pending" line).
 */
export function processVerification(
  summary: import('../node/contract').Verification,
  messages: readonly import('../node/contract').LoggedMessage[],
  messageCount: number,
): import('../node/contract').Verification {
  const diverged = messages.find((m) => m.verification.level === 'diverged')
  if (diverged) return diverged.verification
  const logged = messages.filter((m) => !m.cron)
  if (logged.length === 0 || logged.length < messageCount) return summary
  const order = ['fetched', 'signed', 'chained', 'computed', 'agreed'] as const
  let low = order.length - 1
  for (const m of messages) low = Math.min(low, order.indexOf(m.verification.level as (typeof order)[number]))
  return { level: order[Math.max(0, low)]! }
}

/** Cron evaluations not yet cross-checked (below `agreed`, not diverged). */
export function pendingCronCount(messages: readonly import('../node/contract').LoggedMessage[]): number {
  return messages.filter((m) => m.cron && m.verification.level !== 'agreed' && m.verification.level !== 'diverged').length
}

// Bidi embeddings/overrides/isolates and marks, zero-width characters, and C0/C1 controls other
// than tab and newline: invisible, yet they reorder or hide what is shown ("evil" shown as "live").
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g

/** Untrusted text with each invisible or direction-changing character shown as ⟨U+XXXX⟩. */
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`)
}

/** The Send form's data-size refusal ("The data is 20.0 MB; an item may be at most 10 MiB."), or null when it fits. */
export function dataSizeProblem(bytes: number, limit: number): string | null {
  if (bytes <= limit) return null
  return `The data is ${(bytes / 1e6).toFixed(1)} MB; an item may be at most ${limit / (1024 * 1024)} MiB.`
}
