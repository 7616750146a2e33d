/**
 * Worker side of the snapshot timing: a 110 MB aos-shaped memory, a full snapshot, then rounds
 * of "500 messages" (24 heap pages rewritten) each followed by an incremental snapshot, timed.
 */
import { openAolightStore } from '../../../src/store/index'
import { aosLikeMemory, evaluateMessages } from './store-memory'

self.onmessage = async (e: MessageEvent<{ dbName: string }>) => {
  try {
    const s = await openAolightStore({ name: e.data.dbName })
    const pid = 'worker-proc'
    await s.processes.put({ id: pid, record: {}, tags: [], moduleId: 'm', scheduler: 's' })
    const memory = aosLikeMemory(11)
    const t0 = performance.now()
    const full = await s.snapshots.write(pid, { nonce: 0, cron: 0 }, memory)
    const fullMs = performance.now() - t0
    const rounds: { totalMs: number; encodeMs: number; writeMs: number; pages: number; compressedSize: number }[] = []
    for (let i = 1; i <= 6; i++) {
      evaluateMessages(memory, 100 + i)
      const t = performance.now()
      const w = await s.snapshots.write(pid, { nonce: i * 500, cron: 0 }, memory)
      rounds.push({ totalMs: performance.now() - t, ...w.timings, pages: w.snapshot.pages.length, compressedSize: w.snapshot.compressedSize })
    }
    // the same with a precomputed SHA-256 (a caller that already hashed the memory)
    evaluateMessages(memory, 200)
    const sha = await crypto.subtle.digest('SHA-256', memory as Uint8Array<ArrayBuffer>).then((d) => [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join(''))
    const t = performance.now()
    await s.snapshots.write(pid, { nonce: 4000, cron: 0 }, memory, { sha256: sha })
    const withShaMs = performance.now() - t
    const restoreT = performance.now()
    const back = await s.snapshots.restoreNewest(pid, { nonce: 4000, cron: 0 })
    const restoreMs = performance.now() - restoreT
    const backSha = back && await crypto.subtle.digest('SHA-256', back.memory as Uint8Array<ArrayBuffer>).then((d) => [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join(''))
    s.close()
    self.postMessage({
      fullMs, fullCompressed: full.snapshot.compressedSize, byteLength: memory.byteLength, rounds, withShaMs, restoreMs,
      restoredDepth: back?.snapshot.depth, restoredOk: back?.snapshot.sha256 === sha && backSha === sha,
    })
  } catch (err) {
    self.postMessage({ error: String(err) })
  }
}
