/**
 * The page-side relay facade the node client calls for `send`, `spawn` and `wallet.*`.
 * Signing happens here (only the page can reach `window.arweaveWallet`; an imported keyfile is held
 * in this object's memory), so a refused signature queues nothing. Signed bytes go to the relay
 * worker (`workers/relay.worker.ts`), which persists and delivers them. Relay errors become
 * `NodeError`s with the contract's codes and the relay's precise message.
 */
import { wrap, proxy, type Remote } from 'comlink'
import { NodeError, type NodeErrorCode, type PendingSend, type SendReceipt, type SendRequest, type Settings, type SpawnReceipt, type SpawnRequest, type WalletState } from './contract'
import { RelayError, isRelayError } from '../relay/errors'
import { messageItem, spawnItem } from '../relay/item-builder'
import { BrowserWalletSigner, KeyfileSigner, findBrowserWallet, type ArweaveWalletApi, type ItemSigner } from '../relay/signer'
import type { CronMode, RelayConfig } from '../relay/relay-service'
import type { SendRoute, QueueEvent } from '../relay/send-queue'
import type { RelayErrorInfo, RelayWorkerApi } from '../relay/relay-worker-api'
import type { KeyfileVault, KeyValueStore } from '../relay/keyfile-vault'
import type { SettingsStore } from '../store/settings-store'
import type { CrankOrigin, CrankReport, OutboxResult } from '../relay/crank'
import { defaultUploaderFor } from './settings'

export interface RelayClientOptions {
  /** the relay worker (default: a new `workers/relay.worker.ts`) or an in-thread API */
  backend?: Remote<RelayWorkerApi> | RelayWorkerApi
  /** default: `window.arweaveWallet`, read when needed (extensions inject it late) */
  wallet?: () => ArweaveWalletApi | null
  /** where new items go; the contract's Settings has no such field yet */
  route?: SendRoute
  /** IndexedDB name for the queue (tests use their own) */
  dbName?: string
  /** encrypted keyfile storage, when the person asks to remember a keyfile */
  vault?: KeyfileVault
}

export function relayConfig(settings: Settings, route: SendRoute): RelayConfig {
  const e = settings.endpoints
  return {
    gateway: e.gateway,
    mu: e.mu,
    su: e.su,
    suIsRouter: e.suIsRouter,
    route,
    crank: settings.crank,
    uploader: e.uploader ?? defaultUploaderFor(e.gateway),
    // The first cross-check CU continues cascades and serves /cron when cranking here.
    cu: e.cus[0] ?? null,
  }
}

export class RelayClient {
  #signer: ItemSigner | null = null
  #state: WalletState = { kind: 'none' }
  readonly #listeners = new Set<(s: WalletState) => void>()
  readonly #onSwitch = (e: Event) => void this.#walletSwitched(e)

