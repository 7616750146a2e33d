/**
 * Our runtime (src/wasm) vs @permaweb/ao-loader UNSAFE_MEMORY vs the bare `handle` loop
 * (test/fixtures/runtime-logs/bare-handle.ts), in LOCKSTEP: the three get the same Transfer one
 * after the other (the order rotates every message), so a shared, noisy machine slows all three
 * alike; bench/runtime.bench.ts runs them one after the other instead. All three start from the
 * same state S (spawn + token Eval, made by ao-loader) and must end with the same memory.
 *
 * Reported per module: msgs/s of each over the steady state (the first call, which pages S into
 * a fresh instance, is reported apart), ours vs each, and the median of the per-message ratios.
 */
import { createHash } from 'node:crypto'
import AoLoader from '@permaweb/ao-loader'
import { median, now, row, type Bench, type BenchRow } from './lib'
import { loadAoModule, moduleOptionsFromTags } from '../src/wasm/index'
import { createBareHandle } from '../test/fixtures/runtime-logs/bare-handle'
import { readModuleBytes } from '../test/fixtures/runtime-logs/module-bytes'
import type { ModuleName } from '../test/fixtures/runtime-logs/modules'
import { LOADER_OPTIONS } from '../test/fixtures/runtime-logs/reference-runner'
import { tokenWorkload } from '../test/fixtures/runtime-logs/token-workload'

const sha = (m: Uint8Array) => createHash('sha256').update(m).digest('hex')

const bench: Bench = async ({ quick }) => {
  const rows: BenchRow[] = []
  for (const name of ['aos2_0_6', 'aos2_0_4_32'] as ModuleName[]) rows.push(...(await lockstep(name, quick ? 100 : 1000)))
  return rows
}
export default bench

async function lockstep(name: ModuleName, transfers: number): Promise<BenchRow[]> {
  const { log, setup } = tokenWorkload(name, transfers)
  const format = log.module.format
  const bytes = readModuleBytes(name)
  const msgs = log.entries.slice(setup).map((e) => e.msg)

  const setupHandle = await AoLoader(bytes, { format, ...LOADER_OPTIONS, UNSAFE_MEMORY: true })
  let S = new Uint8Array(0)
  for (let i = 0; i < setup; i++) {
    const r = await setupHandle(null, log.entries[i]!.msg, log.env)
    if (r.Error) throw new Error(`lockstep bench ${name}: setup message ${i} failed: ${JSON.stringify(r.Error)}`)
    S = new Uint8Array(r.Memory as ArrayBuffer).slice()
  }

  const ours = await loadAoModule(bytes, { ...moduleOptionsFromTags(log.module.tags, log.env.Process.Tags), format, memory: S })
  const ref = await AoLoader(bytes, { format, ...LOADER_OPTIONS, UNSAFE_MEMORY: true })
  const bare = await createBareHandle(bytes, format, S)
  const envJson = JSON.stringify(log.env)
  let refMem: ArrayBuffer | Uint8Array = S

  const check = (who: string, i: number, messages: unknown) => {
    if (!Array.isArray(messages) || messages.length !== 2) throw new Error(`lockstep bench ${name} ${who}: Transfer #${i} gave ${JSON.stringify(messages)?.slice(0, 200)} instead of 2 notices`)
  }
  const runners: ((m: (typeof msgs)[number], i: number) => Promise<void>)[] = [
    async (m, i) => check('ours', i, (await ours.handle(m, log.env)).Messages),
    async (m, i) => {
      const r = await ref(refMem, m, log.env)
      refMem = r.Memory as ArrayBuffer
      check('ao-loader', i, r.Messages)
    },
    async (m) => {
      bare.handle(JSON.stringify(m), envJson)
    },
  ]
  const first = [0, 0, 0]
  const steady = [0, 0, 0]
  const vsRef: number[] = []
  const vsBare: number[] = []
  for (const [i, m] of msgs.entries()) {
    const ms = [0, 0, 0]
    for (let k = 0; k < 3; k++) {
      const j = (k + i) % 3
      const t0 = now()
      await runners[j]!(m, i)
      ms[j] = now() - t0
    }
    const into = i === 0 ? first : steady
    for (let j = 0; j < 3; j++) into[j]! += ms[j]!
    if (i > 0) {
      vsRef.push(ms[1]! / ms[0]!)
      vsBare.push(ms[2]! / ms[0]!)
    }
  }
  const final = [sha(ours.memoryView()), sha(refMem instanceof Uint8Array ? refMem : new Uint8Array(refMem)), sha(bare.memory())]
  const same = final[0] === final[1] && final[1] === final[2]
  if (!same) throw new Error(`lockstep bench ${name}: final memory differs: ours ${final[0]} ao-loader ${final[1]} bare ${final[2]}`)

  const n = msgs.length - 1
  const rate = (ms: number) => (n * 1000) / ms
  const g = `runtime lockstep ${name}`
  const [o, u, b] = steady.map(rate) as [number, number, number]
  return [
    row({ group: g, name: `ao-loader UNSAFE_MEMORY, msgs/s (${n} Transfers after the first)`, value: u, unit: 'msg/s' }),
    row({ group: g, name: `bare handle loop, msgs/s (${n} Transfers after the first)`, value: b, unit: 'msg/s', note: 'final memory identical in ours, ao-loader, bare' }),
    row({ group: g, name: 'ours vs ao-loader UNSAFE_MEMORY (goal ≥ 1.0×)', value: o, unit: 'msg/s', reference: { name: 'ao-loader UNSAFE_MEMORY', value: u }, note: `median per-message ratio ${median(vsRef).toFixed(3)}` }),
    row({ group: g, name: 'ours vs bare loop (goal ≥ 0.91×)', value: o, unit: 'msg/s', reference: { name: 'bare loop', value: b }, note: `median per-message ratio ${median(vsBare).toFixed(3)}` }),
    row({ group: g, name: 'first call from S (ours: S copied in at load, outside this figure)', value: first[0]!, unit: 'ms', higherIsBetter: false, reference: { name: 'ao-loader (copies S in this call)', value: first[1]! } }),
  ]
}
