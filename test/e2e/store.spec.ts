/**
 * src/store in real Chromium IndexedDB, through the harness page test/e2e/harness/store.html
 * (which puts the store API and an aos-shaped memory generator on window.store).
 */
import { test, expect, type Page } from '@playwright/test'
import { harnessUrl } from './env'
import type { StoreHarness } from './harness/store'

declare global {
  interface Window { store: StoreHarness }
}

async function open(page: Page): Promise<void> {
  await page.goto(`${harnessUrl}/store.html`)
  await page.waitForFunction(() => document.title === 'store harness ready')
}

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (e) => console.log('pageerror:', e.message))
  await open(page)
})

const proc = (id: string) => ({ id, record: { process_id: id }, tags: [{ name: 'Type', value: 'Process' }], moduleId: 'mod-1', scheduler: 'sched-1' })

test('migrations: data written at v1 survives the upgrade; a failing migration leaves the old version intact', async ({ page }) => {
  const r = await page.evaluate(async (p) => {
    const S = window.store
    const name = 'mig-' + Math.random()
    const v1 = await S.openAolightStore({ name, migrations: S.MIGRATIONS.slice(0, 1) })
    await v1.processes.put(p)
    await v1.log.appendVerified(p.id, [0, 1, 2].map((nonce) => ({ nonce, messageId: 'm' + nonce, timestamp: 1000 + nonce, level: 'chained' as const, edge: { cursor: String(nonce) } })))
    const v1Version = v1.db.version
    v1.close()
    v1.close() // idempotent
    // a broken v2 must not change anything
    let broken = ''
    try {
      await S.openAolightStore({ name, migrations: [...S.MIGRATIONS, () => { throw new Error('boom in v2') }] })
    } catch (e) { broken = `${(e as { code: string }).code}: ${(e as Error).message}` }
    const again = await S.openAolightStore({ name, migrations: S.MIGRATIONS.slice(0, 1) })
    const afterBroken = { version: again.db.version, head: await again.log.head(p.id) }
    again.close()
    const v2 = await S.openAolightStore({ name, migrations: [...S.MIGRATIONS, S.testMigrationV2] })
    const out = {
      v1Version, broken, afterBroken, v2Version: v2.db.version,
      process: await v2.processes.get(p.id),
      log: (await v2.log.range(p.id, 0, 10)).map((e) => e.messageId),
      byModule: await v2.db.raw('test').transaction('processes').store.index('by-module' as never).count(),
    }
    v2.close()
    return out
  }, proc('P1'))
  expect(r.v1Version).toBe(1)
  expect(r.broken).toMatch(/^store\/unavailable: upgrading database "mig-[\d.]+" to version 2 failed, it stays at its old version: Error: boom in v2/)
  expect(r.afterBroken).toEqual({ version: 1, head: 2 })
  expect(r.v2Version).toBe(2)
  expect(r.process).toMatchObject({ id: 'P1', verifiedHead: 2, status: 'ready', error: 'migrated-v2', moduleId: 'mod-1' })
  expect(r.log).toEqual(['m0', 'm1', 'm2'])
  expect(r.byModule).toBe(1)
})

test('log: verified pages append contiguously with the head; gaps and unknown processes are refused', async ({ page }) => {
  const r = await page.evaluate(async (p) => {
    const S = window.store
    const s = await S.openAolightStore({ name: 'log-' + Math.random() })
    const entries = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ nonce: from + i, messageId: 'msg' + (from + i), timestamp: from + i, level: 'chained' as const, edge: { node: { n: from + i } } }))
    const err = async (f: () => Promise<unknown>) => f().then(() => 'no error', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)
    await s.processes.put(p)
    const h0 = await s.log.head(p.id)
    const h1 = await s.log.appendVerified(p.id, entries(0, 10))
    const h2 = await s.log.appendVerified(p.id, entries(10, 10))
    const gap = await err(() => s.log.appendVerified(p.id, entries(25, 2)))
    const again = await err(() => s.log.appendVerified(p.id, entries(5, 2)))
    const inner = await err(() => s.log.appendVerified(p.id, [...entries(20, 1), ...entries(22, 1)]))
    const unknown = await err(() => s.log.appendVerified('nope', entries(0, 1)))
    const range = (await s.log.range(p.id, 8, 12)).map((e) => e.nonce)
    const byId = await s.log.byMessageId(p.id, 'msg13')
    const out = { h0, h1, h2, gap, again, inner, unknown, range, byId: byId?.nonce, head: await s.log.head(p.id), count: (await s.log.range(p.id, 0, 1e9)).length }
    s.close()
    return out
  }, proc('P2'))
  expect(r).toMatchObject({ h0: -1, h1: 9, h2: 19, range: [8, 9, 10, 11, 12], byId: 13, head: 19, count: 20 })
  expect(r.gap).toBe('store/invalid: appending 2 log entries to process P2: page starts at nonce 25 but the verified head is 19 (expected 20)')
  expect(r.again).toMatch(/page starts at nonce 5 but the verified head is 19/)
  expect(r.inner).toMatch(/store\/invalid: .*nonce 22 follows 20 inside the page/)
  expect(r.unknown).toBe('store/not-found: appending 1 log entries to process nope: process is not stored')
})

