/**
 * Proof of exactness: every generated log (test/fixtures/runtime-logs) runs through our runtime
 * (src/wasm) and through the reference loader (@permaweb/ao-loader with the CU's rollback), and
 * for EVERY message the results (Output, Messages, Spawns, Assignments, Error) must be equal and
 * the two linear memories byte-identical and of the same size; SHA-256 of both memories is
 * compared every HASH_EVERY messages and at the end. A snapshot of our memory taken mid-log,
 * loaded into a fresh instance, must reach the reference's final memory too.
 *
 * ao-loader replaces Date.now / Math.random globally; our runtime runs with the real ones put
 * back, so it cannot pass by leaning on the reference's globals.
 */
import { createHash } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { describe, expect, test } from 'vitest'
import { loadAoModule, moduleOptionsFromTags } from '../../src/wasm/index'
import type { AoInstance, RuntimeOptions } from '../../src/wasm/types'
import { generateLog } from '../fixtures/runtime-logs/generate-log'
import type { LogEntry, RuntimeLog } from '../fixtures/runtime-logs/log-builder'
import { logDigest } from '../fixtures/runtime-logs/log-digest'
import { readModuleBytes } from '../fixtures/runtime-logs/module-bytes'
import type { ModuleName } from '../fixtures/runtime-logs/modules'
import { describeThrown, ReferenceRunner, type Outcome } from '../fixtures/runtime-logs/reference-runner'
import summary from '../fixtures/runtime-logs/summary.json'

const HASH_EVERY = 10
const realDateNow = Date.now
const realRandom = Math.random

/** Run `fn` with the engine's own Date.now / Math.random, then put back whatever was there. */
async function withRealGlobals<T>(fn: () => Promise<T>): Promise<T> {
  const [d, r] = [Date.now, Math.random]
  Date.now = realDateNow
  Math.random = realRandom
  try {
    return await fn()
  } finally {
    Date.now = d
    Math.random = r
  }
}

const sha = (m: Uint8Array) => createHash('sha256').update(m).digest('hex')
const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.byteLength === b.byteLength && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  if (a.byteLength !== b.byteLength) return `size ours ${a.byteLength} vs reference ${b.byteLength}`
  let diffPages = 0
  let first = -1
  for (let p = 0; p < a.byteLength; p += 65536) {
    if (Buffer.compare(Buffer.from(a.buffer, a.byteOffset + p, 65536), Buffer.from(b.buffer, b.byteOffset + p, 65536)) !== 0) {
      diffPages++
      if (first < 0) for (let i = p; i < p + 65536; i++) if (a[i] !== b[i]) { first = i; break }
    }
  }
  return `${diffPages} pages differ, first byte at 0x${first.toString(16)} (ours ${a[first]} vs reference ${b[first]})`
}

/** The result fields the CU keeps, with the CU's defaults ([] for absent arrays). */
function normalize(o: Outcome): unknown {
  if (o.thrown !== undefined) return { thrown: true }
  const r = o.result!
  return { Output: r.Output, Messages: r.Messages ?? [], Spawns: r.Spawns ?? [], Assignments: r.Assignments ?? [], Error: r.Error }
}

async function runOurs(inst: AoInstance, e: LogEntry, log: RuntimeLog): Promise<Outcome> {
  try {
    const r = await withRealGlobals(() => inst.handle(e.msg, log.env))
    return { result: r, rolledBack: false }
  } catch (err) {
    return { thrown: describeThrown(err), rolledBack: true }
  }
}

const modules: ModuleName[] = ['aos2_0_6', 'aos2_0_4_32', 'sqlite']

