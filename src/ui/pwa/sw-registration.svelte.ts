/**
 * Service worker registration through workbox-window (prompt mode): the worker precaches the app
 * shell; a new version waits until the person accepts the update prompt, then takes over and the page
 * reloads once. Only in production builds: the dev server has no generated service worker.
 */
import type { Workbox } from 'workbox-window'

export type SwState =
  | { kind: 'unsupported' }
  | { kind: 'registering' }
  /** the shell is cached: the app opens without a network */
  | { kind: 'offline-ready' }
  | { kind: 'active' }
  /** a new version is installed and waiting for the person's go-ahead */
  | { kind: 'update-waiting' }
  | { kind: 'error'; message: string }

let state = $state<SwState>({ kind: 'registering' })
let wb: Workbox | null = null

export const swRegistration = {
  get state(): SwState {
    return state
  },
  /** Activates the waiting worker and reloads when it controls the page. */
  applyUpdate(): void {
    if (!wb) return
    wb.addEventListener('controlling', () => window.location.reload())
    wb.messageSkipWaiting()
  },
  dismiss(): void {
    state = { kind: 'active' }
  },
}

export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) {
    state = { kind: 'unsupported' }
    return
  }
  try {
    const { Workbox } = await import('workbox-window')
    wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL, type: 'classic' })
    wb.addEventListener('waiting', () => {
      state = { kind: 'update-waiting' }
    })
    wb.addEventListener('installed', (e) => {
      if (!e.isUpdate) state = { kind: 'offline-ready' }
    })
    const reg = await wb.register()
    if (state.kind === 'registering') state = reg?.waiting ? { kind: 'update-waiting' } : { kind: 'active' }
  } catch (e) {
    state = { kind: 'error', message: e instanceof Error ? e.message : String(e) }
  }
}
