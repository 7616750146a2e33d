/** Recently opened processes, newest first, persisted in localStorage (ids only: nothing sensitive). */
import { isAoId } from '../../node/contract'

const KEY = 'aolight.recent.v1'
const MAX = 20

export interface RecentProcess {
  id: string
  openedAt: number
}

function load(): RecentProcess[] {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]')
    if (!Array.isArray(raw)) return []
    return raw
      .filter((r): r is RecentProcess => typeof r?.id === 'string' && isAoId(r.id) && typeof r.openedAt === 'number')
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
  add(id: string): void {
    list = [{ id, openedAt: Date.now() }, ...list.filter((r) => r.id !== id)].slice(0, MAX)
    save()
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
