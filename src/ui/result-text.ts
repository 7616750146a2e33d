/**
 * Turning untrusted result values into display text. Everything a process returns is attacker-
 * controlled: it is only ever shown as text (never as HTML), with terminal colour codes removed.
 */

// CSI sequences (colours, cursor moves) and other ESC sequences aos puts in its output.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '')
}

/** Stable, readable JSON for any value; never throws (cycles and BigInts are shown, not fatal). */
export function toDisplayJson(value: unknown): string {
  const seen = new WeakSet<object>()
  try {
    return JSON.stringify(
      value,
      (_k, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[cycle]'
          seen.add(v)
        }
        return v
      },
      2,
    ) ?? String(value)
  } catch (e) {
    return `[unprintable: ${e instanceof Error ? e.message : String(e)}]`
  }
}

/** Whether terminal colour codes are kept (the console renders them) or removed (everywhere else). */
export interface AnsiOption {
  keepAnsi?: boolean
}

/**
 * The text of a result's Output: aos returns `{data:{output,prompt}}`, `{data:"…",prompt}` or
 * `{data:"…"}`, other modules a string. Anything else is shown as JSON.
 */
export function outputText(output: unknown, opts: AnsiOption = {}): string {
  const text = (t: string) => (opts.keepAnsi ? t : stripAnsi(t))
  if (output === undefined || output === null || output === '') return ''
  if (typeof output === 'string') return text(output)
  if (typeof output === 'object') {
    const data = (output as { data?: unknown }).data
    if (typeof data === 'string') return text(data)
    if (typeof data === 'object' && data !== null) {
      const inner = (data as { output?: unknown }).output
      if (typeof inner === 'string') return text(inner)
      if (inner !== undefined) return toDisplayJson(inner)
    }
  }
  return toDisplayJson(output)
}

/** The aos prompt in an Output, if any (for the console): `{prompt}` (aos 2) or `{data:{prompt}}`. */
export function outputPrompt(output: unknown, opts: AnsiOption = {}): string | null {
  if (typeof output !== 'object' || output === null) return null
  const o = output as { prompt?: unknown; data?: unknown }
  const nested = typeof o.data === 'object' && o.data !== null ? (o.data as { prompt?: unknown }).prompt : undefined
  const prompt = typeof o.prompt === 'string' ? o.prompt : nested
  if (typeof prompt !== 'string') return null
  return opts.keepAnsi ? prompt : stripAnsi(prompt)
}

/** A result's Error as text (aos sends a string; anything else as JSON). */
export function errorText(error: unknown, opts: AnsiOption = {}): string {
  const t = typeof error === 'string' ? error : toDisplayJson(error)
  return opts.keepAnsi ? t : stripAnsi(t)
}

/** Cuts very long text for first display; the UI offers the rest on demand. */
export function clip(text: string, max = 20_000): { text: string; clipped: number } {
  return text.length <= max ? { text, clipped: 0 } : { text: text.slice(0, max), clipped: text.length - max }
}
