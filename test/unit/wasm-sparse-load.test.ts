/**
 * Sparse memories (src/wasm/sparse-memory.ts): a snapshot given as its non-zero pages loads to the
 * same bytes as the whole memory, through a prepared (spare) instance without a scan and through
 * the scanning path; the continuation and an in-place rollback after an Error match the dense load.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadAoModule, loadPreparedAoModule, prepareAoModule } from '../../src/wasm/index'
import { toDense, toSparse, writeSparse } from '../../src/wasm/sparse-memory'
import { readModuleBytes } from '../fixtures/runtime-logs/module-bytes'
import { env, evalMsg, spawn, W64 } from './aos-test-messages'

const hash = (m: Uint8Array) => createHash('sha256').update(m).digest('hex')
const P = 65536

describe('sparse memory', () => {
  it('round-trips, and writeSparse clears pages the sparse memory does not list', () => {
    const m = new Uint8Array(8 * P)
    m[3] = 1
    m[5 * P + 17] = 9
    const s = toSparse(m)
    expect([...s.pages]).toEqual([0, 5])
    expect(s.data.byteLength).toBe(2 * P)
    expect(hash(toDense(s))).toBe(hash(m))
    const target = new Uint8Array(8 * P).fill(7)
    writeSparse(target, s)
    expect(hash(target)).toBe(hash(m))
    const known = new Uint8Array(8 * P)
    known[2 * P] = 4 // a page the caller says may be non-zero
    writeSparse(known, s, [2])
    expect(hash(known)).toBe(hash(m))
    expect(() => writeSparse(new Uint8Array(P), s)).toThrow(/does not fit/)
    expect(() => toDense({ byteLength: 2 * P, pages: Uint32Array.from([1, 0]), data: new Uint8Array(2 * P) })).toThrow(/must ascend/)
  })

  it('aos: a sparse snapshot loads to the same bytes (prepared instance, scanning path) and continues like the dense one, rollback included', async () => {
    const bytes = readModuleBytes('aos2_0_6')
    const a = await loadAoModule(bytes, { format: W64 })
    await a.handle(spawn, env)
    await a.handle(evalMsg(1, 'n = 41; t = {}; for i = 1, 2000 do t[i] = ("x"):rep(i % 50) end'), env)
    const dense = a.snapshot()
    const sparse = a.sparseSnapshot()
    expect(sparse.data.byteLength).toBeLessThan(dense.byteLength / 10)
    const fromDense = await loadAoModule(bytes, { format: W64, memory: dense })
    const prepared = await prepareAoModule(bytes, { format: W64 })
    const fromSpare = await loadPreparedAoModule(prepared, sparse)
    const fromScan = await loadAoModule(bytes, { format: W64, memory: sparse })
    for (const inst of [fromSpare, fromScan]) {
      expect(inst.memoryByteLength).toBe(fromDense.memoryByteLength)
      expect(hash(inst.memoryView())).toBe(hash(fromDense.memoryView()))
    }
    const before = hash(fromDense.memoryView())
    for (const inst of [fromDense, fromSpare, fromScan]) {
      const bad = await inst.handle(evalMsg(2, 'n = 0; error("boom")'), env)
      expect(JSON.stringify(bad.Error ?? bad.Output)).toContain('boom')
      expect(hash(inst.memoryView())).toBe(before)
    }
    const outs = []
    for (const inst of [fromDense, fromSpare, fromScan]) outs.push((await inst.handle(evalMsg(3, 'n = n + 1; return n'), env)).Output)
    expect(JSON.stringify(outs[0])).toContain('42')
    expect(outs[1]).toEqual(outs[0])
    expect(outs[2]).toEqual(outs[0])
    expect(hash(fromSpare.memoryView())).toBe(hash(fromDense.memoryView()))
    expect(hash(fromScan.memoryView())).toBe(hash(fromDense.memoryView()))
  }, 120_000)
})
