/**
 * Finding a linear memory's non-zero 64 KiB pages with Wasm SIMD. A snapshot or checkpoint must
 * read the whole memory (110 MB for aos: any page may have been written, and a page past the heap
 * break may still hold bytes after a trim, so nothing is assumed zero without reading it); the
 * JS word loop (memory-pages.ts) does that at ~6 GB/s, 15-20 ms on this 2-core machine, about
 * 4x slower than memcmp. This tiny module, built here byte by byte (nothing to fetch or bundle),
 * imports the module's own memory and ORs 64 bytes per step with v128 loads, so the scan runs at
 * memory speed without copying anything. It only reads: the process's memory is never written.
 *
 * Exported function: scan(from: i32 page, end: i32 page) -> the first page in [from, end) holding
 * a non-zero byte, or `end`.
 */
const leb = (n: number): number[] => {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body]
const name = (s: string): number[] => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))]

function scannerBytes(memory64: boolean): Uint8Array {
  const I32 = 0x7f
  const I64 = 0x7e
  const V128 = 0x7b
  const addr = memory64 ? I64 : I32
  // address arithmetic in the memory's index type
  const toAddr = memory64 ? [0xad /* i64.extend_i32_u */, 0x42, 0x10 /* i64.const 16 */, 0x86 /* i64.shl */] : [0x41, 0x10 /* i32.const 16 */, 0x74 /* i32.shl */]
  const add = (signedLeb: number[]) => memory64 ? [0x42, ...signedLeb, 0x7c /* i64.add */] : [0x41, ...signedLeb, 0x6a /* i32.add */]
  const ltU = memory64 ? 0x54 : 0x49
  const load = (offset: number) => [0x20, 0x02 /* local.get $a */, 0xfd, 0x00, 0x04, offset /* v128.load align=16 */, 0xfd, 0x50 /* v128.or */]
  const code = [
    0x02, 0x40, // block
    0x03, 0x40, //   loop $pages
    0x20, 0x00, 0x20, 0x01, 0x4f, 0x0d, 0x01, // if p >= end: break
    0x20, 0x00, ...toAddr, 0x21, 0x02, // a = p << 16
    0x20, 0x02, ...add([0x80, 0x80, 0x04] /* 65536 */), 0x21, 0x03, // stop = a + 65536
    0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x21, 0x04, // acc = 0
    0x03, 0x40, //     loop $words
    0x20, 0x04, ...load(0x00), ...load(0x10), ...load(0x20), ...load(0x30), 0x21, 0x04, // acc |= 64 bytes at a
    0x20, 0x02, ...add([0xc0, 0x00] /* 64 */), 0x22, 0x02, // a += 64
    0x20, 0x03, ltU, 0x0d, 0x00, // while a < stop
    0x0b,
    0x20, 0x04, 0xfd, 0x53, 0x04, 0x40, 0x20, 0x00, 0x0f, 0x0b, // if any bit of acc: return p
    0x20, 0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, // p += 1
    0x0c, 0x00, //   next page
    0x0b,
    0x0b,
    0x20, 0x01, // end
    0x0b,
  ]
  const body = [0x02, 0x02, addr, 0x01, V128, ...code] // locals: 2 of the address type ($a, $stop), 1 v128 ($acc)
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x02, I32, I32, 0x01, I32]),
    ...section(2, [0x01, ...name('m'), ...name('memory'), 0x02, memory64 ? 0x04 : 0x00, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, ...name('scan'), 0x00, 0x00]),
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ])
}

const modules: Partial<Record<'32' | '64', WebAssembly.Module | null>> = {}

function scannerModule(memory64: boolean): WebAssembly.Module | null {
  const key = memory64 ? '64' : '32'
  let m = modules[key]
  if (m === undefined) {
    try {
      m = new WebAssembly.Module(scannerBytes(memory64) as Uint8Array<ArrayBuffer>)
    } catch {
      m = null // an engine without SIMD (or memory64): the JS scan does the job
    }
    modules[key] = m
  }
  return m
}

const CHUNK_PAGES = 32

const scanners = new WeakMap<WebAssembly.Memory, (from: number, end: number) => number>()

/**
 * The non-zero pages of `memory` (ascending), scanned with SIMD; undefined when this engine
 * can't run the scanner (the caller falls back to the JS scan).
 */
export function simdNonZeroPages(memory: WebAssembly.Memory, memory64: boolean): number[] | undefined {
  let scan = scanners.get(memory)
  if (!scan) {
    const mod = scannerModule(memory64)
    if (!mod) return undefined
    try {
      scan = new WebAssembly.Instance(mod, { m: { memory } }).exports.scan as (from: number, end: number) => number
    } catch {
      return undefined
    }
    scanners.set(memory, scan)
  }
  const end = memory.buffer.byteLength / 65536
  const out: number[] = []
  // In chunks: V8 runs a call to the end in the baseline tier (Wasm has no on-stack replacement),
  // ~10x slower; short calls let the optimised code take over within the first scan.
  for (let p = 0; p < end;) {
    const stop = Math.min(end, p + CHUNK_PAGES)
    const hit = scan(p, stop)
    if (hit < stop) {
      out.push(hit)
      p = hit + 1
    } else p = stop
  }
  return out
}
