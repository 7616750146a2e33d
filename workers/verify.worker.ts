/**
 * Dedicated Worker that checks batches of item signatures for a log check (a pool of these is
 * started by src/compute/verify-pool.ts inside the compute worker). Thin: the API is
 * src/compute/verify-worker-api.ts.
 */
import { expose } from 'comlink'
import { createVerifyWorkerApi } from '../src/compute/verify-worker-api'

expose(createVerifyWorkerApi())
