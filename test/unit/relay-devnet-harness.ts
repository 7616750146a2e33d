/**
 * Shared setup of the relay tests that drive `RelayService` (the relay worker's object) in Node
 * against a real devnet: a service over an in-memory queue and settings map (kept by the caller,
 * so a "reload" is a second service over the same maps), a wallet signer, spawn/Eval/send helpers,
 * and readers of a process's SU log.
 */
import { afterAll, beforeAll } from 'vitest'
import { loadKey } from '../devnet/keys'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { switchOffDevnetCrank } from '../devnet/crank-off'
import { CuClient } from '../../src/protocol/cu-client'
import { SuClient } from '../../src/protocol/su-client'
import { tagValue } from '../../src/protocol/wire-types'
import { messageItem, spawnItem, type SpawnSpec } from '../../src/relay/item-builder'
import { KeyfileSigner } from '../../src/relay/signer'
import { MemoryQueueStore } from '../../src/relay/memory-queue-store'
import { RelayService, type RelayConfig } from '../../src/relay/relay-service'
import type { KeyValueStore } from '../../src/relay/keyfile-vault'
import type { CrankOrigin } from '../../src/relay/crank'

export function memoryKv(): KeyValueStore & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>()
  return { map, get: async <T>(k: string) => map.get(k) as T | undefined, set: async (k, v) => void map.set(k, v), delete: async (k) => void map.delete(k) }
}

export function relayConfig(devnet: Devnet, over: Partial<RelayConfig> = {}): RelayConfig {
  return { gateway: devnet.urls.gateway, mu: devnet.urls.mu, su: devnet.urls.su, suIsRouter: false, route: 'su', crank: true, uploader: devnet.urls.gateway, cu: devnet.urls.cu, ...over }
}

/** A tab: its relay over storage that outlives it (pass the same `store`/`kv` to "reload"). */
export async function openTab(devnet: Devnet, storage: { store: MemoryQueueStore; kv: ReturnType<typeof memoryKv> }, over: Partial<RelayConfig> = {}) {
  return RelayService.open(relayConfig(devnet, over), storage.store, storage.kv)
}

export function devnetOps(devnet: Devnet, relay: () => RelayService) {
  const wallet = new KeyfileSigner(loadKey('wallet-a').jwk as never)
  const su = new SuClient(devnet.urls.su)
  const cu = new CuClient(devnet.urls.cu)
  const spawn = async (extra: Partial<SpawnSpec> = {}) => {
    const signed = await wallet.sign(spawnItem({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, authorities: [devnet.authority, relay().relayKey.address], ...extra }))
    return (await relay().submit(signed.bytes, true)).id
  }
  const send = async (pid: string, tags: { name: string; value: string }[], data = '') => {
    const signed = await wallet.sign(messageItem({ target: pid, tags, data }))
    await relay().submit(signed.bytes, true)
    return signed.id
  }
  const evalOn = async (pid: string, code: string) => {
    const id = await send(pid, [{ name: 'Action', value: 'Eval' }], code)
    return JSON.stringify((await cu.result(id, pid)).Output)
  }
  const log = async (pid: string) => (await su.getSchedulePage({ processId: pid, limit: 1000 })).edges.map((e) => e.node.message).filter((m) => m !== null)
  /** Pushed messages in `pid`'s log (From-Process set), with the tags a test looks at. */
  const pushesIn = async (pid: string) =>
    (await log(pid))
      .filter((m) => tagValue(m.tags, 'From-Process'))
      .map((m) => ({ id: m.id, owner: m.owner.address, from: tagValue(m.tags, 'From-Process'), action: tagValue(m.tags, 'Action'), pushedFor: tagValue(m.tags, 'Pushed-For') ?? null, count: tagValue(m.tags, 'Count') ?? null }))
  const origin = (pid: string, messageId: string): CrankOrigin => ({ processId: pid, moduleId: devnet.moduleIds.aos64, schedulerAddress: devnet.suAddress, messageId, pushedFor: messageId })
  return { wallet, su, cu, spawn, send, evalOn, log, pushesIn, origin }
}

/**
 * A describe block's "crank here" rig: the devnet's own crank switched off (so the only pushes are
 * the tab's), a devnet on `basePort`, one tab's relay over storage that outlives it, and its ops.
 * Call inside `describe`; the fields are set once its beforeAll has run. Assign `relay` to "reload".
 */
export function crankHereRig(basePort: number) {
  const restoreCrank = switchOffDevnetCrank()
  const rig = {
    devnet: undefined as unknown as Devnet,
    relay: undefined as unknown as RelayService,
    storage: { store: new MemoryQueueStore(), kv: memoryKv() },
    ops: undefined as unknown as ReturnType<typeof devnetOps>,
  }
  beforeAll(async () => {
    rig.devnet = await startDevnet({ basePort })
    rig.relay = await openTab(rig.devnet, rig.storage)
    rig.ops = devnetOps(rig.devnet, () => rig.relay)
  }, 60_000)
  afterAll(async () => {
    restoreCrank()
    await rig.devnet?.stop()
  })
  return rig
}
