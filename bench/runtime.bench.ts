/**
 * Our ao module runtime (src/wasm) against @permaweb/ao-loader 0.0.49 on the token workload of
 * reference-loader-baseline.md: from the same state S (after spawn + token Eval), 1000 Transfers.
 *
 * Modes, all in this process:
 * - ours: loadAoModule(bytes, {memory: S}), `handle` per message (results parsed, memory live)
 * - ao-loader default: feeds the returned Memory copy back each call (fewer messages: ~75 ms each)
 * - ao-loader UNSAFE_MEMORY: memory stays live
 * - bare loop: the module's `handle` export called directly with two stack strings, result not
 *   parsed (test/fixtures/runtime-logs/bare-handle.ts): the floor
 * Throughput counts every call, the first one (which pages S into a fresh instance) included;
 * each mode runs ROUNDS times on a fresh instance and the best round counts. Result checks
 * (2 notices per Transfer, same final memory across modes) happen outside the timers.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import AoLoader from '@permaweb/ao-loader'
import { median, now, row, type Bench, type BenchRow } from './lib'
import type { AoInstance, RuntimeOptions } from '../src/wasm/types'
import { createBareHandle } from '../test/fixtures/runtime-logs/bare-handle'
import { readModuleBytes } from '../test/fixtures/runtime-logs/module-bytes'
import type { ModuleName } from '../test/fixtures/runtime-logs/modules'
import { LOADER_OPTIONS } from '../test/fixtures/runtime-logs/reference-runner'
import { tokenWorkload } from '../test/fixtures/runtime-logs/token-workload'

type Runtime = typeof import('../src/wasm/index')
const ROUNDS = 3
const sha = (m: Uint8Array) => createHash('sha256').update(m).digest('hex')

interface Timed {
  msgsPerSecond: number
  finalSha: string
}

const bench: Bench = async ({ quick }) => {
  let runtime: Runtime | undefined
  let runtimeError = ''
  try {
    runtime = await import('../src/wasm/index')
  } catch (e) {
    runtimeError = `our runtime did not load: ${e instanceof Error ? e.message : String(e)}`
    process.stderr.write(`runtime bench: ${runtimeError}\n`)
  }
  const rows: BenchRow[] = []
  for (const name of ['aos2_0_6', 'aos2_0_4_32'] as ModuleName[]) rows.push(...(await benchModule(name, quick, runtime, runtimeError)))
  return rows
}
export default bench

async function benchModule(name: ModuleName, quick: boolean, runtime: Runtime | undefined, runtimeError: string): Promise<BenchRow[]> {
  const transfers = quick ? 100 : 1000
  const defaultTransfers = quick ? 10 : 100
  const w = tokenWorkload(name, transfers)
  const { log, setup } = w
  const format = log.module.format
  const bytes = readModuleBytes(name)
  const msgs = log.entries.slice(setup).map((e) => e.msg)
  const checkNotices = (mode: string, i: number, messages: unknown) => {
    if (!Array.isArray(messages) || messages.length !== 2) throw new Error(`runtime bench ${name} ${mode}: Transfer #${i} gave ${JSON.stringify(messages)?.slice(0, 200)} instead of 2 notices`)
  }

  // state S: spawn + token Eval through the reference
  const setupHandle = await AoLoader(bytes, { format, ...LOADER_OPTIONS, UNSAFE_MEMORY: true })
  let S = new Uint8Array(0)
  for (let i = 0; i < setup; i++) {
    const r = await setupHandle(null, log.entries[i]!.msg, log.env)
    if (r.Error) throw new Error(`runtime bench ${name}: setup message ${i} failed: ${JSON.stringify(r.Error)}`)
    S = new Uint8Array(r.Memory as ArrayBuffer).slice()
  }

  const unsafe = async (): Promise<Timed> => {
    const h = await AoLoader(bytes, { format, ...LOADER_OPTIONS, UNSAFE_MEMORY: true })
    let mem: ArrayBuffer | Uint8Array = S
    const results: unknown[] = []
    const t0 = now()
    for (const m of msgs) {
      const r = await h(mem, m, log.env)
      mem = r.Memory as ArrayBuffer
      results.push(r.Messages)
    }
    const t = now() - t0
    results.forEach((r, i) => checkNotices('unsafe', i, r))
    return { msgsPerSecond: (msgs.length * 1000) / t, finalSha: sha(new Uint8Array(mem as ArrayBuffer)) }
  }
  const copying = async (): Promise<Timed> => {
    const h = await AoLoader(bytes, { format, ...LOADER_OPTIONS })
    let mem: Uint8Array = S
    let t = 0
    for (const [i, m] of msgs.slice(0, defaultTransfers).entries()) {
      const t0 = now()
      const r = await h(mem, m, log.env)
      t += now() - t0
      mem = r.Memory as Uint8Array
      checkNotices('default', i, r.Messages)
    }
    return { msgsPerSecond: (defaultTransfers * 1000) / t, finalSha: '' }
  }
  const bare = async (): Promise<Timed> => {
    const b = await createBareHandle(bytes, format, S)
    const envJson = JSON.stringify(log.env)
    const t0 = now()
    for (const m of msgs) b.handle(JSON.stringify(m), envJson)
    const t = now() - t0
    return { msgsPerSecond: (msgs.length * 1000) / t, finalSha: sha(b.memory()) }
  }
  let options: RuntimeOptions | undefined
  const ours = async (): Promise<Timed> => {
    const inst: AoInstance = await runtime!.loadAoModule(bytes, { ...options!, memory: S })
    const results: unknown[] = []
    const t0 = now()
    for (const m of msgs) results.push((await inst.handle(m, log.env)).Messages)
    const t = now() - t0
    results.forEach((r, i) => checkNotices('ours', i, r))
    return { msgsPerSecond: (msgs.length * 1000) / t, finalSha: sha(inst.memoryView()) }
  }

  const best: Record<string, Timed> = {}
  const keep = (k: string, r: Timed) => {
    if (!best[k] || r.msgsPerSecond > best[k].msgsPerSecond) best[k] = r
  }
  if (runtime) options = { ...runtime.moduleOptionsFromTags(log.module.tags, log.env.Process.Tags), format }
  let oursError = runtimeError
  for (let round = 0; round < ROUNDS; round++) {
    if (runtime && !oursError) {
      try {
        keep('ours', await ours())
      } catch (e) {
        oursError = `ours failed: ${e instanceof Error ? e.message : String(e)}`
        process.stderr.write(`runtime bench ${name}: ${oursError}\n`)
      }
    }
    keep('unsafe', await unsafe())
    keep('bare', await bare())
  }
  keep('default', await copying())

  const g = `runtime ${name}`
  const u = best.unsafe!, d = best.default!, b = best.bare!, o = best.ours
  const sameFinal = o ? (o.finalSha === u.finalSha && u.finalSha === b.finalSha ? 'final memory identical in ours, unsafe, bare' : `FINAL MEMORY DIFFERS: ours ${o.finalSha.slice(0, 12)} unsafe ${u.finalSha.slice(0, 12)} bare ${b.finalSha.slice(0, 12)}`) : `unsafe and bare final memory ${u.finalSha === b.finalSha ? 'identical' : 'DIFFER'}`
  const rows: BenchRow[] = [
    row({ group: g, name: `ao-loader default, msgs/s (${defaultTransfers} Transfers)`, value: d.msgsPerSecond, unit: 'msg/s' }),
    row({ group: g, name: `ao-loader UNSAFE_MEMORY, msgs/s (${transfers} Transfers)`, value: u.msgsPerSecond, unit: 'msg/s' }),
    row({ group: g, name: `bare handle loop (floor), msgs/s (${transfers} Transfers)`, value: b.msgsPerSecond, unit: 'msg/s', note: sameFinal }),
  ]
  if (o) {
    rows.push(
      row({ group: g, name: 'ours vs ao-loader default (goal ≥ 30×)', value: o.msgsPerSecond, unit: 'msg/s', reference: { name: 'ao-loader default', value: d.msgsPerSecond } }),
      row({ group: g, name: 'ours vs ao-loader UNSAFE_MEMORY (goal ≥ 1.0×)', value: o.msgsPerSecond, unit: 'msg/s', reference: { name: 'ao-loader UNSAFE_MEMORY', value: u.msgsPerSecond } }),
      row({ group: g, name: 'ours vs bare loop (goal ≥ 0.91×, i.e. < 10% overhead)', value: o.msgsPerSecond, unit: 'msg/s', reference: { name: 'bare loop', value: b.msgsPerSecond } }),
    )
  } else {
    rows.push(row({ group: g, name: 'ours', value: 0, unit: 'msg/s', note: oursError }))
  }
  rows.push(...(await startupRows(g, bytes, format, S, msgs[0]!, log.env, options, runtime, oursError)))
  rows.push(...peakRows(g, name, quick, !!runtime && !oursError))
  return rows
}

/**
 * Peak memory of one process: a child Node process per mode runs spawn + token Eval + N
 * Transfers and reports its peak RSS (sampled after each call) above its RSS before loading the module.
 */
