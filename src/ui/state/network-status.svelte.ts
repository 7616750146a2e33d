/**
 * Whether the configured network answers, for the header: the browser's online flag, then a cheap
 * GET of the gateway's and the SU's root (from a small worker) (any HTTP answer counts as reachable; only a failed fetch
 * or a timeout does not). Re-probed on a timer, when the browser goes on- or offline, and when the
 * endpoints change.
 */
import type { Endpoints } from '../../node/contract'
import { settingsState } from './settings.svelte'

export type Reachability =
  | { state: 'checking' }
  | { state: 'online' }
  /** the browser says it has no network */
  | { state: 'offline' }
  /** the browser is online but these endpoints did not answer */
  | { state: 'unreachable'; down: { what: 'gateway' | 'SU'; url: string }[] }

const PROBE_MS = 20_000
const TIMEOUT_MS = 6_000

let current = $state<Reachability>({ state: 'checking' })
let generation = 0

let worker: Worker | null = null
let nextId = 1
const waiting = new Map<number, (ok: boolean[]) => void>()

/** Whether each URL answers, asked of the probe worker (reachability.worker.ts). */
function answer(urls: string[]): Promise<boolean[]> {
  if (!worker) {
    worker = new Worker(new URL('../../../workers/reachability.worker.ts', import.meta.url), { type: 'module', name: 'aolight-reachability' })
    worker.onmessage = (ev: MessageEvent<{ id: number; ok: boolean[] }>) => {
      waiting.get(ev.data.id)?.(ev.data.ok)
      waiting.delete(ev.data.id)
    }
  }
  const id = nextId++
  return new Promise((resolve) => {
    waiting.set(id, resolve)
    // A worker that never answers counts as no answer.
    setTimeout(() => {
      if (waiting.delete(id)) resolve(urls.map(() => false))
    }, TIMEOUT_MS + 2_000)
    worker!.postMessage({ id, urls })
  })
}

async function probe(endpoints: Endpoints): Promise<void> {
  const mine = ++generation
  if (typeof navigator !== 'undefined' && navigator.onLine === false) {
    current = { state: 'offline' }
    return
  }
  const targets = [{ what: 'gateway' as const, url: endpoints.gateway }, ...(endpoints.suIsRouter ? [] : [{ what: 'SU' as const, url: endpoints.su }])]
  const ok = await answer(targets.map((t) => t.url))
  if (mine !== generation) return // the endpoints changed meanwhile; a newer probe decides
  const down = targets.filter((_, i) => !ok[i])
  current = down.length === 0 ? { state: 'online' } : { state: 'unreachable', down }
}

export const networkStatus = {
  get value(): Reachability {
    return current
  },
  /**
   * Probes `endpoints` now and then every PROBE_MS and on online/offline events, until the
   * returned stop is called (the header's effect re-watches when the endpoints change).
   */
  watch(endpoints: Endpoints): () => void {
    current = { state: 'checking' }
    const again = () => void probe(endpoints)
    again()
    const timer = setInterval(again, PROBE_MS)
    window.addEventListener('online', again)
    window.addEventListener('offline', again)
    return () => {
      clearInterval(timer)
      window.removeEventListener('online', again)
      window.removeEventListener('offline', again)
    }
  },
  /** probe now (e.g. after a failure the user saw) */
  recheck(): void {
    void probe(settingsState.value.endpoints)
  },
}
