/** Harness: exposes `window.verifyFixturesInWorker()`, which runs protocol.worker.ts. */
import type { FixtureVerdict } from './protocol.worker'

declare global {
  interface Window {
    verifyFixturesInWorker(): Promise<FixtureVerdict[]>
  }
}

window.verifyFixturesInWorker = () =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./protocol.worker.ts', import.meta.url), { type: 'module' })
    worker.onmessage = (e: MessageEvent<FixtureVerdict[] | { error: string }>) => {
      worker.terminate()
      if (Array.isArray(e.data)) resolve(e.data)
      else reject(new Error(e.data.error))
    }
    worker.onerror = (e) => reject(new Error(e.message))
  })
