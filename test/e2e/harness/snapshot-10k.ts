/**
 * Harness page of bench/snapshot-10k.bench.ts: runs snapshot-10k.worker.ts (the compute worker's
 * snapshot and warm-open paths on a real runtime worker and IndexedDB) and hands back its figures.
 */
import type { Snap10kRequest, Snap10kResult } from './snapshot-10k.worker'

declare global {
  interface Window { snap10k: { run(req: Snap10kRequest): Promise<Snap10kResult> } }
}

window.snap10k = {
  run: (req) => new Promise((resolve, reject) => {
    const w = new Worker(new URL('./snapshot-10k.worker.ts', import.meta.url), { type: 'module', name: 'snapshot-10k' })
    w.onmessage = (e: MessageEvent<{ ok: true; result: Snap10kResult } | { ok: false; error: string }>) => {
      w.terminate()
      if (e.data.ok) resolve(e.data.result)
      else reject(new Error(e.data.error))
    }
    w.onerror = (e) => { w.terminate(); reject(new Error(`snapshot-10k worker: ${e.message}`)) }
    w.postMessage(req)
  }),
}
document.title = 'snapshot-10k harness ready'
