/**
 * snapshots.keepPerProcess in real Chromium IndexedDB: after pruning, only the newest N usable
 * snapshots of a process remain plus every snapshot their incremental chains need; other
 * processes, log entries and results are untouched; a resume after pruning restores the newest
 * snapshot's exact memory (dense and sparse), and writing goes on incrementally on top of it.
 * Also: a snapshot written from a sparse memory (what the runtime worker hands over) restores to
 * the same bytes as one written from the whole memory.
 */
import { test, expect } from '@playwright/test'
import { harnessUrl } from './env'
import type { PruneHarness } from './harness/store-prune'

declare global {
  interface Window { prune: PruneHarness }
}

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (e) => console.log('pageerror:', e.message))
  await page.goto(`${harnessUrl}/store-prune.html`)
  await page.waitForFunction(() => document.title === 'store-prune harness ready')
})

test('keepPerProcess: newest N kept with their chains, the rest deleted, nothing else touched; resume after pruning', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const H = window.prune
    const name = 'prune-' + Math.random()
    const s = await H.openAolightStore({ name })
    const proc = (id: string) => ({ id, record: { process_id: id }, tags: [], moduleId: 'm', scheduler: 's' })
    await s.processes.put(proc('A'))
    await s.processes.put(proc('B'))
    await s.log.appendVerified('A', Array.from({ length: 12 }, (_, nonce) => ({ nonce, messageId: 'a' + nonce, timestamp: nonce, level: 'chained' as const, edge: { n: nonce } })))
    await s.results.putEvaluated('A', Array.from({ length: 12 }, (_, nonce) => ({ nonce, cron: 0, messageId: 'a' + nonce, timestamp: nonce, result: { Output: String(nonce) }, error: false })))
    const mem = H.aosLikeMemory(7)
    const shas: Record<number, string> = {}
    // A: chains of depth <= 2 (full, inc, inc, full, inc, inc, full), sparse and dense writes mixed
    for (let nonce = 1; nonce <= 7; nonce++) {
      H.evaluateMessages(mem, nonce)
      const input = nonce % 2 ? H.toSparse(mem) : mem
      await s.snapshots.write('A', { nonce, cron: 0 }, input, { maxDepth: 2 })
      shas[nonce] = await H.sha256Hex(mem)
    }
    const memB = H.aosLikeMemory(9)
    await s.snapshots.write('B', { nonce: 3, cron: 0 }, memB)
    await s.snapshots.write('B', { nonce: 4, cron: 0 }, memB)
    const before = (await s.snapshots.list('A')).map((m) => ({ id: m.id, nonce: m.nonce, kind: m.kind, baseId: m.baseId }))
    // keep 2: the newest (nonce 7, a full one) and nonce 6 (an incremental on 5 on 4): 4, 5, 6, 7 stay
    const pruned2 = (await s.snapshots.prune('A', 2)).map((e) => e.nonce).sort((a, b) => a - b)
    const after2 = (await s.snapshots.list('A')).map((m) => m.nonce)
    const pruned1 = (await s.snapshots.prune('A', 1)).map((e) => e.nonce).sort((a, b) => a - b)
    const after1 = (await s.snapshots.list('A')).map((m) => m.nonce)
    const listB = (await s.snapshots.list('B')).map((m) => m.nonce)
    const logHead = await s.log.head('A')
    const results = (await s.results.page('A', { limit: 100 })).edges.length
    s.close()
    // resume in a fresh store connection (no cached base): newest snapshot, exact bytes
    const s2 = await H.openAolightStore({ name })
    const dense = await s2.snapshots.restoreNewest('A', { nonce: 100, cron: 0 })
    const denseSha = dense ? await H.sha256Hex(dense.memory) : null
    const sparse = await s2.snapshots.restoreNewestSparse('A', { nonce: 100, cron: 0 })
    const sparseSha = sparse ? await H.sha256Hex(H.toDense(sparse.memory)) : null
    const sparsePages = sparse?.memory.pages.length ?? -1
    // and on: an incremental on the restored snapshot, then pruning to 1 keeps its base
    H.evaluateMessages(mem, 8)
    const w8 = await s2.snapshots.write('A', { nonce: 8, cron: 0 }, H.toSparse(mem), { maxDepth: 2 })
    const sha8 = await H.sha256Hex(mem)
    await s2.snapshots.prune('A', 1)
    const after8 = (await s2.snapshots.list('A')).map((m) => m.nonce)
    const r8 = await s2.snapshots.restoreNewest('A', { nonce: 100, cron: 0 })
    const r8Sha = r8 ? await H.sha256Hex(r8.memory) : null
    s2.close()
    indexedDB.deleteDatabase(name)
    return { before, pruned2, after2, pruned1, after1, listB, logHead, results, shas, denseSha, sparseSha, sparsePages, restoredNonce: dense?.snapshot.nonce, w8: { kind: w8.snapshot.kind, sha256: w8.snapshot.sha256 }, sha8, after8, r8Sha }
  })
  expect(r.before.map((b) => b.kind)).toEqual(['full', 'incremental', 'incremental', 'full', 'incremental', 'incremental', 'full'])
  expect(r.pruned2).toEqual([1, 2, 3])
  expect(r.after2).toEqual([4, 5, 6, 7])
  expect(r.pruned1).toEqual([4, 5, 6])
  expect(r.after1).toEqual([7])
  expect(r.listB).toEqual([3, 4])
  expect(r.logHead).toBe(11)
  expect(r.results).toBe(12)
  expect(r.restoredNonce).toBe(7)
  expect(r.denseSha).toBe(r.shas[7])
  expect(r.sparseSha).toBe(r.shas[7])
  expect(r.sparsePages).toBeGreaterThan(0)
  expect(r.w8.kind).toBe('incremental')
  expect(r.w8.sha256).toBeNull() // a sparse write records no whole-memory hash unless asked
  expect(r.after8).toEqual([7, 8])
  expect(r.r8Sha).toBe(r.sha8)
})