test('results: stored atomically with the evaluated head; replays skipped; paging like /results with crons in order', async ({ page }) => {
  const r = await page.evaluate(async (p) => {
    const S = window.store
    const s = await S.openAolightStore({ name: 'res-' + Math.random() })
    const err = async (f: () => Promise<unknown>) => f().then(() => 'no error', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)
    await s.processes.put(p)
    await s.log.appendVerified(p.id, Array.from({ length: 6 }, (_, nonce) => ({ nonce, messageId: 'm' + nonce, timestamp: nonce, level: 'chained' as const, edge: {} })))
    const res = (nonce: number, cron = 0, error = false) => ({ nonce, cron, messageId: cron ? undefined : 'm' + nonce, timestamp: nonce * 10 + cron, result: { Output: `o${nonce}.${cron}`, Messages: [] }, error })
    const a = await s.results.putEvaluated(p.id, [res(0), res(1), res(1, 1), res(1, 2), res(2)])
    // replay after resuming from an older snapshot: 1.2 and 2 exist, 3 is new
    const b = await s.results.putEvaluated(p.id, [res(1, 2), res(2), res(3, 0, true)])
    // a batch that fails half-way (an uncloneable value in the 2nd result) stores nothing, head unchanged
    const bad = await err(() => s.results.putEvaluated(p.id, [res(4), { ...res(5), result: { f: () => 1 } }]))
    const afterBad = { head: (await s.processes.get(p.id))?.evaluatedHead, r4: await s.results.get(p.id, { nonce: 4, cron: 0 }) }
    const beyond = await err(() => s.results.putEvaluated(p.id, [res(9)]))
    const order = await err(() => s.results.putEvaluated(p.id, [res(5), res(4)]))
    const asc1 = await s.results.page(p.id, { limit: 3 })
    const asc2 = await s.results.page(p.id, { limit: 3, after: asc1.edges[2]!.cursor })
    const desc = await s.results.page(p.id, { sort: 'DESC', limit: 10, includeErrors: true })
    const byMsg = await s.results.byMessageId(p.id, 'm2')
    s.close()
    return {
      a, b, bad, afterBad, beyond, order,
      asc1: asc1.edges.map((e) => e.cursor), asc1Next: asc1.hasNextPage,
      asc2: asc2.edges.map((e) => e.cursor), asc2Next: asc2.hasNextPage,
      desc: desc.edges.map((e) => e.cursor), byMsg: byMsg?.result,
    }
  }, proc('P3'))
  expect(r.a).toEqual({ written: 5, skipped: 0, head: { nonce: 2, cron: 0 } })
  expect(r.b).toEqual({ written: 1, skipped: 2, head: { nonce: 3, cron: 0 } })
  expect(r.bad).toMatch(/^store\/invalid: storing 2 results of process P3: value refused by IndexedDB \(DataCloneError/)
  expect(r.afterBad).toEqual({ head: { nonce: 3, cron: 0 } })
  expect(r.beyond).toBe('store/invalid: storing 1 results of process P3: result at 9 is beyond the verified log head 5')
  expect(r.order).toMatch(/result 1 at 4 does not follow 5/)
  expect(r.asc1).toEqual(['0.0', '1.0', '1.1'])
  expect(r.asc1Next).toBe(true)
  expect(r.asc2).toEqual(['1.2', '2.0']) // 3.0 errored: left out like the CU does
  expect(r.asc2Next).toBe(false)
  expect(r.desc).toEqual(['3.0', '2.0', '1.2', '1.1', '1.0', '0.0'])
  expect(r.byMsg).toEqual({ Output: 'o2.0', Messages: [] })
})

test('snapshots: 110 MB aos-shaped memory, full + incremental chain round trip, full again after maxDepth', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const S = window.store
    const s = await S.openAolightStore({ name: 'snap-' + Math.random() })
    const pid = 'P4'
    const mem = S.aosLikeMemory(1)
    const shas: string[] = [await S.sha256Hex(mem)]
    const writes = [await s.snapshots.write(pid, { nonce: 0, cron: 0 }, mem, { maxDepth: 2 })]
    for (let i = 1; i <= 3; i++) {
      S.evaluateMessages(mem, i)
      shas.push(await S.sha256Hex(mem))
      writes.push(await s.snapshots.write(pid, { nonce: i * 500, cron: 0 }, mem, { maxDepth: 2 }))
    }
    // the whole-memory SHA-256 of an incremental, computed later (idle time) and recorded
    const lazy = await s.snapshots.wholeMemorySha256(writes[1]!.snapshot.id)
    const lazyRecorded = (await s.snapshots.list(pid)).find((m) => m.id === writes[1]!.snapshot.id)!.sha256
    // ...without moving the cached base: the next write is still incremental on the newest (full) one
    S.evaluateMessages(mem, 4)
    const after = await s.snapshots.write(pid, { nonce: 2000, cron: 0 }, mem, { maxDepth: 2 })
    const afterBase = after.snapshot.baseId === writes[3]!.snapshot.id
    const restored = []
    for (const w of writes) {
      const back = await s.snapshots.read(w.snapshot.id)
      restored.push({ len: back.memory.byteLength, sha: await S.sha256Hex(back.memory) })
    }
    const newest = await s.snapshots.restoreNewest(pid, { nonce: 1200, cron: 0 })
    const none = await s.snapshots.restoreNewest(pid, { nonce: 0, cron: 0 }) // the full one at 0
    s.close()
    return {
      byteLength: mem.byteLength, shas, restored, lazy, lazyRecorded, afterBase,
      metas: writes.map((w) => ({ kind: w.snapshot.kind, depth: w.snapshot.depth, pages: w.snapshot.pages.length, raw: w.snapshot.rawSize, gz: w.snapshot.compressedSize, sha: w.snapshot.sha256, ...w.timings })),
      newest: newest && { nonce: newest.snapshot.nonce, ok: (await S.sha256Hex(newest.memory)) === shas[2] },
      zero: none?.snapshot.nonce,
    }
  })
  console.log('snapshot round trip (main thread):', JSON.stringify(r.metas))
  expect(r.byteLength).toBe(1679 * 65536)
  expect(r.metas.map((m) => [m.kind, m.depth, m.pages])).toEqual([['full', 0, 34], ['incremental', 1, 24], ['incremental', 2, 24], ['full', 0, 34]])
  // the whole-memory SHA-256 is recorded for full snapshots only (incrementals rely on their link digests)
  expect(r.metas.map((m) => m.sha)).toEqual([r.shas[0], null, null, r.shas[3]])
  expect([r.lazy, r.lazyRecorded, r.afterBase]).toEqual([r.shas[1], r.shas[1], true])
  expect(r.restored).toEqual(r.shas.map((sha) => ({ len: r.byteLength, sha })))
  expect(r.newest).toEqual({ nonce: 1000, ok: true })
  expect(r.zero).toBe(0)
  // the stored bytes of a full snapshot, as a share of the raw memory (goal <= 1 %)
  const share = r.metas[0]!.gz / r.byteLength
  console.log(`full snapshot: ${r.metas[0]!.gz} B = ${(share * 100).toFixed(3)} % of ${r.byteLength} B`)
  expect(share).toBeLessThan(0.01)
})