type PeakMode = 'ours' | 'ao-loader-default'
interface PeakReport { mode: PeakMode; baselineMiB: number; peakMiB: number; linearMiB: number; transfers: number }

function peakRows(g: string, name: ModuleName, quick: boolean, withOurs: boolean): BenchRow[] {
  const run = (mode: PeakMode): PeakReport => {
    const out = execFileSync(process.execPath, ['--experimental-wasm-memory64', '--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, AOLIGHT_RUNTIME_PEAK: JSON.stringify({ mode, name, transfers: quick ? 10 : mode === 'ours' ? 100 : 30 }) },
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    })
    return JSON.parse(out.trim().split('\n').pop()!) as PeakReport
  }
  const ref = run('ao-loader-default')
  const refRow = { name: `ao-loader default (${ref.transfers} Transfers)`, value: ref.peakMiB - ref.baselineMiB }
  if (!withOurs) return [row({ group: g, name: refRow.name + ': peak RSS of one process above Node baseline', value: refRow.value, unit: 'MiB', higherIsBetter: false })]
  const ours = run('ours')
  return [row({
    group: g, name: `ours: peak RSS of one process above Node baseline (spawn, token, ${ours.transfers} Transfers)`, value: ours.peakMiB - ours.baselineMiB,
    unit: 'MiB', higherIsBetter: false, reference: refRow, note: `linear memory ${ours.linearMiB.toFixed(1)} MiB; Node baseline ${ours.baselineMiB.toFixed(0)} MiB`,
  })]
}

