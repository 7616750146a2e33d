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

/**
 * The text of a result's Output: aos returns `{data:{output,prompt}}` or `{data:"…"}`,
 * other modules a string. Anything else is shown as JSON.
 */
export function outputText(output: unknown): string {
  if (output === undefined || output === null || output === '') return ''
  if (typeof output === 'string') return stripAnsi(output)
  if (typeof output === 'object') {
    const data = (output as { data?: unknown }).data
    if (typeof data === 'string') return stripAnsi(data)
    if (typeof data === 'object' && data !== null) {
      const inner = (data as { output?: unknown }).output
      if (typeof inner === 'string') return stripAnsi(inner)
      if (inner !== undefined) return toDisplayJson(inner)
    }
  }
  return toDisplayJson(output)
}

/** The aos prompt in an Output, if any (for the console). */
export function outputPrompt(output: unknown): string | null {
  if (typeof output !== 'object' || output === null) return null
  const data = (output as { data?: unknown }).data
  const prompt = typeof data === 'object' && data !== null ? (data as { prompt?: unknown }).prompt : undefined
  return typeof prompt === 'string' ? stripAnsi(prompt) : null
}

/** Cuts very long text for first display; the UI offers the rest on demand. */
export function clip(text: string, max = 20_000): { text: string; clipped: number } {
  return text.length <= max ? { text, clipped: 0 } : { text: text.slice(0, max), clipped: text.length - max }
}
