/**
 * Dedicated Worker holding one ao module instance (one process's memory). Thin: the API is
 * src/compute/runtime-worker-api.ts; its supervisor (src/compute/runtime-host.ts) may terminate
 * this worker at any time when a message runs too long.
 */
import { expose } from 'comlink'
import { createRuntimeWorkerApi } from '../src/compute/runtime-worker-api'

expose(createRuntimeWorkerApi())
