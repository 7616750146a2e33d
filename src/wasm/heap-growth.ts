/**
 * emscripten_resize_heap as the reference glue computes it. The new size is part of the memory
 * hash, so the policy is reproduced exactly: try cutDown = 1, 2, 4; overgrow by 20% / cutDown,
 * capped at requested + 96 MiB, aligned up to 64 KiB, capped at the format's heap max; the glue
 * grows by (newSize - oldSize + 65535) / 65536 pages, which the engine truncates.
 * Memory-Limit: a size past the limit is clamped to it (Emscripten's MAXIMUM_MEMORY semantics);
 * a request past the limit is refused, so the module's malloc fails.
 */
import type { Heap } from './heap'

export function growHeap(heap: Heap, requestedSize: number, heapMax: number, limit?: number): { ok: boolean; reason?: string } {
  const oldSize = heap.byteLength
  let maxHeapSize = heapMax
  if (limit !== undefined && limit < maxHeapSize) maxHeapSize = Math.floor(limit / 65536) * 65536
  if (requestedSize > maxHeapSize) {
    return { ok: false, reason: `requested ${requestedSize} bytes, but the limit is ${maxHeapSize} bytes` }
  }
  const alignUp = (x: number, m: number): number => x + ((m - (x % m)) % m)
  let newSize = 0
  for (let cutDown = 1; cutDown <= 4; cutDown *= 2) {
    let overGrown = oldSize * (1 + 0.2 / cutDown)
    overGrown = Math.min(overGrown, requestedSize + 100663296)
    newSize = Math.min(maxHeapSize, alignUp(Math.max(requestedSize, overGrown), 65536))
    const pages = Math.trunc((newSize - heap.byteLength + 65535) / 65536)
    if (heap.grow(pages)) return { ok: true }
  }
  return { ok: false, reason: `failed to grow the heap from ${oldSize} bytes to ${newSize} bytes` }
}