test('corruption: a flipped stored byte or wrong page bytes are detected, marked, and an older snapshot is used', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const S = window.store
    const s = await S.openAolightStore({ name: 'corrupt-' + Math.random() })
    const pid = 'P5'
    const mem = S.aosLikeMemory(2)
    const a = await s.snapshots.write(pid, { nonce: 10, cron: 0 }, mem, { mode: 'full' })
    S.evaluateMessages(mem, 7)
    const b = await s.snapshots.write(pid, { nonce: 20, cron: 0 }, mem, { mode: 'full' })
    S.evaluateMessages(mem, 8)
    const c = await s.snapshots.write(pid, { nonce: 30, cron: 0 }, mem) // incremental on b
    const raw = s.db.raw('test')
    // c: flip one byte in the middle of its stored compressed bytes
    const cData = (await raw.get('snapshotData', c.snapshot.id))!
    const cBytes = new Uint8Array(await cData.blob.arrayBuffer())
    cBytes[cBytes.length >> 1]! ^= 0x01
    await raw.put('snapshotData', { id: c.snapshot.id, blob: new Blob([cBytes]) })
    // b: valid deflate-raw of the wrong page bytes (decompresses fine, its content SHA-256 must catch it)
    const bData = (await raw.get('snapshotData', b.snapshot.id))!
    const plain = new Uint8Array(await new Response(bData.blob.stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer())
    plain[12345]! ^= 0x80
    const regz = await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream('deflate-raw'))).blob()
    await raw.put('snapshotData', { id: b.snapshot.id, blob: regz })
    const got = await s.snapshots.restoreNewest(pid, { nonce: 100, cron: 0 })
    const marks = (await s.snapshots.list(pid)).map((m) => [m.id, !!m.corrupt])
    // a new snapshot after this must not build on a corrupt base
    const d = await s.snapshots.write(pid, { nonce: 40, cron: 0 }, mem)
    s.close()
    return {
      got: got && { id: got.snapshot.id, nonce: got.snapshot.nonce, sha: await S.sha256Hex(got.memory), want: a.snapshot.sha256 },
      skipped: got?.skipped.map((x) => ({ id: x.id, code: x.error.code, msg: x.error.message })),
      ids: [a.snapshot.id, b.snapshot.id, c.snapshot.id], marks, d: { kind: d.snapshot.kind, base: d.snapshot.baseId },
    }
  })
  const [a, b, c] = r.ids
  expect(r.got).toMatchObject({ id: a, nonce: 10 })
  expect(r.got!.sha).toBe(r.got!.want)
  expect(r.skipped!.map((x) => [x.id, x.code])).toEqual([[c, 'store/corrupt'], [b, 'store/corrupt']])
  // c's chain holds two damaged links (checked concurrently): either may be reported
  expect(r.skipped![0]!.msg).toMatch(new RegExp(`^reading snapshot ${c}: snapshot (${c}: (zero-run packed deltas don't decode|content SHA-256)|${b}: content SHA-256)`))
  expect(r.skipped![1]!.msg).toMatch(new RegExp(`^reading snapshot ${b}: snapshot ${b}: content SHA-256 is [0-9a-f]{64}, recorded [0-9a-f]{64}`))
  expect(r.marks).toEqual([[a, false], [b, true], [c, true]])
  expect(r.d).toEqual({ kind: 'incremental', base: a })
})

