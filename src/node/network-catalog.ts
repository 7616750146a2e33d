/**
 * What the configured network offers, for the spawn form's defaults: the SU's scheduler address
 * (its `GET /` answers `{address}` on the devnet, `{Address}` on the reference SU) and the modules
 * the gateway knows (`Type: Module` items, named by their `Name` tag). The protocol clients are
 * imported on demand so the first paint does not carry them.
 * It lives in src/node because src/ui must not import src/protocol (DESIGN.md layout).
 */
import type { Endpoints } from './contract'

export interface KnownModule {
  id: string
  /** the `Name` tag, else the `Module-Format` */
  name: string
  format: string
}

const TIMEOUT_MS = 8_000

async function protocol() {
  const [{ GatewayClient }, { HttpClient }] = await Promise.all([import('../protocol/gateway-client'), import('../protocol/http')])
  return { GatewayClient, HttpClient }
}

/** The scheduler wallet address the SU announces, or null when it does not say (a router, a down SU). */
export async function schedulerAddress(endpoints: Pick<Endpoints, 'su' | 'suIsRouter'>): Promise<string | null> {
  if (endpoints.suIsRouter) return null
  try {
    const res = await fetch(endpoints.su.replace(/\/+$/, '') + '/', { signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (!res.ok) return null
    const body = (await res.json()) as { address?: unknown; Address?: unknown }
    const a = typeof body.address === 'string' ? body.address : typeof body.Address === 'string' ? body.Address : null
    return a !== null && /^[A-Za-z0-9_-]{43}$/.test(a) ? a : null
  } catch {
    return null
  }
}

/** Up to `limit` ao modules (`Data-Protocol: ao`, `Type: Module`) the gateway indexes, newest first. */
export async function knownModules(gateway: string, limit = 25): Promise<KnownModule[]> {
  const { GatewayClient, HttpClient } = await protocol()
  const gw = new GatewayClient(gateway, new HttpClient({ timeoutMs: TIMEOUT_MS, retry: { retries: 1 } }))
  const page = await gw.transactions({
    tags: [{ name: 'Data-Protocol', values: ['ao'] }, { name: 'Type', values: ['Module'] }],
    first: limit,
    sort: 'HEIGHT_DESC',
  })
  const out: KnownModule[] = []
  const seen = new Set<string>()
  for (const { node } of page.edges) {
    if (seen.has(node.id)) continue
    seen.add(node.id)
    const tag = (n: string) => node.tags.find((t) => t.name === n)?.value
    const format = tag('Module-Format') ?? ''
    out.push({ id: node.id, name: (tag('Name') ?? format) || node.id.slice(0, 8), format })
  }
  return out
}
