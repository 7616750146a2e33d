/**
 * The SIMD scan of a Wasm memory's non-zero pages (src/wasm/zero-page-scan.ts) finds exactly the
 * pages the JS scan finds: single bytes at a page's first and last byte and in the middle, in the
 * last page, on a wasm32 memory and on aos's wasm64 memory (after start-up and after a message).
 */
import { describe, expect, it } from 'vitest'
import { simdNonZeroPages } from '../../src/wasm/zero-page-scan'
import { sparseOfMemory, toSparse } from '../../src/wasm/sparse-memory'
import { nonZeroPages } from '../../src/wasm/memory-pages'
import { loadAoModule } from '../../src/wasm/index'
import { readModuleBytes } from '../fixtures/runtime-logs/module-bytes'
import { env, evalMsg, spawn, W64 } from './aos-test-messages'
import type { HotInstance } from '../../src/wasm/ao-instance'

const P = 65536

describe('SIMD zero-page scan', () => {
  it('wasm32 memory: every single non-zero byte position is found, nothing else', () => {
    const memory = new WebAssembly.Memory({ initial: 40 })
    const u8 = new Uint8Array(memory.buffer)
    expect(simdNonZeroPages(memory, false)).toEqual([])
    const spots = [0, P - 1, 3 * P + 12345, 7 * P + 16, 7 * P + 63, 12 * P + P - 17, 39 * P + P - 1]
    for (const at of spots) u8[at] = 0x80
    expect(simdNonZeroPages(memory, false)).toEqual(nonZeroPages(u8))
    expect(simdNonZeroPages(memory, false)).toEqual([0, 3, 7, 12, 39])
    // each byte offset inside a 64-byte step, alone in its page
    for (let off = 0; off < 64; off++) {
      u8.fill(0)
      u8[20 * P + 4096 + off] = 1
      expect(simdNonZeroPages(memory, false)).toEqual([20])
    }
    // a grown memory is scanned to its new end
    u8.fill(0)
    memory.grow(2)
    new Uint8Array(memory.buffer)[41 * P + 5] = 9
    expect(simdNonZeroPages(memory, false)).toEqual([41])
  })

  it('aos (wasm64): the same pages and bytes as the JS scan, after start-up and after a message', async () => {
    const inst = (await loadAoModule(readModuleBytes('aos2_0_6'), { format: W64 })) as unknown as HotInstance
    const check = () => {
      const js = toSparse(inst.memoryView())
      const heap = (inst as unknown as { live: { heap: { memory: WebAssembly.Memory } } }).live.heap
      const simd = simdNonZeroPages(heap.memory, true)
      expect(simd).toBeDefined()
      expect(simd).toEqual([...js.pages])
      const s = sparseOfMemory(heap.memory, true)
      expect([...s.pages]).toEqual([...js.pages])
      expect(Buffer.from(s.data).equals(Buffer.from(js.data))).toBe(true)
      expect(inst.sparseSnapshot().data.byteLength).toBe(js.data.byteLength)
    }
    check()
    await inst.handle(spawn, env)
    await inst.handle(evalMsg(1, 't = {}; for i = 1, 3000 do t[i] = ("y"):rep(i % 70) end; return #t'), env)
    check()
  })
})