test('snapshot metadata: a changed page list, base link or legacy format is refused by name; the cached base is dropped', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const S = window.store
    const name = 'meta-' + Math.random()
    const s = await S.openAolightStore({ name })
    const pid = 'PM'
    const mem = S.aosLikeMemory(3)
    const a = await s.snapshots.write(pid, { nonce: 1, cron: 0 }, mem)
    S.evaluateMessages(mem, 31, 3)
    const b = await s.snapshots.write(pid, { nonce: 2, cron: 0 }, mem)
    S.evaluateMessages(mem, 32, 3)
    const c = await s.snapshots.write(pid, { nonce: 3, cron: 0 }, mem)
    const raw = s.db.raw('test')
    const errs: string[] = []
    const tryRead = async (id: number) => s.snapshots.read(id).then(() => 'read', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)
    // c claims other pages than it stored (same byte count: the digest must catch it)
    const cm = (await raw.get('snapshots', c.snapshot.id))!
    await raw.put('snapshots', { ...cm, pages: Uint32Array.from([...cm.pages].map((p) => p + 1)) })
    errs.push(await tryRead(c.snapshot.id))
    // b re-pointed at a base of the wrong content (a itself rewritten as another full snapshot)
    const other = await S.openAolightStore({ name: name + '-other' })
    const o = await other.snapshots.write(pid, { nonce: 1, cron: 0 }, S.aosLikeMemory(4))
    const oData = (await other.db.raw('test').get('snapshotData', o.snapshot.id))!
    other.close()
    const am = (await raw.get('snapshots', a.snapshot.id))!
    await raw.put('snapshots', { ...am, contentSha256: o.snapshot.contentSha256, pages: o.snapshot.pages })
    await raw.put('snapshotData', { id: a.snapshot.id, blob: oData.blob })
    errs.push(await tryRead(b.snapshot.id))
    // a record of the first format (no `format` field)
    const legacy: Partial<typeof am> = { ...am }
    delete legacy.format
    delete legacy.id
    const lid = await raw.add('snapshots', legacy as never)
    await raw.put('snapshotData', { id: lid as number, blob: oData.blob })
    errs.push(await tryRead(lid as number))
    // the store's cached base was in the broken chains: the next write is full
    const d = await s.snapshots.write(pid, { nonce: 9, cron: 0 }, mem)
    s.close()
    return { errs, ids: [a.snapshot.id, b.snapshot.id, c.snapshot.id, lid], kinds: [a, b, c].map((w) => w.snapshot.kind), d: d.snapshot.kind }
  })
  const [, b, c, lid] = r.ids
  expect(r.kinds).toEqual(['full', 'incremental', 'incremental'])
  expect(r.errs[0]).toMatch(new RegExp(`^store/corrupt: reading snapshot ${c}: snapshot ${c}: content SHA-256 is [0-9a-f]{64}, recorded [0-9a-f]{64}`))
  // b's own header names a's old digest, so a's replacement can't pass for its base
  expect(r.errs[1]).toMatch(new RegExp(`^store/corrupt: reading snapshot ${b}: snapshot ${b}: content SHA-256 is`))
  expect(r.errs[2]).toBe(`store/corrupt: reading snapshot ${lid}: snapshot ${lid} was written in snapshot format 1, this build reads formats 2 and 3`)
  expect(r.d).toBe('full')
})

