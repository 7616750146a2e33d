/** Harness page: the real relay (page facade + relay Worker + IndexedDB) on `window.relay` for relay.spec.ts. */
import { RelayClient } from '../../../src/node/relay-client'
import { defaultSettings } from '../../../src/node/settings'
import type { Settings } from '../../../src/node/contract'
import type { SendRoute, QueueEvent } from '../../../src/relay/send-queue'

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
  spawn: (moduleId: string, schedulerAddress: string, tags: { name: string; value: string }[]) =>
    plain(() => need().spawn({ moduleId, schedulerAddress, tags, data: '', memoryLimit: null, cron: null })),
  pending: () => need().pending(),
}
export type RelayHarness = typeof harness
;(window as unknown as { relay: RelayHarness }).relay = harness
document.title = 'relay harness ready'
