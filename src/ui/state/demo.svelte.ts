/**
 * The demo network and its processes (dist/demo-processes.json, written by `npm start`), read once
 * and shared by the views that offer it: home (the list, "Use the demo network"), the header
 * (names the network), a process that is not found (hint), spawn (defaults), names of known ids.
 */
import type { Endpoints, PresetName } from '../../node/contract'
import { PRESET_LABELS } from '../../node/settings'
import { fetchDemoFile, sameNetwork, type DemoFile } from '../demo-processes'
import { client } from './client'
import { settingsState } from './settings.svelte'

let file = $state<DemoFile>({ network: null, processes: [] })
let loaded = $state(false)
let loading: Promise<void> | null = null

function load(): Promise<void> {
  loading ??= fetchDemoFile().then((d) => {
    file = d
    loaded = true
  })
  return loading
}

export const demoState = {
  get file(): DemoFile {
    void load()
    return file
  },
  get loaded(): boolean {
    void load()
    return loaded
  },
  ready: (): Promise<void> => load(),
  /** whether the settings point at the demo network (false when there is none) */
  isCurrent(endpoints: Endpoints = settingsState.value.endpoints): boolean {
    void load()
    return file.network !== null && sameNetwork(file.network, endpoints)
  },
  /** custom endpoints that are the demo network's: the header and Settings call them "Demo network" */
  isDemoNetwork(preset: PresetName, endpoints: Endpoints): boolean {
    return preset === 'custom' && this.isCurrent(endpoints)
  },
  /** the network's name as the app shows it: the demo's, else the preset's label */
  networkLabel(preset: PresetName, endpoints: Endpoints): string {
    return this.isDemoNetwork(preset, endpoints) ? 'Demo network' : PRESET_LABELS[preset]
  },
  /** a demo network exists and the settings point elsewhere */
  get offerSwitch(): boolean {
    void load()
    return file.network !== null && !sameNetwork(file.network, settingsState.value.endpoints)
  },
  /** Switches the endpoints to the demo network (its CU to cross-check); returns why not, or null. */
  use(): string | null {
    const n = file.network
    if (!n) return 'There is no demo network in this build.'
    const s = settingsState.value
    try {
      client.settings.set({ ...s, endpoints: { gateway: n.gateway, mu: n.mu, su: n.su, suIsRouter: false, cus: [n.cu] } })
      return null
    } catch (e) {
      return `Could not switch to the demo network: ${e instanceof Error ? e.message : String(e)}`
    }
  },
  /** the demo's name for a process id, if it is one of the demos */
  nameOf(id: string): string | null {
    void load()
    return file.processes.find((p) => p.id === id)?.name ?? null
  },
}