async function peakChild(cfg: { mode: PeakMode; name: ModuleName; transfers: number }): Promise<PeakReport> {
  const { log } = tokenWorkload(cfg.name, cfg.transfers)
  const bytes = readModuleBytes(cfg.name)
  const format = log.module.format
  // current RSS, sampled after every call (getrusage's maxrss would include start-up spikes)
  const mib = () => process.memoryUsage().rss / 2 ** 20
  const baselineMiB = mib()
  let peakMiB = baselineMiB
  let linear = 0
  if (cfg.mode === 'ours') {
    const rt = await import('../src/wasm/index')
    const inst = await rt.loadAoModule(bytes, { ...rt.moduleOptionsFromTags(log.module.tags, log.env.Process.Tags), format })
    for (const e of log.entries) {
      await inst.handle(e.msg, log.env)
      peakMiB = Math.max(peakMiB, mib())
    }
    linear = inst.memoryByteLength
  } else {
    const h = await AoLoader(bytes, { format, ...LOADER_OPTIONS })
    let mem: Uint8Array | null = null
    for (const e of log.entries) {
      mem = (await h(mem, e.msg, log.env)).Memory as Uint8Array
      peakMiB = Math.max(peakMiB, mib())
    }
    linear = mem!.byteLength
  }
  return { mode: cfg.mode, baselineMiB, peakMiB, linearMiB: linear / 2 ** 20, transfers: cfg.transfers }
}

const peakCfg = process.env.AOLIGHT_RUNTIME_PEAK
if (peakCfg) {
  process.stdout.write(JSON.stringify(await peakChild(JSON.parse(peakCfg))) + '\n')
  process.exit(0)
}

async function startupRows(
  g: string, bytes: Uint8Array, format: RuntimeOptions['format'], S: Uint8Array,
  first: import('../src/wasm/types').AoMessage, env: import('../src/wasm/types').AoEnv,
  options: RuntimeOptions | undefined, runtime: Runtime | undefined, oursError: string,
): Promise<BenchRow[]> {
  const reps = 3
  const time = async (fn: () => Promise<unknown>) => {
    const xs: number[] = []
    for (let i = 0; i < reps; i++) {
      const t0 = now()
      await fn()
      xs.push(now() - t0)
    }
    return median(xs)
  }
  const refFromBytes = await time(() => AoLoader(bytes, { format, ...LOADER_OPTIONS, UNSAFE_MEMORY: true }))
  const refFirstCall = await time(async () => {
    const h = await AoLoader(bytes, { format, ...LOADER_OPTIONS, UNSAFE_MEMORY: true })
    const t0 = now()
    await h(S, first, env)
    return now() - t0
  })
  const rows: BenchRow[] = []
  if (!runtime || oursError) {
    rows.push(row({ group: g, name: 'ao-loader: instantiate from bytes', value: refFromBytes, unit: 'ms', higherIsBetter: false }))
    rows.push(row({ group: g, name: 'ao-loader: instantiate + first call from snapshot S', value: refFirstCall, unit: 'ms', higherIsBetter: false }))
    return rows
  }
  const fromBytes = await time(() => runtime.loadAoModule(bytes, options!))
  const fromSnapshot = await time(() => runtime.loadAoModule(bytes, { ...options!, memory: S }))
  const firstCall = await time(async () => {
    const inst = await runtime.loadAoModule(bytes, { ...options!, memory: S })
    await inst.handle(first, env)
  })
  rows.push(
    row({ group: g, name: 'ours: instantiate from bytes', value: fromBytes, unit: 'ms', higherIsBetter: false, reference: { name: 'AoLoader(bytes)', value: refFromBytes } }),
    row({ group: g, name: 'ours: instantiate from snapshot S', value: fromSnapshot, unit: 'ms', higherIsBetter: false }),
    row({ group: g, name: 'ours: instantiate from S + first call', value: firstCall, unit: 'ms', higherIsBetter: false, reference: { name: 'ao-loader instantiate + first call with S', value: refFirstCall } }),
  )
  return rows
}
