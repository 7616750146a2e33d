/**
 * wao's MU + CU engine, wired to the devnet SU. wao's `connect` factory (aoconnect-base.js,
 * not in its package exports, so imported by file URL; node_modules is not patched) takes the
 * loader, accounts and storage as parameters; the devnet passes:
 * - the reference loader hook (reference-loader.ts), so every evaluation uses the reference
 *   mapping of what the SU scheduled;
 * - a `postItems` hook on wao's gateway object: every Process/Message item wao stores (client
 *   posts, outbox pushes, spawns) is scheduled on the devnet SU first, and every other item is
 *   indexed by the devnet gateway. wao's own MU-signed assignments are dropped.
 * Every entry into wao goes through one queue: wao keeps one Wasm instance per process and is
 * not safe under concurrent calls, and the SU order must equal the evaluation order.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DataItem } from 'arbundles'
import { mu, cu, acc, ArMem, AR } from 'wao/test'
import { now } from './clock'
import { tagValue, type Tag } from './data-item'
import type { GatewayStore } from './gateway-store'
import type { DevnetKey } from './keys'
import type { PublishedModule } from './modules'
import { dryRunMessage, processEnv, scheduledMessage, type AoEnv, type AoMessage, type DryRunBody } from './reference-mapping'
import { makeReferenceLoader, parseMemoryLimit } from './reference-loader'
import type { SchedulerLog } from './scheduler-log'

interface ItemLike {
  getRaw(): Buffer
}

export interface EvalResult {
  Output?: unknown
  Messages?: unknown[]
  Spawns?: unknown[]
  Assignments?: unknown[]
  Error?: unknown
  [k: string]: unknown
}

interface WaoProcessEnv {
  memory?: Uint8Array | null
}

interface WaoMem {
  wasms: Record<string, { data?: Buffer; format?: string; file?: string }>
  env: Record<string, WaoProcessEnv | undefined>
  msgs: Record<string, { res?: EvalResult } | undefined>
}

interface WaoConnect {
  spawn(opt: { item: DataItem; module: string; scheduler: string }): Promise<string | null>
  message(opt: { item: DataItem; process: string }): Promise<string | null>
  dryrun(opt: { id: string; owner: string; tags: Tag[]; data: string; process: string }): Promise<EvalResult | null>
  mem: WaoMem
  ar: { postItems(items: ItemLike | ItemLike[], jwk: unknown): Promise<unknown> }
}

type ConnectFactory = (deps: Record<string, unknown>) => (mem: unknown, opts: Record<string, unknown>) => WaoConnect

async function loadConnectFactory(): Promise<ConnectFactory> {
  const require = createRequire(import.meta.url)
  const esm = join(dirname(require.resolve('wao/test')), '..', 'esm', 'aoconnect-base.js')
  return ((await import(pathToFileURL(esm).href)) as { default: ConnectFactory }).default
}

function toArbundles(x: ItemLike): DataItem {
  return x instanceof DataItem ? x : new DataItem(Buffer.from(x.getRaw()))
}

export interface Evaluated {
  msg: AoMessage
  env: AoEnv
  error?: string
}

export class WaoCompute {
  /** What `handle` received per message id: lets a cross-check name the cause of a mismatch. */
  readonly evaluated = new Map<string, Evaluated>()
  private tail: Promise<unknown> = Promise.resolve()
  private readonly dryRunContext = new AsyncLocalStorage<{ body: DryRunBody }>()
  private wao!: WaoConnect

  private constructor(
    private readonly scheduler: SchedulerLog,
    private readonly gateway: GatewayStore,
    private readonly modules: Map<string, PublishedModule>,
  ) {}

  static async create(deps: { scheduler: SchedulerLog; gateway: GatewayStore; modules: PublishedModule[]; suKey: DevnetKey }): Promise<WaoCompute> {
    const self = new WaoCompute(deps.scheduler, deps.gateway, new Map(deps.modules.map((m) => [m.id, m])))
    const base = await loadConnectFactory()
    const connect = base({
      AR,
      ArMem,
      mu,
      cu,
      acc,
      scheduler: deps.suKey.address,
      // wao signs its internal bundles with `su.jwk`; give it the devnet SU key.
      su: { jwk: deps.suKey.jwk, addr: deps.suKey.address },
      AoLoader: makeReferenceLoader({
        optionsFor: (tags) => self.loaderOptions(tags),
        map: (msg, env) => self.map(msg, env),
        evaluated: (msg, env, error) =>
          self.evaluated.set(msg.Id, { msg, env, ...(error !== undefined ? { error: String((error as Error)?.message ?? error) } : {}) }),
      }),
    })
    self.wao = connect(undefined, { log: false })
    for (const m of deps.modules) self.wao.mem.wasms[m.id] = { data: m.wasm, format: m.format }
    const ar = self.wao.ar
    const postItems = ar.postItems.bind(ar)
    ar.postItems = async (items, jwk) => {
      await self.onPosted(Array.isArray(items) ? items : [items])
      return postItems(items, jwk)
    }
    return self
  }

  /** The MU's authority: the wallet that signs outbox pushes (`Authority` for aos processes). */
  static get authority(): string {
    return mu.addr
  }

  private async onPosted(items: ItemLike[]): Promise<void> {
    for (const raw of items) {
      const item = toArbundles(raw)
      const type = tagValue(item.tags, 'Type')
      if (type === 'Assignment') continue
      if (type === 'Process') await this.scheduler.scheduleProcess(item)
      else if (type === 'Message' && item.rawTarget.length && this.scheduler.process(item.target)) await this.scheduler.scheduleMessage(item, item.target)
      else this.gateway.put([item])
    }
  }

  private loaderOptions(processTags: Tag[]): Record<string, unknown> {
    const module = this.modules.get(tagValue(processTags, 'Module') ?? '')
    const tag = (n: string) => tagValue(processTags, n) ?? (module ? tagValue(module.tags, n) : undefined)
    const memoryLimit = parseMemoryLimit(tag('Memory-Limit'))
    const computeLimit = tag('Compute-Limit')
    return {
      inputEncoding: tag('Input-Encoding') ?? 'JSON-1',
      outputEncoding: tag('Output-Encoding') ?? 'JSON-1',
      ...(memoryLimit ? { memoryLimit: String(memoryLimit) } : {}),
      ...(computeLimit ? { computeLimit } : {}),
      extensions: [],
    }
  }

  private moduleOf(processTags: Tag[], waoEnv: { Module?: { Id?: string; Tags?: Tag[] } }): { id: string; item: DataItem } | AoEnv['Module'] {
    const id = tagValue(processTags, 'Module') ?? ''
    const published = this.modules.get(id)
    return published ? { id, item: published.item } : { Id: id, Owner: '', Tags: waoEnv.Module?.Tags ?? [] }
  }

  private map(waoMsg: { Id?: string }, waoEnv: { Process?: { Id?: string }; Module?: { Id?: string; Tags?: Tag[] } }): { msg: AoMessage; env: AoEnv } {
    const pid = waoEnv.Process?.Id ?? ''
    const log = this.scheduler.process(pid)
    if (!log) throw new Error(`devnet CU: process ${pid} is being evaluated but is not scheduled on the devnet SU`)
    const mod = this.moduleOf(log.process.tags, waoEnv)
    const env: AoEnv =
      'item' in mod ? processEnv(log.process, mod) : { ...processEnv(log.process, { id: mod.Id, item: log.process }), Module: mod }
    const dry = this.dryRunContext.getStore()
    if (dry) return { msg: dryRunMessage(dry.body, pid, { timestamp: now(), blockHeight: this.gateway.height }), env }
    const id = waoMsg.Id ?? ''
    const entry = this.scheduler.find(pid, id)
    if (!entry) throw new Error(`devnet CU: message ${id} for process ${pid} is being evaluated but was never scheduled`)
    return { msg: scheduledMessage(entry), env }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }

  /** Schedules (via the postItems hook) and evaluates a Process item; resolves when done. */
  spawn(item: DataItem): Promise<void> {
    return this.serial(async () => {
      const module = tagValue(item.tags, 'Module') ?? ''
      const scheduler = tagValue(item.tags, 'Scheduler') ?? ''
      if (!this.wao.mem.wasms[module]) {
        // Not a module wao can load: the SU still schedules it (the real SU does not check modules).
        await this.scheduler.scheduleProcess(item)
        return
      }
      await this.wao.spawn({ item, module, scheduler })
    })
  }

  /** Schedules (via the postItems hook) and evaluates a Message item, plus its outbox cascade. */
  message(item: DataItem, processId: string): Promise<void> {
    return this.serial(async () => {
      if (!this.wao.mem.env[processId]) {
        await this.scheduler.scheduleMessage(item, processId)
        return
      }
      await this.wao.message({ item, process: processId })
    })
  }

  dryRun(processId: string, body: DryRunBody): Promise<EvalResult | null> {
    return this.serial(() =>
      this.dryRunContext.run({ body }, () =>
        this.wao.dryrun({ id: body.Id ?? '', owner: body.Owner ?? '', tags: body.Tags ?? [], data: body.Data ?? '', process: processId }),
      ),
    )
  }

  isLoaded(processId: string): boolean {
    return this.wao.mem.env[processId] !== undefined
  }

  result(messageId: string): EvalResult | undefined {
    return this.wao.mem.msgs[messageId]?.res
  }

  memory(processId: string): Uint8Array | undefined {
    return this.wao.mem.env[processId]?.memory ?? undefined
  }
}
