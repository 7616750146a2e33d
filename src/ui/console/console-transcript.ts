/**
 * The console's transcript kept in sessionStorage (this tab only), so a reload keeps what was
 * typed and answered. A line that was still travelling (signing, queued, retrying, sent and
 * waiting for its result) cannot be followed after a reload: it is restored as a note pointing at
 * the Send page's pending sends, where the outgoing queue shows what became of it.
 */
import type { ConsoleLine } from './console-state.svelte'

const KEY_PREFIX = 'aolight.console.'
/** per line, so one huge output cannot push the rest out of the ~5 MB sessionStorage */
const MAX_SAVED_CHARS = 20_000

export interface SavedConsole {
  lines: ConsoleLine[]
  prompt: string | null
}

const key = (processId: string) => `${KEY_PREFIX}${processId}`

export function loadTranscript(processId: string): SavedConsole | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(key(processId))
    if (!raw) return null
    const saved = JSON.parse(raw) as SavedConsole
    if (!Array.isArray(saved.lines)) return null
    return { lines: saved.lines.map(afterReload), prompt: typeof saved.prompt === 'string' ? saved.prompt : null }
  } catch {
    return null // unreadable or disabled storage: start empty
  }
}

export function saveTranscript(processId: string, saved: SavedConsole): void {
  const lines = saved.lines.map((l) => (l.kind !== 'item' && l.text.length > MAX_SAVED_CHARS
    ? { ...l, text: `${l.text.slice(0, MAX_SAVED_CHARS)}\n… (${(l.text.length - MAX_SAVED_CHARS).toLocaleString('en')} more characters not kept across a reload)` }
    : l))
  try {
    globalThis.sessionStorage?.setItem(key(processId), JSON.stringify({ lines, prompt: saved.prompt }))
  } catch {
    // full or disabled: the transcript just won't survive a reload
  }
}

/** A travelling item line becomes a note; finished ones stay as they were. */
function afterReload(l: ConsoleLine): ConsoleLine {
  if (l.kind !== 'item') return l
  const s = l.stage
  if (s.stage === 'evaluated' || s.stage === 'refused' || s.stage === 'cancelled' || s.stage === 'no-result') return l
  const id = 'id' in s ? s.id : null
  return {
    kind: 'info',
    text: id
      ? `Message ${id} was on its way when the page reloaded; the Send page's pending sends show what became of it, and the process log shows its result once evaluated.`
      : 'A message was being signed when the page reloaded; it was not sent.',
  }
}
