/**
 * The state the `snapshot-10k` bench measures on: a devnet aos process of N client messages (the
 * mix of test/e2e/support/fill-mix.ts, signed and scheduled by `fastFill` on a lazy devnet, so
 * nothing is evaluated there) folded here by our runtime in Node. Kept: the module, its options
 * and env, the memory (non-zero pages) 500 messages before the head and at the head, and the last
 * 500 mapped messages. Building it costs a few minutes (signing, then the fold), so it is cached
 * in the OS temp dir (not committed: ~20 MB), keyed by the message count and the mix's version.
 * The devnet CU's fold (~10 min; its MU pushes the self-Pings back, +8 % entries) is replaced by
 * the same pushes made here: each outbox message our runtime's result sends to the process itself
 * is evaluated right after its origin, tagged as the reference MU tags a push (crank.ts rules:
 * `From-Process`, `From-Module`, `Pushed-For`; signed by the MU: Owner and Forwarded-By are its
 * address). aos keeps each such unhandled Ping in its Inbox, which is what makes the state grow
 * with the log (~10 MB of non-zero pages at 10,000 messages instead of ~2 MB without them).
 *
 * `node --experimental-wasm-memory64 --import tsx bench/snapshot-10k-state.ts [messages]` builds it ahead.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevnet } from '../test/devnet/devnet'
import { addressOf, loadReplaySource, readLog } from '../test/e2e/support/proof-log'
import { fastFill } from '../test/e2e/support/fast-fill'
import { mapEdge } from '../src/protocol/message-mapping'
import { loadAoModule, type AoEnv, type AoMessage, type RuntimeOptions } from '../src/wasm/index'
import { toSparse, type SparseMemory } from '../src/wasm/sparse-memory'

/** Devnet base port of this builder (helper P's range, session 3). */
export const STATE_DEVNET_PORT = 21000
/** Bump when the fill mix or what is kept changes. */
const VERSION = 2

export interface Snapshot10kState {
  processId: string
  /** log entries folded (the spawn and N messages) */
  entries: number
  /** messages between the two memories */
  since: number
  moduleBytes: Uint8Array
  options: RuntimeOptions
  env: AoEnv
  /** memory after entry `entries - since - 1` */
  before: SparseMemory
  /** memory after the last entry */
  after: SparseMemory
  /** the last `since` entries as the runtime takes them */
  last: AoMessage[]
  /** ms our runtime took to fold the whole log in Node (a by-product) */
  foldMs: number
}

/** meta.json of a cached state: written here, read by the browser harness (test/e2e/harness/snapshot-10k.worker.ts) */
export interface Meta {
  processId: string
  entries: number
  since: number
  options: RuntimeOptions
  env: AoEnv
  last: AoMessage[]
  foldMs: number
  before: { byteLength: number; pages: number[] }
  after: { byteLength: number; pages: number[] }
}

export function stateDir(messages: number): string {
  return join(tmpdir(), 'aolight-bench', `snapshot-state-${messages}-v${VERSION}`)
}

/** The reference MU's push of outbox message `k` of `origin` to the process itself, as the CU maps it. */
function pushOf(out: { Target?: string; Tags?: { name: string; value: string }[]; Data?: unknown; Anchor?: string }, origin: AoMessage, k: number, processId: string, moduleId: string, muAddress: string, nonce: number): AoMessage {
  const dropped = new Set(['Data-Protocol', 'Type', 'From-Process', 'From-Module', 'Assignments'])
  const tags = [
    ...(out.Tags ?? []).filter((t) => !dropped.has(t.name)),
    { name: 'Data-Protocol', value: 'ao' }, { name: 'Type', value: 'Message' },
    { name: 'From-Process', value: processId }, { name: 'From-Module', value: moduleId }, { name: 'Pushed-For', value: String(origin.Id) },
  ]
  // a deterministic 43-character id (the MU's signature would make one)
  const id = `push-${nonce}-${k}-${String(origin.Id)}`.slice(0, 43).padEnd(43, 'x')
  return {
    ...origin, Id: id, Signature: id, Owner: muAddress, From: processId, 'Forwarded-By': muAddress, Target: processId,
    Anchor: out.Anchor ?? '', Tags: tags, Data: typeof out.Data === 'string' ? out.Data : '', Nonce: nonce,
    Timestamp: Number(origin.Timestamp) + 1,
  } as AoMessage
}

