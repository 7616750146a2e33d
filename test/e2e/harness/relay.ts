/** Harness page: the real relay (page facade + relay Worker + IndexedDB) on `window.relay` for relay.spec.ts. */
import { RelayClient } from '../../../src/node/relay-client'
import { defaultSettings } from '../../../src/node/settings'
import type { Settings } from '../../../src/node/contract'
import type { SendRoute, QueueEvent } from '../../../src/relay/send-queue'
import { createNodeClient, type ComputeProcessHandle } from '../../../src/node/node-client'
import type { CronSpec, LoggedMessage } from '../../../src/node/contract'
import type { CrankOrigin, OutboxResult } from '../../../src/relay/crank'

let client: RelayClient | null = null
const events: QueueEvent[] = []
const need = () => {
  if (!client) throw new Error('relay harness: call start first')
  return client
}
/** Errors cross to Playwright as plain {code, message}. */
const plain = async <T>(f: () => Promise<T>): Promise<T | { error: { code: string; message: string } }> => {
  try {
    return await f()
  } catch (e) {
    const err = e as { code?: string; message?: string }
    return { error: { code: err.code ?? 'unknown', message: err.message ?? String(e) } }
  }
}

/**
 * The compute side as the app runs it (node-client.ts over the shipped compute worker, with the
 * settings' CUs as cross-check CUs), so a relay test can watch what it sent get verified here.
 */
let compute: ReturnType<typeof createNodeClient> | null = null
const watched = new Map<string, { handle: ComputeProcessHandle; latest: Map<string, LoggedMessage>; stopped: string | null }>()

const harness = {
  events,
  async start(endpoints: Settings['endpoints'], opts: { route: SendRoute; crank: boolean; dbName: string }) {
    const settings: Settings = { ...defaultSettings(), endpoints, crank: opts.crank, preset: 'custom' }
    client = await RelayClient.start(settings, { route: opts.route, dbName: opts.dbName })
    await client.onQueue((e) => events.push(e))
    return { relayAddress: client.relayAddress, persistentQueue: client.persistentQueue, wallet: client.state() }
  },
  connect: () => plain(() => need().connect()),
  disconnect: () => plain(() => need().disconnect()),
  state: () => need().state(),
  send: (target: string, tags: { name: string; value: string }[], data: string, untilAssigned = true) =>
    plain(() => need().send({ target, tags, data }, { untilAssigned })),
  spawn: (moduleId: string, schedulerAddress: string, tags: { name: string; value: string }[], cron: CronSpec | null = null) =>
    plain(() => need().spawn({ moduleId, schedulerAddress, tags, data: '', memoryLimit: null, cron })),
  pending: () => need().pending(),
  /** The relay worker's crank of a result (as the app does after evaluating a message it sent). */
  crank: (result: OutboxResult, origin: CrankOrigin) => plain(async () => need().crankResult(result, origin)),
  monitorCrons: (pid: string, on: boolean) => plain(() => need().monitorCrons(pid, on)),
  /** Opens `pid` in a compute worker (store `storeName`) and keeps the latest state of each of its messages. */
  async verify(pid: string, endpoints: Settings['endpoints'], storeName: string) {
    if (!compute) {
      const kv = new Map<string, string>()
      compute = createNodeClient({ storage: { getItem: (k) => kv.get(k) ?? null, setItem: (k, v) => void kv.set(k, v) }, storeName, compute: { pollMs: 300 } })
      compute.settings.set({ ...defaultSettings(), endpoints, preset: 'custom' })
    }
    const handle = await compute.openComputeProcess(pid)
    const w = { handle, latest: new Map<string, LoggedMessage>(), stopped: null as string | null }
    watched.set(pid, w)
    handle.subscribe((e) => {
      if (e.type === 'message') w.latest.set(e.message.id, e.message)
      if (e.type === 'status' && e.status.state === 'stopped') w.stopped = `${e.status.error.code}: ${e.status.error.message}`
    })
  },
  /** What the tab knows of `pid`'s messages: id, nonce, Action tag, verification level. */
  levels(pid: string) {
    const w = watched.get(pid)
    if (!w) throw new Error(`relay harness: ${pid} is not open, call verify first`)
    const messages = [...w.latest.values()]
      .sort((a, b) => (a.nonce ?? -1) - (b.nonce ?? -1))
      .map((m) => ({ id: m.id, nonce: m.nonce, action: m.tags.find((t) => t.name === 'Action')?.value ?? null, level: m.verification.level, hasResult: !!m.result, output: m.result ? JSON.stringify(m.result.Output) : null }))
    return { stopped: w.stopped, messages }
  },
}
export type RelayHarness = typeof harness
;(window as unknown as { relay: RelayHarness }).relay = harness
document.title = 'relay harness ready'