test('snapshot base gone: after the cached base is cleared or marked corrupt behind the store, the next write is full, not an error', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const S = window.store
    const s = await S.openAolightStore({ name: 'gone-' + Math.random() })
    const pid = 'PG'
    const mem = S.aosLikeMemory(5)
    const a = await s.snapshots.write(pid, { nonce: 1, cron: 0 }, mem)
    S.evaluateMessages(mem, 51, 2)
    const b = await s.snapshots.write(pid, { nonce: 2, cron: 0 }, mem)
    const raw = s.db.raw('test')
    // another party (compute's cache clear) deletes the process's snapshots
    for (const id of [a.snapshot.id, b.snapshot.id]) { await raw.delete('snapshots', id); await raw.delete('snapshotData', id) }
    S.evaluateMessages(mem, 52, 2)
    const c = await s.snapshots.write(pid, { nonce: 3, cron: 0 }, mem)
    S.evaluateMessages(mem, 53, 2)
    const d = await s.snapshots.write(pid, { nonce: 4, cron: 0 }, mem)
    // d's base c marked corrupt by another connection's failed restore
    await raw.put('snapshots', { ...(await raw.get('snapshots', d.snapshot.id))!, corrupt: true })
    const e = await s.snapshots.write(pid, { nonce: 5, cron: 0 }, mem)
    const back = await s.snapshots.restoreNewest(pid, { nonce: 5, cron: 0 })
    const same = back && (await S.sha256Hex(back.memory)) === (await S.sha256Hex(mem))
    s.close()
    return { kinds: [a, b, c, d, e].map((w) => `${w.snapshot.kind}:${w.snapshot.baseId === null ? '-' : w.snapshot.baseId === c.snapshot.id ? 'c' : w.snapshot.baseId === a.snapshot.id ? 'a' : '?'}`), same }
  })
  expect(r.kinds).toEqual(['full:-', 'incremental:a', 'full:-', 'incremental:c', 'full:-'])
  expect(r.same).toBe(true)
})

test('a snapshot that requires its process is dropped once the process record is gone (cache cleared by another tab)', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const S = window.store
    const s = await S.openAolightStore({ name: 'cleared-' + Math.random() })
    const pid = 'PC'
    await s.processes.put({ id: pid, record: { id: pid } as never, tags: [], moduleId: 'M', scheduler: 'S' })
    const mem = S.aosLikeMemory(5)
    const kept = await s.snapshots.write(pid, { nonce: 1, cron: 0 }, mem, { requireProcess: true })
    await s.db.raw('test').delete('processes', pid) // the other tab's clear (snapshots are gone with it in the app)
    S.evaluateMessages(mem, 51, 2)
    const dropped = await s.snapshots.write(pid, { nonce: 2, cron: 0 }, mem, { requireProcess: true }).then(() => 'written', (e: { code: string; details: Record<string, unknown> }) => `${e.code} ${String(e.details['cacheCleared'])}`)
    const list = (await s.snapshots.list(pid)).map((x) => x.nonce)
    s.close()
    return { kept: kept.snapshot.nonce, dropped, list }
  })
  expect(r).toEqual({ kept: 1, dropped: 'store/not-found true', list: [1] })
})