describe.each(modules)('%s: our runtime vs @permaweb/ao-loader', (name) => {
  test('log is the committed one, every message equal, memory identical after each, resumable from a mid-log snapshot', async () => {
    const log = generateLog(name)
    const expected = summary[name]
    expect(log.entries.length).toBeGreaterThanOrEqual(200)
    expect(logDigest(log), 'generator drifted from summary.json: rerun generate.ts').toBe(expected.logSha256)

    const bytes = readModuleBytes(name)
    const options: RuntimeOptions = { ...moduleOptionsFromTags(log.module.tags, log.env.Process.Tags), format: log.module.format }
    const ref = await ReferenceRunner.create(bytes, log.module.format)
    const ours = await withRealGlobals(() => loadAoModule(bytes, options))

    const mismatches: string[] = []
    const note = (i: number, e: LogEntry, what: string) => {
      if (mismatches.length < 20) mismatches.push(`#${i} (${e.kind}, nonce ${e.msg.Nonce}): ${what}`)
    }
    const mid = Math.floor(log.entries.length / 2)
    let snapshot: Uint8Array | undefined
    const refOutcomes: Outcome[] = []
    let hashed = 0

    for (const [i, e] of log.entries.entries()) {
      const want = await ref.handle(e.msg, log.env)
      refOutcomes.push(want)
      const got = await runOurs(ours, e, log)
      if (!isDeepStrictEqual(normalize(got), normalize(want))) {
        note(i, e, `result differs: ours ${JSON.stringify(got).slice(0, 300)} / reference ${JSON.stringify(want).slice(0, 300)}`)
      }
      const a = ours.memoryView()
      const b = ref.memory()
      if (ours.memoryByteLength !== b.byteLength) note(i, e, `memoryByteLength ${ours.memoryByteLength} vs reference ${b.byteLength}`)
      if (!sameBytes(a, b)) note(i, e, `memory differs: ${firstDifference(a, b)}`)
      if (i % HASH_EVERY === 0 || i === log.entries.length - 1) {
        const [ha, hb] = [sha(a), sha(b)]
        hashed++
        if (ha !== hb) note(i, e, `memory SHA-256 ${ha} vs reference ${hb}`)
      }
      if (i === mid) snapshot = ours.snapshot()
    }
    const refFinal = ref.memory()
    const refFinalSha = sha(refFinal)
    expect(mismatches, mismatches.join('\n')).toEqual([])
    expect(hashed).toBeGreaterThan(log.entries.length / HASH_EVERY)
    // the reference itself is stable across runs and machines
    expect(refFinalSha).toBe(expected.referenceFinalMemorySha256)
    expect(refFinal.byteLength).toBe(expected.referenceFinalMemoryBytes)

    // what the log claims to exercise really happened (in the reference)
    const kinds = (k: LogEntry['kind']) => log.entries.flatMap((e, i) => (e.kind === k ? [refOutcomes[i]!] : []))
    expect(kinds('spawn-child').every((o) => o.result?.Spawns?.length === 1)).toBe(true)
    expect(kinds('assign').every((o) => o.result?.Assignments?.length === 1)).toBe(true)
    expect(kinds('send').every((o) => o.result?.Messages?.length === 1)).toBe(true)
    expect(kinds('transfer').filter((o) => o.result?.Messages?.length === 2).length).toBe(kinds('transfer').length - 1)
    expect(kinds('eval-error').every((o) => o.rolledBack)).toBe(true)
    expect(kinds('handler-error').every((o) => o.rolledBack)).toBe(true)
    expect(refOutcomes.filter((o) => o.rolledBack).length).toBe(expected.referenceRollbacks)

    // resume from the mid-log snapshot in a fresh instance
    expect(snapshot).toBeDefined()
    const resumed = await withRealGlobals(() => loadAoModule(bytes, { ...options, memory: snapshot! }))
    const resumeMismatches: string[] = []
    for (let i = mid + 1; i < log.entries.length; i++) {
      const e = log.entries[i]!
      const got = await runOurs(resumed, e, log)
      if (!isDeepStrictEqual(normalize(got), normalize(refOutcomes[i]!)) && resumeMismatches.length < 10) {
        resumeMismatches.push(`#${i} (${e.kind}): result differs after resume: ${JSON.stringify(got).slice(0, 300)}`)
      }
    }
    expect(resumeMismatches, resumeMismatches.join('\n')).toEqual([])
    expect(resumed.memoryByteLength).toBe(refFinal.byteLength)
    expect(sha(resumed.memoryView())).toBe(refFinalSha)
  }, 240_000)
})