export async function snapshot10kState(messages: number, log: (s: string) => void = () => undefined): Promise<Snapshot10kState> {
  const dir = stateDir(messages)
  const metaFile = join(dir, 'meta.json')
  if (!existsSync(metaFile)) await build(messages, dir, log)
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Meta
  const bytes = (f: string) => new Uint8Array(readFileSync(join(dir, f)))
  return {
    processId: meta.processId, entries: meta.entries, since: meta.since, options: meta.options, env: meta.env, last: meta.last, foldMs: meta.foldMs,
    moduleBytes: bytes('module.wasm'),
    before: { byteLength: meta.before.byteLength, pages: Uint32Array.from(meta.before.pages), data: bytes('before.pages') },
    after: { byteLength: meta.after.byteLength, pages: Uint32Array.from(meta.after.pages), data: bytes('after.pages') },
  }
}

async function build(messages: number, dir: string, log: (s: string) => void): Promise<void> {
  const devnet = await startDevnet({ basePort: STATE_DEVNET_PORT, lazyCompute: true })
  let meta: Meta
  let moduleBytes: Uint8Array
  let before: SparseMemory | undefined
  let after: SparseMemory
  try {
    const fill = await fastFill(devnet, { messages, progressEvery: 1000, onProgress: (k) => log(`posted ${k}/${messages}`) })
    log(`${messages + 1} entries signed and scheduled in ${(fill.ms / 1000).toFixed(0)} s`)
    const edges = await readLog(devnet.urls.su, fill.processId)
    const src = await loadReplaySource(devnet.urls.gateway, devnet.urls.su, fill.processId)
    moduleBytes = src.bytes
    const client = edges.map((e) => mapEdge(e, addressOf).message as unknown as AoMessage)
    const moduleId = src.proc.tags.find((t) => t.name === 'Module')?.value ?? ''
    const inst = await loadAoModule(src.bytes, src.options)
    const t0 = performance.now()
    // the client log with the pushes; every evaluated message kept (the last 500 are replayed in
    // the browser), and the memory every 100 evaluations (the last few), to start that replay from
    const mapped: AoMessage[] = []
    const marks: { at: number; memory: SparseMemory }[] = []
    const evaluate = async (m: AoMessage) => {
      mapped.push(m)
      const r = await inst.handle(structuredClone(m), src.env as AoEnv)
      if (mapped.length % 100 === 0) {
        marks.push({ at: mapped.length, memory: toSparse(inst.memoryView()) })
        if (marks.length > 8) marks.shift()
      }
      return r
    }
    for (let i = 0; i < client.length; i++) {
      const msg = client[i]!
      const result = await evaluate(msg)
      for (const [k, out] of (result.Messages ?? []).entries()) {
        if ((out as { Target?: string }).Target !== fill.processId) continue
        await evaluate(pushOf(out as never, msg, k, fill.processId, moduleId, devnet.authority, mapped.length))
      }
      if ((i + 1) % 1000 === 0) log(`folded ${i + 1}/${client.length} client messages (${mapped.length} with pushes) in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
    }
    // the memory 500 evaluations before the end: from the last mark at or before it, replayed
    const since = Math.min(500, Math.floor(mapped.length / 2))
    const cut = mapped.length - since
    const mark = [...marks].reverse().find((m) => m.at <= cut)
    const again = await loadAoModule(src.bytes, mark ? { ...src.options, memory: mark.memory } : src.options)
    for (let i = mark?.at ?? 0; i < cut; i++) await again.handle(structuredClone(mapped[i]!), src.env as AoEnv)
    before = toSparse(again.memoryView())
    const foldMs = performance.now() - t0
    after = toSparse(inst.memoryView())
    meta = {
      processId: fill.processId, entries: mapped.length, since, options: src.options, env: src.env as AoEnv, last: mapped.slice(cut), foldMs,
      before: { byteLength: before!.byteLength, pages: [...before!.pages] }, after: { byteLength: after.byteLength, pages: [...after.pages] },
    }
  } finally {
    await devnet.stop()
  }
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'module.wasm'), moduleBytes)
  writeFileSync(join(dir, 'before.pages'), before!.data)
  writeFileSync(join(dir, 'after.pages'), after.data)
  // meta last: its presence means the state is complete
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 10_000)
  const s = await snapshot10kState(n, (m) => process.stderr.write(`snapshot-10k-state: ${m}\n`))
  process.stderr.write(`snapshot-10k-state: ${s.entries} entries, before ${s.before.pages.length} pages, after ${s.after.pages.length} pages (${s.after.data.byteLength} bytes) of ${s.after.byteLength}; fold ${(s.foldMs / 1000).toFixed(0)} s; ${stateDir(n)}\n`)
}
