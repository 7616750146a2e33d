/**
 * Demo processes on the local network. `npm start` / the devnet may serve `/demo-processes.json`:
 *   [{ "id": "<43-char process id>", "name": "Counter", "description": "optional" }, ...]
 * When the file is absent or malformed the section is simply hidden: it is an optional extra.
 */
import { isAoId } from '../node/contract'

export interface DemoProcess {
  id: string
  name: string
  description: string
}

export function parseDemoProcesses(json: unknown): DemoProcess[] {
  if (!Array.isArray(json)) return []
  const out: DemoProcess[] = []
  for (const d of json as unknown[]) {
    const r = (d ?? {}) as Record<string, unknown>
    if (typeof r.id !== 'string' || !isAoId(r.id) || typeof r.name !== 'string') continue
    out.push({ id: r.id, name: r.name.slice(0, 80), description: typeof r.description === 'string' ? r.description.slice(0, 300) : '' })
  }
  return out.slice(0, 50)
}

export async function fetchDemoProcesses(url = 'demo-processes.json'): Promise<DemoProcess[]> {
  try {
    const res = await fetch(url, { cache: 'no-cache' })
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return []
    return parseDemoProcesses(await res.json())
  } catch {
    return []
  }
}