  private constructor(
    private readonly backend: Remote<RelayWorkerApi> | RelayWorkerApi,
    private readonly opts: RelayClientOptions,
    private settings: Settings,
    private route: SendRoute,
    /** the tab's relay key address (signs outbox pushes; put it in `Authority` to be trusted) */
    readonly relayAddress: string,
    readonly persistentQueue: boolean,
  ) {
    globalThis.addEventListener?.('walletSwitch', this.#onSwitch)
  }

  static async start(settings: Settings, opts: RelayClientOptions = {}): Promise<RelayClient> {
    const backend = opts.backend ?? wrap<RelayWorkerApi>(new Worker(new URL('../../workers/relay.worker.ts', import.meta.url), { type: 'module', name: 'aolight-relay' }))
    const route = opts.route ?? 'mu'
    const info = await call(() => backend.init(relayConfig(settings, route), opts.dbName))
    const client = new RelayClient(backend, opts, settings, route, info.relayAddress, info.persistentQueue)
    await client.restore()
    return client
  }

  state(): WalletState {
    return this.#state
  }

  subscribe(listener: (s: WalletState) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Queue events (queued/sent/assigned/retry/refused) from the worker. */
  async onQueue(listener: (e: QueueEvent) => void): Promise<void> {
    const l = (e: QueueEvent) => listener(e)
    await this.backend.subscribe(isRemote(this.backend) ? proxy(l) : l)
  }

  async configure(settings: Settings, route: SendRoute = this.route): Promise<void> {
    this.settings = settings
    this.route = route
    await call(() => this.backend.configure(relayConfig(settings, route)))
  }

  async connect(): Promise<WalletState> {
    const signer = await call(() => BrowserWalletSigner.connect(this.#wallet()))
    return this.#use(signer)
  }

  /** `remember` with a passphrase stores the keyfile encrypted (never in clear) for later unlocks. */
  async importKeyfile(text: string, remember?: { passphrase: string }): Promise<WalletState> {
    const signer = await call(async () => KeyfileSigner.fromText(text))
    if (remember) {
      if (!this.opts.vault) throw new NodeError('storage/unsupported', 'This build has no storage for an encrypted keyfile.')
      await call(() => this.opts.vault!.save(JSON.parse(text), remember.passphrase))
    }
    return this.#use(signer)
  }

  async unlockKeyfile(passphrase: string): Promise<WalletState> {
    if (!this.opts.vault) throw new NodeError('storage/unsupported', 'This build has no storage for an encrypted keyfile.')
    return this.#use(await call(() => this.opts.vault!.unlock(passphrase)))
  }

  /** The address of the keyfile stored encrypted on this device, or null (also when there is no vault). */
  async storedKeyfile(): Promise<string | null> {
    if (!this.opts.vault) return null
    return call(() => this.opts.vault!.storedAddress())
  }

  async forgetStoredKeyfile(): Promise<void> {
    if (this.opts.vault) await call(() => this.opts.vault!.forget())
  }

  async disconnect(): Promise<void> {
    const was = this.#signer
    this.#signer = null
    this.#set({ kind: 'none' })
    if (was instanceof BrowserWalletSigner) await was.disconnect().catch(() => undefined)
  }

  async send(req: SendRequest, opts: { untilAssigned?: boolean } = {}): Promise<SendReceipt> {
    const signer = this.#needSigner()
    const signed = await call(() => signer.sign(messageItem({ target: req.target, tags: req.tags, data: req.data })))
    const r = await call(() => this.backend.submit(signed.bytes, opts.untilAssigned ?? false))
    return { id: r.id, target: r.target, postedTo: r.postedTo }
  }

  /**
   * Spawns a process. `Authority` tags in `req.tags` become authorities; when cranking here the
   * tab's relay key is added, so the new process trusts the outbox messages this tab pushes.
   */
  async spawn(req: SpawnRequest, opts: { untilAssigned?: boolean } = {}): Promise<SpawnReceipt> {
    const signer = this.#needSigner()
    const authorities = req.tags.filter((t) => t.name === 'Authority').map((t) => t.value)
    if (this.settings.crank && !authorities.includes(this.relayAddress)) authorities.push(this.relayAddress)
    const input = await call(async () =>
      spawnItem({
        module: req.moduleId,
        scheduler: req.schedulerAddress,
        authorities,
        tags: req.tags.filter((t) => t.name !== 'Authority'),
        data: req.data,
        memoryLimit: req.memoryLimit,
        cron: req.cron,
      }),
    )
    const signed = await call(() => signer.sign(input))
    const r = await call(() => this.backend.submit(signed.bytes, opts.untilAssigned ?? true))
    return { processId: r.id, postedTo: r.postedTo }
  }

  /** This browser's outgoing items not yet assigned (and recently cancelled ones). */
  pending(): Promise<PendingSend[]> {
    return call(() => this.backend.pending())
  }

  /** Stops a queued item before the network acknowledges it. */
  cancel(id: string): Promise<PendingSend> {
    return call(() => this.backend.cancel(id))
  }

  /** Drops an item the network refused. */
  discard(id: string): Promise<PendingSend> {
    return call(() => this.backend.discard(id))
  }

  /** Crank here: pushes the outbox of a result this tab evaluated (null when cranking is off). */
  crankResult(result: OutboxResult, origin: CrankOrigin): Promise<CrankReport | null> {
    return call(() => this.backend.crankResult(result, origin))
  }

  /**
   * Crons of `processId`: with "crank here" this tab polls the CU's `/cron` and pushes their outboxes;
   * otherwise the MU is asked to monitor the process. `on: false` stops.
   */
  monitorCrons(processId: string, on = true): Promise<CronMode> {
    return call(() => this.backend.monitorCrons(processId, on))
  }

  /** The compute unit saw item `id` in its target's log at `nonce`: the queue can forget it. */
  observeAssigned(id: string, nonce: number): Promise<void> {
    return call(() => this.backend.observeAssigned(id, nonce))
  }

  close(): void {
    globalThis.removeEventListener?.('walletSwitch', this.#onSwitch)
  }

  private async restore(): Promise<void> {
    const signer = await BrowserWalletSigner.restore(this.#wallet())
    if (signer) this.#use(signer)
  }

  #wallet(): ArweaveWalletApi | null {
    return this.opts.wallet ? this.opts.wallet() : findBrowserWallet()
  }

  #needSigner(): ItemSigner {
    if (!this.#signer) throw new NodeError('wallet/not-connected', 'Connect a browser wallet or import a keyfile to sign.')
    return this.#signer
  }

  #use(signer: ItemSigner): WalletState {
    this.#signer = signer
    return this.#set(signer.kind === 'browser' ? { kind: 'browser', address: signer.address } : { kind: 'keyfile', address: signer.address })
  }

  #set(s: WalletState): WalletState {
    this.#state = s
    for (const l of this.#listeners) l(s)
    return s
  }

  // The wallet switched accounts: the connected signer is no longer valid; re-read the address.
  async #walletSwitched(_e: Event): Promise<void> {
    if (!(this.#signer instanceof BrowserWalletSigner)) return
    const again = await BrowserWalletSigner.restore(this.#wallet())
    if (again) this.#use(again)
    else await this.disconnect()
  }
}

/**
 * The vault's storage: the app's IndexedDB settings store (src/store/settings-store.ts), opened per
 * call and closed after, so the page holds no connection that would block a database upgrade or a
 * "clear all data" from another tab. Only the vault's encrypted record goes through it.
 */
export function settingsStoreKv(dbName?: string): KeyValueStore {
  const withStore = async <T>(f: (s: SettingsStore) => Promise<T>): Promise<T> => {
    const { openAolightStore } = await import('../store')
    const store = await openAolightStore(dbName ? { name: dbName } : {})
    try {
      return await f(store.settings)
    } finally {
      store.close()
    }
  }
  return {
    get: <T,>(key: string) => withStore((s) => s.get<T>(key)),
    set: (key, value) => withStore((s) => s.set(key, value)),
    delete: (key) => withStore((s) => s.delete(key)),
  }
}

function isRemote(x: unknown): boolean {
  return typeof x === 'function' // comlink's Remote is a Proxy over a function; an in-thread API is a plain object
}

/** Runs a relay call and turns its failure into a NodeError. */
async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (e) {
    throw toNodeError(e)
  }
}

const CODE_MAP: Record<string, NodeErrorCode> = {
  'wallet/not-found': 'wallet/not-found',
  'wallet/not-connected': 'wallet/not-connected',
  'wallet/locked': 'wallet/not-connected',
  'wallet/switched': 'wallet/not-connected',
  'wallet/rejected': 'wallet/rejected',
  'wallet/bad-item': 'wallet/rejected',
  'wallet/bad-keyfile': 'wallet/bad-keyfile',
  'vault/empty': 'wallet/bad-keyfile',
  'vault/wrong-passphrase': 'wallet/bad-keyfile',
  'vault/weak-passphrase': 'wallet/bad-keyfile',
  'vault/corrupt': 'wallet/bad-keyfile',
  'item/invalid': 'input/bad-tag',
  'send/refused': 'network/status',
  'send/unknown-item': 'network/status',
  'send/cancelled': 'send/cancelled',
  'send/not-cancellable': 'send/not-cancellable',
  'crank/bad-outbox': 'process/evaluation-failed',
}

export function toNodeError(e: unknown): NodeError {
  if (e instanceof NodeError) return e
  if (isRelayError(e)) return new NodeError(CODE_MAP[e.code] ?? 'network/unreachable', e.message, { ...e.details, relayCode: e.code }, { cause: e })
  const info = e as Partial<RelayErrorInfo> | null
  if (info && info.relayError) return new NodeError(CODE_MAP[info.code ?? ''] ?? 'network/unreachable', info.message ?? 'relay failed', { ...(info.details ?? {}), relayCode: info.code ?? null })
  return new NodeError('network/unreachable', e instanceof Error ? e.message : String(e), {}, { cause: e })
}

export { RelayError }
