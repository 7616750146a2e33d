/**
 * Shared benchmark plumbing. A bench file `bench/<name>.bench.ts` default-exports
 * `async (ctx) => BenchRow[]`; `npm run bench` runs them all (or those named on the command line)
 * and prints one JSON document and a table. Each row states its figure and, where a reference
 * was measured in the same run, the ratio against it.
 */
export interface BenchRow {
  /** bench file / group, e.g. "items" */
  group: string
  /** what was measured, e.g. "decode+verify type 1" */
  name: string
  value: number
  unit: string
  /** the same quantity for the reference implementation, measured in the same run */
  reference?: { name: string; value: number }
  /** ours / reference, oriented so that > 1 means ours is better */
  ratio?: number
  higherIsBetter?: boolean
  note?: string
}

export interface BenchContext {
  /** quick mode (`--quick`): fewer iterations, for smoke-checking a bench */
  quick: boolean
}

export type Bench = (ctx: BenchContext) => Promise<BenchRow[]>

// Captured at load: ao-loader replaces Date.now globally, so benches time with this.
const perfNow = performance.now.bind(performance)
export const now = (): number => perfNow()

export function row(r: BenchRow): BenchRow {
  if (r.reference && r.ratio === undefined && r.reference.value > 0 && r.value > 0) {
    const hib = r.higherIsBetter ?? true
    r.ratio = hib ? r.value / r.reference.value : r.reference.value / r.value
  }
  return r
}

/** Run `fn` repeatedly for at least `minMs` (and `minRuns`); returns operations per second. */
export async function opsPerSecond(fn: () => unknown, opts: { minMs?: number; minRuns?: number } = {}): Promise<number> {
  const minMs = opts.minMs ?? 1000
  const minRuns = opts.minRuns ?? 5
  let runs = 0
  const start = now()
  while (runs < minRuns || now() - start < minMs) {
    await fn()
    runs++
  }
  return (runs * 1000) / (now() - start)
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
