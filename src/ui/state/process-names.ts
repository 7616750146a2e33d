/**
 * A readable name for a process id the user has met: the demo file's name, else the `Name` tag of
 * a process opened before. Null for ids we know nothing about (the page shows the id then).
 */
import { demoState } from './demo.svelte'
import { recentProcesses } from './recent.svelte'

export function processName(id: string): string | null {
  return demoState.nameOf(id) ?? recentProcesses.nameOf(id)
}
