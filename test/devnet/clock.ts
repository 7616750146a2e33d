/**
 * The real wall clock, captured before any ao-loader glue runs: the glue replaces the global
 * `Date.now` with a counter starting at 10000 (for determinism inside the Wasm), and SU
 * timestamps must not come from that counter.
 */
const realDateNow = Date.now.bind(Date)

export function now(): number {
  return realDateNow()
}

/** Puts the real `Date.now` back (call after anything that may have replaced it). */
export function restoreDateNow(): void {
  Date.now = realDateNow
}
