/**
 * The interim `NodeClient` the UI runs on until the worker facade (src/node) exists.
 * Real today: settings, storage estimate/persistence, wallet connect/import/disconnect.
 * Not yet: everything that needs the compute unit or the relay. Those reject with
 * `node/unavailable` and the reason, and `capabilities` lets views disable controls up front.
 */
import {
  NodeError,
  type Capabilities,
  type Capability,
  type NodeClient,
  type Settings,
} from '../../node/contract'
import { loadSettings, saveSettings } from '../../node/settings'
import { WalletSession, browserWallet } from './wallet'
import { estimateStorage, requestPersistence } from './storage'

export const COMPUTE_MISSING =
  'The compute unit (the Web Worker that fetches, verifies and evaluates a process) is not part of this build yet.'
export const RELAY_MISSING =
  'The relay (which signs with your wallet and posts messages to the MU) is not part of this build yet.'

function unavailable(capability: string, reason: string): never {
  throw new NodeError('node/unavailable', reason, { capability })
}

export function createInterimClient(storage: Storage = localStorage): NodeClient & { readonly settingsProblem: string | null } {
  const loaded = loadSettings(storage)
  let settings: Settings = loaded.settings
  const settingsListeners = new Set<(s: Settings) => void>()
  const wallet = new WalletSession(storage)
  void wallet.restore()

  const capabilities = (): Capabilities => {
    const storageOk: Capability =
      typeof navigator !== 'undefined' && typeof navigator.storage?.estimate === 'function'
        ? { available: true }
        : { available: false, reason: 'This browser does not report storage usage.' }
    return {
      compute: { available: false, reason: COMPUTE_MISSING },
      relay: { available: false, reason: RELAY_MISSING },
      crossCheck: { available: false, reason: COMPUTE_MISSING },
      storage: storageOk,
      browserWallet: browserWallet()
        ? { available: true }
        : { available: false, reason: 'No browser wallet found (window.arweaveWallet). Install Wander or ArConnect, or import a keyfile.' },
    }
  }

  return {
    settingsProblem: loaded.problem,
    get capabilities() {
      return capabilities()
    },
    openProcess: async () => unavailable('compute', COMPUTE_MISSING),
    dryRun: async () => unavailable('compute', COMPUTE_MISSING),
    send: async () => unavailable('relay', RELAY_MISSING),
    spawn: async () => unavailable('relay', RELAY_MISSING),
    settings: {
      get: () => settings,
      set(next) {
        settings = saveSettings(storage, next)
        for (const l of settingsListeners) l(settings)
      },
      subscribe(listener) {
        settingsListeners.add(listener)
        return () => settingsListeners.delete(listener)
      },
    },
    storage: {
      estimate: estimateStorage,
      persist: requestPersistence,
      clearProcess: async () => unavailable('compute', `Clearing a process's cache needs its store. ${COMPUTE_MISSING}`),
    },
    wallet: {
      state: () => wallet.state(),
      connect: () => wallet.connect(),
      importKeyfile: (text) => wallet.importKeyfile(text),
      disconnect: () => wallet.disconnect(),
      subscribe: (l) => wallet.subscribe(l),
    },
  }
}
