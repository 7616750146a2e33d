/**
 * Recently opened processes, newest first, persisted in localStorage (ids and the processes' own
 * `Name` tags: nothing sensitive). A process is listed once the network (or the cache) found it,
 * so mistyped or unknown ids never fill the list.
 */
import { isAoId } from '../../node/contract'

const KEY = 'aolight.recent.v1'
const MAX = 20

export interface RecentProcess {
  id: string
  openedAt: number
  /** the process's `Name` tag, when it has one */
  name?: string
}

function load(): RecentProcess[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]')
    if (!Array.isArray(raw)) return []
    return raw
      .filter((r): r is RecentProcess => typeof r?.id === 'string' && isAoId(r.id) && typeof r.openedAt === 'number')
      .map((r) => ({ id: r.id, openedAt: r.openedAt, ...(typeof r.name === 'string' && r.name !== '' && { name: r.name.slice(0, 80) }) }))
      .slice(0, MAX)
  } catch {
    return []
  }
}

let list = $state<RecentProcess[]>(load())

function save(): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(list))
  } catch {
    // Quota or privacy mode: the list still works for this session.
  }
}

export const recentProcesses = {
  get list(): RecentProcess[] {
    return list
  },
  /** Puts `id` first (opened now), with its name when known (else the one it had). */
  add(id: string, name?: string | null): void {
    const known = list.find((r) => r.id === id)?.name
    const n = (name ?? known ?? '').slice(0, 80)
    list = [{ id, openedAt: Date.now(), ...(n !== '' && { name: n }) }, ...list.filter((r) => r.id !== id)].slice(0, MAX)
    save()
  },
  nameOf(id: string): string | null {
    return list.find((r) => r.id === id)?.name ?? null
  },
  remove(id: string): void {
    list = list.filter((r) => r.id !== id)
    save()
  },
  clear(): void {
    list = []
    save()
  },
}
