/**
 * Dedicated Worker running the verifying compute unit for one process. Thin: the API and its
 * wiring (crons, cross-check against the settings' CUs, per-message `agreed` / `diverged`
 * verdicts stored with their check records) are src/compute/verifying-worker-api.ts; the module
 * runs in a nested runtime worker under a watchdog.
 */
import { expose } from 'comlink'
import { createVerifyingWorkerApi } from '../src/compute/verifying-worker-api'

expose(createVerifyingWorkerApi())
