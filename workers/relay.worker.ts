/**
 * Dedicated Worker running the relay (MU side of the tab): the persistent outgoing queue, the
 * crank and the relay key. Thin: the API is src/relay/relay-worker-api.ts.
 */
import { expose } from 'comlink'
import { createRelayWorkerApi } from '../src/relay/relay-worker-api'

const api = createRelayWorkerApi()
expose(api)
// A network that comes back resumes what is still queued.
globalThis.addEventListener('online', () => void api.resume().catch(() => undefined))
