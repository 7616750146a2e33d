/**
 * Dedicated Worker running the verifying compute unit for one process. Thin: the API is
 * src/compute/compute-worker-api.ts; the module runs in a nested runtime worker under a watchdog.
 */
import { expose } from 'comlink'
import { createComputeWorkerApi } from '../src/compute/compute-worker-api'
import { spawnBrowserRuntimeWorker } from '../src/compute/runtime-host'
import { prewarmedSpawner } from '../src/compute/prewarmed-spawner'

expose(createComputeWorkerApi({ spawnRuntimeWorker: prewarmedSpawner(spawnBrowserRuntimeWorker) }))
