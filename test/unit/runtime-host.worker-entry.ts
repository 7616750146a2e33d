/**
 * Node worker_threads entry for runtime-host.test.ts: the same API the browser's
 * workers/runtime.worker.ts exposes, over comlink's Node adapter. workerData.runtime picks our
 * runtime (src/wasm) or the reference loader behind the same contract.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { expose } from 'comlink'
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js'
import { createRuntimeWorkerApi } from '../../src/compute/runtime-worker-api'
import { loadReferenceInstance } from '../fixtures/runtime-logs/reference-instance'

const which = (workerData as { runtime?: string } | undefined)?.runtime
expose(createRuntimeWorkerApi(which === 'reference' ? loadReferenceInstance : undefined), nodeEndpoint(parentPort!))
