/**
 * Demo processes on the local network. `npm start` runs the devnet with `--seed --demo-out
 * dist/demo-processes.json`, which writes
 *   { "network": { "gateway", "mu", "su", "cu" }, "processes": [{ "id", "name", "description", "kind" }] }
 * A plain array of processes is accepted too. When the file is absent or malformed the section is
 * simply hidden: it is an optional extra. Everything in it is untrusted text.
 */
import { isAoId } from '../node/contract'

export interface DemoProcess {
  id: string
  name: string
  description: string
  kind: string
}

export interface DemoNetwork {
  gateway: string
  mu: string
  su: string
  cu: string
}

export interface DemoFile {
  network: DemoNetwork | null
  processes: DemoProcess[]
}

function parseNetwork(v: unknown): DemoNetwork | null {
  const r = (v ?? {}) as Record<string, unknown>
  const urls = [r.gateway, r.mu, r.su, r.cu]
  if (!urls.every((u) => typeof u === 'string' && /^https?:\/\/[^\s]+$/.test(u))) return null
  return { gateway: r.gateway as string, mu: r.mu as string, su: r.su as string, cu: r.cu as string }
}

export function parseDemoFile(json: unknown): DemoFile {
  const list = Array.isArray(json) ? json : ((json ?? {}) as { processes?: unknown }).processes
  const network = Array.isArray(json) ? null : parseNetwork(((json ?? {}) as { network?: unknown }).network)
  const out: DemoProcess[] = []
  for (const d of Array.isArray(list) ? (list as unknown[]) : []) {
    const r = (d ?? {}) as Record<string, unknown>
    if (typeof r.id !== 'string' || !isAoId(r.id) || typeof r.name !== 'string') continue
    out.push({
      id: r.id,
      name: r.name.slice(0, 80),
      description: typeof r.description === 'string' ? r.description.slice(0, 300) : '',
      kind: typeof r.kind === 'string' ? r.kind.slice(0, 40) : '',
    })
  }
  return { network, processes: out.slice(0, 50) }
}

/** The processes only (kept for callers of the array form). */
export function parseDemoProcesses(json: unknown): DemoProcess[] {
  return parseDemoFile(json).processes
}

export async function fetchDemoFile(url = 'demo-processes.json'): Promise<DemoFile> {
  try {
    const res = await fetch(url, { cache: 'no-cache' })
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return { network: null, processes: [] }
    return parseDemoFile(await res.json())
  } catch {
    return { network: null, processes: [] }
  }
}

/** Whether the settings' gateway, MU and SU are the demo network's (trailing slashes ignored). */
export function sameNetwork(n: DemoNetwork, e: { gateway: string; mu: string; su: string }): boolean {
  const same = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '')
  return same(n.gateway, e.gateway) && same(n.mu, e.mu) && same(n.su, e.su)
}