test('outbox, checks, settings, modules: typed records and forward-only outbox status', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const S = window.store
    const s = await S.openAolightStore({ name: 'misc-' + Math.random() })
    const err = async (f: () => Promise<unknown>) => f().then(() => 'no error', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)
    const raw = new Uint8Array([1, 2, 3]).buffer
    const q = await s.outbox.enqueue({ id: 'item1', target: 'P', raw })
    const q2 = await s.outbox.enqueue({ id: 'item1', target: 'P', raw: new Uint8Array([9]).buffer }) // known id: kept
    await s.outbox.recordFailure('item1', 'HTTP 502 from http://mu/')
    await s.outbox.markSent('item1')
    const queued = await s.outbox.list('queued')
    const sent = await s.outbox.list('sent')
    const assigned = await s.outbox.markAssigned('item1', 7)
    const back = await err(() => s.outbox.markSent('item1'))
    const missing = await err(() => s.outbox.markSent('nope'))
    await s.checks.put({ processId: 'P', nonce: 3, cron: 0, remote: 'http://cu-a', verdict: 'agreed', divergences: [], checkedAt: 1 })
    await s.checks.put({ processId: 'P', nonce: 3, cron: 0, remote: 'http://cu-b', verdict: 'diverged', divergences: [{ field: 'Output.data', local: 'x', remote: 'y' }], checkedAt: 2 })
    const emptyDiv = await err(() => s.checks.put({ processId: 'P', nonce: 4, cron: 0, remote: 'http://cu-b', verdict: 'diverged', divergences: [], checkedAt: 2 }))
    // A CU that cannot answer later keeps its verdict; an error with no verdict before is stored,
    // and a new verdict replaces an error.
    const errorOverAgreed = await s.checks.put({ processId: 'P', nonce: 3, cron: 0, remote: 'http://cu-a', verdict: 'error', divergences: [], error: 'HTTP 404', checkedAt: 3 })
    const errorFirst = await s.checks.put({ processId: 'P', nonce: 5, cron: 0, remote: 'http://cu-a', verdict: 'error', divergences: [], error: 'HTTP 502', checkedAt: 3 })
    const agreedOverError = await s.checks.put({ processId: 'P', nonce: 5, cron: 0, remote: 'http://cu-a', verdict: 'agreed', divergences: [], checkedAt: 4 })
    const nonce5 = (await s.checks.forResult('P', { nonce: 5, cron: 0 })).map((c) => [c.remote, c.verdict])
    await s.settings.set('su', { url: 'http://localhost:5003' })
    await s.modules.put({ id: 'mod', bytes: new Uint8Array([0, 97, 115, 109]).buffer, tags: [], verified: true })
    const mod = await s.modules.get('mod')
    const out = {
      q: [q.status, q.attempts], q2raw: new Uint8Array(q2.raw)[0], queued: queued.length, sent: sent.map((x) => [x.id, x.attempts, x.lastError]),
      assigned: [assigned.status, assigned.assignedNonce], back, missing,
      checks: (await s.checks.forResult('P', { nonce: 3, cron: 0 })).map((c) => [c.remote, c.verdict]),
      diverged: (await s.checks.withVerdict('P', 'diverged')).map((c) => c.divergences[0]), emptyDiv,
      errorOverAgreed, errorFirst, agreedOverError, nonce5,
      setting: await s.settings.get('su'), noSetting: await s.settings.get('x'),
      mod: mod && [new Uint8Array(mod.bytes).length, mod.verified], hasMod: await s.modules.has('mod'),
    }
    s.close()
    return out
  })
  expect(r).toMatchObject({
    q: ['queued', 0], q2raw: 1, queued: 0, sent: [['item1', 2, 'HTTP 502 from http://mu/']], assigned: ['assigned', 7],
    checks: [['http://cu-a', 'agreed'], ['http://cu-b', 'diverged']], diverged: [{ field: 'Output.data', local: 'x', remote: 'y' }],
    errorOverAgreed: false, errorFirst: true, agreedOverError: true, nonce5: [['http://cu-a', 'agreed']],
    setting: { url: 'http://localhost:5003' }, mod: [4, true], hasMod: true,
  })
  expect(r.noSetting).toBeUndefined()
  expect(r.back).toBe('store/invalid: outbox item item1: cannot move from assigned to sent')
  expect(r.missing).toBe('store/not-found: marking item nope sent: no such outbox item')
  expect(r.emptyDiv).toMatch(/a divergence must name at least one field/)
})

test('persistence: close, reload the page, reopen: everything is there and resume finds the snapshot', async ({ page }) => {
  const name = 'persist-' + Date.now()
  const before = await page.evaluate(async (name) => {
    const S = window.store
    const s = await S.openAolightStore({ name })
    await s.processes.put({ id: 'P6', record: {}, tags: [], moduleId: 'm', scheduler: 's' })
    await s.log.appendVerified('P6', [{ nonce: 0, messageId: 'P6', timestamp: 1, level: 'chained', edge: {} }, { nonce: 1, messageId: 'x', timestamp: 2, level: 'chained', edge: {} }])
    await s.results.putEvaluated('P6', [{ nonce: 0, cron: 0, timestamp: 1, result: { Output: 'a' }, error: false }, { nonce: 1, cron: 0, timestamp: 2, result: { Output: 'b' }, error: false }])
    const mem = S.aosLikeMemory(3)
    const w = await s.snapshots.write('P6', { nonce: 1, cron: 0 }, mem)
    await s.pending()
    s.close()
    return w.snapshot.sha256
  }, name)
  await page.reload()
  await page.waitForFunction(() => document.title === 'store harness ready')
  const after = await page.evaluate(async (name) => {
    const S = window.store
    const s = await S.openAolightStore({ name })
    const p = await s.processes.get('P6')
    const snap = await s.snapshots.restoreNewest('P6', { nonce: p!.verifiedHead, cron: 0 })
    const out = { head: p!.verifiedHead, evaluated: p!.evaluatedHead, results: (await s.results.page('P6')).edges.length, sha: snap && (await S.sha256Hex(snap.memory)) }
    s.close()
    return out
  }, name)
  expect(after).toEqual({ head: 1, evaluated: { nonce: 1, cron: 0 }, results: 2, sha: before })
})

