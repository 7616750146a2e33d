/**
 * The message flow around one process: who sent it messages (by `From`) and where its results sent
 * messages and spawns (by `Target`), counted per peer. Derived from the log the node already holds.
 */
import type { LoggedMessage } from '../node/contract'

export interface FlowEdge {
  peer: string
  direction: 'in' | 'out' | 'spawn'
  count: number
}

export function messageFlow(processId: string, messages: LoggedMessage[]): FlowEdge[] {
  const counts = new Map<string, FlowEdge>()
  const add = (peer: string, direction: FlowEdge['direction']) => {
    const key = `${direction}:${peer}`
    const e = counts.get(key)
    if (e) e.count++
    else counts.set(key, { peer, direction, count: 1 })
  }
  for (const m of messages) {
    if (m.id !== processId && !m.cron) add(m.from, 'in')
    for (const out of m.result?.Messages ?? []) add(out.Target ?? '(no target)', 'out')
    for (const s of m.result?.Spawns ?? []) add(s.Target ?? '(new process)', 'spawn')
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.peer.localeCompare(b.peer))
}
