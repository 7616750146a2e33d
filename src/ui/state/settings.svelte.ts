/** Settings as rune state, mirrored from the client (which validates and persists). */
import type { Settings } from '../../node/contract'
import { client } from './client'

let current = $state<Settings>(client.settings.get())
client.settings.subscribe((s) => {
  current = s
})

export const settingsState = {
  get value(): Settings {
    return current
  },
  /** set when saved settings could not be read at start-up and defaults were used */
  problem: client.settingsProblem,
}