test('two connections: an upgrade closes the older connection; one that refuses gets store/blocked', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const S = window.store
    const name = 'conn-' + Math.random()
    const events: string[] = []
    const old = await S.openAolightStore({ name, onVersionChange: (v) => events.push(`closed for ${v.from}->${v.to}`) })
    const newer = await S.openAolightStore({ name, migrations: [...S.MIGRATIONS, S.testMigrationV2] })
    const oldClosed = old.db.closed
    const useOld = await old.settings.get('x').then(() => 'no error', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)
    newer.close()
    // a connection that does not give way blocks the next upgrade: a clear error instead of hanging
    const stubborn = await S.openAolightStore({ name, migrations: [...S.MIGRATIONS, S.testMigrationV2], closeOnVersionChange: false })
    const t = performance.now()
    const blocked = await S.openAolightStore({ name, migrations: [...S.MIGRATIONS, S.testMigrationV2, () => {}], blockedTimeoutMs: 500 })
      .then(() => 'opened', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)
    const waited = performance.now() - t
    const stillWorks = await stubborn.settings.set('y', 1).then(() => 'ok')
    stubborn.close()
    // a tab running older code meets a database of a newer version
    const older = await S.openAolightStore({ name }).then(() => 'opened', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)
    return { events, oldClosed, useOld, blocked, waited, stillWorks, older, newerVersion: newer.db.version }
  })
  expect(r.events).toEqual(['closed for 1->2'])
  expect(r.oldClosed).toBe(true)
  expect(r.useOld).toMatch(/^store\/unavailable: reading setting "x": database "conn-[\d.]+" is closed \(another connection upgrades database "conn-[\d.]+" from version 1 to 2\)/)
  expect(r.blocked).toMatch(/^store\/blocked: cannot upgrade database "conn-[\d.]+" from version 2 to 3: another tab or worker keeps it open \(waited 500 ms\)/)
  expect(r.waited).toBeGreaterThanOrEqual(450)
  expect(r.stillWorks).toBe('ok')
  expect(r.older).toMatch(/^store\/unavailable: database "conn-[\d.]+" is at a newer version than this code knows \(1\)/)
  expect(r.newerVersion).toBe(2)
})

