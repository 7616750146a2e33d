/**
 * A RuntimeHost worker as a Node worker thread running runtime-host.worker-entry.ts, for the
 * unit tests that drive RuntimeHost with real workers. `runtime` picks ours or the reference
 * loader (read by the entry from workerData).
 */
import { Worker } from 'node:worker_threads'
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js'
import type { RuntimeWorkerHandle } from '../../src/compute/runtime-host'

const entry = new URL('./runtime-host.worker-entry.ts', import.meta.url).href

export function spawnNodeRuntimeWorker(runtime: string): RuntimeWorkerHandle {
  // an eval'd CommonJS stub that loads the TS entry through tsx's API; V8 flags (memory64) are
  // per process, so the worker inherits the parent's
  const w = new Worker(`import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`, {
    eval: true,
    workerData: { runtime },
  })
  return {
    endpoint: nodeEndpoint(w),
    terminate: () => void w.terminate(),
    onDeath: (listener) => {
      w.on('error', (e) => listener(`worker thread error: ${e.message}`))
      w.on('exit', (code) => listener(`worker thread exited with code ${code}`))
    },
  }
}
