/**
 * Terminal colours in aos output, as styled text runs. aos colours its prompt and errors with SGR
 * escapes (`ESC[32m` green, `ESC[90m` grey, `ESC[31m` red, `ESC[0m` reset, `ESC[1m` bold); the
 * console shows those colours and drops every other escape (cursor moves, OSC titles). The result
 * is plain text plus a colour name per run: the view renders runs as text nodes in spans, never as
 * HTML, because the text is whatever the process returned.
 */

/** The 16 terminal colours by SGR code offset (30+i normal, 90+i bright). */
export const ANSI_COLOURS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const
export type AnsiColour = (typeof ANSI_COLOURS)[number] | `bright-${(typeof ANSI_COLOURS)[number]}`

export interface AnsiRun {
  text: string
  colour: AnsiColour | null
  bold: boolean
}

// ESC [ params intermediates final (CSI), ESC ] … BEL or ESC \ (OSC), or a two-byte ESC sequence.
const ESCAPE = /\u001b\[([0-?]*)[ -/]*([@-~])|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]?/g

/** Splits `text` into runs of equal style; adjacent runs with the same style are merged. */
export function parseAnsi(text: string): AnsiRun[] {
  const runs: AnsiRun[] = []
  let colour: AnsiColour | null = null
  let bold = false
  let last = 0
  const push = (t: string) => {
    if (t === '') return
    const prev = runs[runs.length - 1]
    if (prev && prev.colour === colour && prev.bold === bold) prev.text += t
    else runs.push({ text: t, colour, bold })
  }
  for (const m of text.matchAll(ESCAPE)) {
    push(text.slice(last, m.index))
    last = m.index + m[0].length
    if (m[2] !== 'm') continue // not SGR: dropped
    const codes = (m[1] ?? '') === '' ? [0] : (m[1] ?? '').split(/[;:]/).map((c) => (c === '' ? 0 : Number(c)))
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!
      if (c === 0) {
        colour = null
        bold = false
      } else if (c === 1) bold = true
      else if (c === 22) bold = false
      else if (c === 39) colour = null
      else if (c >= 30 && c <= 37) colour = ANSI_COLOURS[c - 30]!
      else if (c >= 90 && c <= 97) colour = `bright-${ANSI_COLOURS[c - 90]!}`
      else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0 // 256 / RGB colours: skipped, their arguments too
    }
  }
  push(text.slice(last))
  return runs
}

/** The text without any escapes. */
export function ansiPlain(text: string): string {
  return parseAnsi(text)
    .map((r) => r.text)
    .join('')
}