test('quota: a real QuotaExceededError evicts old snapshots, retries and reports; with no room left, store/quota and nothing lost', async ({ page }) => {
  const origin = new URL(harnessUrl).origin
  const cdp = await page.context().newCDPSession(page)
  // Each Playwright test has a fresh context, so this origin starts empty. Chromium applies the
  // override when the database is opened, so set it first: room for about 7 snapshots of ~0.8 MB.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 6_000_000 })
  try {
    const setup = await page.evaluate(async () => {
      const S = window.store
      const w = window as unknown as { q: Awaited<ReturnType<typeof S.openAolightStore>>; qEvents: unknown[] }
      w.qEvents = []
      w.q = await S.openAolightStore({ name: 'quota-' + Math.random(), onEvicted: (ev) => w.qEvents.push(ev.map((e) => e.id)) })
      const s = w.q
      await s.processes.put({ id: 'PQ', record: {}, tags: [], moduleId: 'm', scheduler: 's' })
      await s.log.appendVerified('PQ', Array.from({ length: 50 }, (_, nonce) => ({ nonce, messageId: 'm' + nonce, timestamp: nonce, level: 'chained' as const, edge: { n: nonce } })))
      await s.results.putEvaluated('PQ', Array.from({ length: 50 }, (_, nonce) => ({ nonce, cron: 0, timestamp: nonce, result: { Output: nonce }, error: false })))
      const ids: number[] = []
      for (let i = 0; i < 4; i++) {
        const w2 = await s.snapshots.write('PQ', { nonce: i * 10, cron: 0 }, S.aosLikeMemory(100 + i), { mode: 'full' })
        ids.push(w2.snapshot.id)
      }
      const est = await navigator.storage.estimate()
      return { ids, usage: est.usage ?? 0 }
    })
    const filled = await page.evaluate(async () => {
      const S = window.store
      const w = window as unknown as { q: Awaited<ReturnType<typeof S.openAolightStore>>; qEvents: number[][] }
      const writes = []
      for (let i = 4; i < 12; i++) {
        const r = await w.q.snapshots.write('PQ', { nonce: i * 10, cron: 0 }, S.aosLikeMemory(100 + i), { mode: 'full' })
        writes.push({ id: r.snapshot.id, evicted: r.evicted.map((e) => e.id) })
      }
      return { writes, events: w.qEvents, left: (await w.q.snapshots.list('PQ')).map((m) => m.id) }
    })
    console.log('quota eviction:', JSON.stringify(filled))
    const withEviction = filled.writes.filter((x) => x.evicted.length > 0)
    expect(withEviction.length).toBeGreaterThan(0)
    // the first eviction removed the four old full snapshots, oldest first, and was reported
    expect(withEviction[0]!.evicted).toEqual(expect.arrayContaining(setup.ids))
    expect(filled.events[0]).toEqual(withEviction[0]!.evicted)
    expect(filled.left).toContain(filled.writes[filled.writes.length - 1]!.id)

    // A snapshot that can't fit even after eviction (100 incompressible pages > the 6 MB quota):
    // store/quota, and nothing but old snapshots is lost.
    const full = await page.evaluate(async () => {
      const S = window.store
      const s = (window as unknown as { q: Awaited<ReturnType<typeof S.openAolightStore>> }).q
      const huge = S.aosLikeMemory(999)
      for (let p = 200; p < 300; p++) for (let o = 0; o < 65536; o += 65536 / 4) crypto.getRandomValues(huge.subarray(p * 65536 + o, p * 65536 + o + 65536 / 4))
      const before = (await s.snapshots.list('PQ')).map((m) => m.id)
      const err = await s.snapshots.write('PQ', { nonce: 49, cron: 0 }, huge, { mode: 'full' })
        .then(() => 'no error', (e: { code: string; message: string }) => `${e.code}: ${e.message}`)
      const after = (await s.snapshots.list('PQ')).map((m) => m.id)
      const log = await s.log.range('PQ', 0, 100)
      const results = (await s.results.page('PQ', { limit: 100 })).edges.length
      const restored = await s.snapshots.restoreNewest('PQ', { nonce: 1000, cron: 0 })
      s.close()
      return { err, before, after, log: log.length, head: await Promise.resolve(log[log.length - 1]?.nonce), results, restored: restored?.snapshot.id, skipped: restored?.skipped.length }
    })
    expect(full.err).toMatch(/^store\/quota: writing snapshot of process PQ at 49: storage quota exceeded (and no old snapshot is left to evict|even after evicting \d+ old snapshot\(s\)); nothing was written/)
    expect(full.after).toEqual(full.before.filter((id) => full.after.includes(id)))
    expect(full.after.length).toBeGreaterThan(0)
    expect(full).toMatchObject({ log: 50, head: 49, results: 50, skipped: 0 })
    expect(full.restored).toBe(full.after[full.after.length - 1])
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin })
  }
})

// Worst case (every word of 24 pages rewritten with random data, so XOR deltas don't shrink); the
// real aos figure is test/e2e/store-aos.spec.ts.
test('worker: incremental snapshot write after "500 messages" (24 pages rewritten at random) in a dedicated Worker', async ({ page }) => {
  const r = await page.evaluate(() => window.store.workerTiming('worker-' + Math.random())) as {
    error?: string; fullMs: number; fullCompressed: number; byteLength: number; withShaMs: number; restoreMs: number
    rounds: { totalMs: number; encodeMs: number; writeMs: number; pages: number; compressedSize: number }[]
    restoredDepth: number; restoredOk: boolean
  }
  expect(r.error).toBeUndefined()
  console.log('worker snapshot timing:', JSON.stringify(r))
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
  console.log(`worker: full ${r.fullMs.toFixed(0)} ms, ${r.fullCompressed} B (${(100 * r.fullCompressed / r.byteLength).toFixed(3)} % of raw); ` +
    `incremental (24 pages) median ${med(r.rounds.map((x) => x.totalMs)).toFixed(0)} ms, ${med(r.rounds.map((x) => x.compressedSize))} B; ` +
    `with a precomputed SHA-256 ${r.withShaMs.toFixed(0)} ms; restore of a depth-${r.restoredDepth} chain ${r.restoreMs.toFixed(0)} ms`)
  expect(r.rounds.every((x) => x.pages === 24)).toBe(true)
  expect(r.restoredOk).toBe(true)
})
