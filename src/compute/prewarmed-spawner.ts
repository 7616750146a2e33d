/**
 * Keeps one runtime worker started ahead of need: the module worker's scripts load while the
 * process and its log are being fetched, so the first evaluation does not wait for them, and a
 * worker is at hand if the network (and the dev server) goes away later.
 */
import type { RuntimeWorkerHandle, SpawnRuntimeWorker } from './runtime-host'

export function prewarmedSpawner(spawn: SpawnRuntimeWorker): SpawnRuntimeWorker {
  let spare: RuntimeWorkerHandle | undefined = spawn()
  return () => {
    const w = spare ?? spawn()
    spare = undefined
    try {
      spare = spawn()
    } catch {
      spare = undefined // e.g. offline without a cached script: spawn on demand next time
    }
    return w
  }
}
