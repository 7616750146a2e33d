/**
 * The clock the modules see. The reference glue replaces the global Date.now with a counter
 * (`TIME = 10000; Date.now = () => TIME++`), and emscripten_date_now / emscripten_get_now read it.
 * Instantiation itself consumes 4 ticks (FS.init's three std stream symlinks and the /data mkdir,
 * whose MEMFS node timestamps read Date.now), so the module's first read returns 10004.
 * We keep that counter per instance and never touch the host's Date.
 */
export const CLOCK_START = 10000

export class DeterministicClock {
  constructor(public next = CLOCK_START) {}
  now(): number {
    return this.next++
  }
}
