/**
 * Fixed ports in tests and benches must sit below Linux's ephemeral range (32768–60999 by
 * default): a port inside it can be taken at any moment as the local end of an outgoing
 * connection (Chromium to Vite, a fetch to a devnet), and the next listen fails with EADDRINUSE.
 * CI hit exactly that on 49704. This scans every test and bench source for port-like literals.
 */
import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const EPHEMERAL_LOW = 32768
const EPHEMERAL_HIGH = 60999
const ROOTS = ['test', 'bench', 'scripts']
const SKIP = new Set(['fixtures', 'node_modules', 'test-results'])

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return []
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return /\.(ts|mjs|js)$/.test(name) ? [path] : []
  })
}

/** A literal used as a port: `PORT = n`, `?? n` after a port env var, `basePort: n`, `127.0.0.1:n`, `port: n`. */
const PORT_LITERAL = /(?:PORT[A-Z_]*\s*=\s*(?:Number\([^)]*\?\?\s*)?|[Pp]ort:\s*|127\.0\.0\.1:|localhost:)(\d{4,5})\b/g

export function ephemeralPortLiterals(text: string): number[] {
  return [...text.matchAll(PORT_LITERAL)].map((m) => Number(m[1])).filter((p) => p >= EPHEMERAL_LOW && p <= EPHEMERAL_HIGH)
}

describe('fixed test ports', () => {
  it('the scanner sees the shapes ports are written in', () => {
    expect(ephemeralPortLiterals('const DEVNET_PORT = 49700')).toEqual([49700])
    expect(ephemeralPortLiterals("const P = Number(process.env.BENCH_PORT ?? 43150)")).toEqual([])
    expect(ephemeralPortLiterals('const VITE_PORT = Number(process.env.BENCH_VITE_PORT ?? 43195)')).toEqual([43195])
    expect(ephemeralPortLiterals('startDevnet({ basePort: 45300 })')).toEqual([45300])
    expect(ephemeralPortLiterals("'http://127.0.0.1:43529'")).toEqual([43529])
    expect(ephemeralPortLiterals('const DEVNET_PORT = 19700; port: 5173')).toEqual([])
  })

  it('no test or bench listens on a fixed port inside the ephemeral range', () => {
    const offenders = ROOTS.flatMap((root) => sources(root)).filter((file) => !file.endsWith('test-ports.test.ts')).flatMap((file) =>
      ephemeralPortLiterals(readFileSync(file, 'utf8')).map((port) => `${file}: ${port}`),
    )
    expect(offenders, `move these below ${EPHEMERAL_LOW}`).toEqual([])
  })
})
