/**
 * Node worker_threads entry for verify-pool.test.ts: the API the browser's
 * workers/verify.worker.ts exposes, over comlink's Node adapter.
 */
import { parentPort } from 'node:worker_threads'
import { expose } from 'comlink'
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js'
import { createVerifyWorkerApi } from '../../src/compute/verify-worker-api'

expose(createVerifyWorkerApi(), nodeEndpoint(parentPort!))
