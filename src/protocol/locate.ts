/**
 * Finding a process's Scheduler Unit (ao-protocol.md §1 "Finding the SU";
 * facts from ao `scheduler-utils` gateway.js/locate.js):
 * 1. the process's `Scheduler` tag (given as a hint, or read from gateway GraphQL) names a wallet;
 * 2. that wallet's newest `Scheduler-Location` record (Data-Protocol ao) carries `Url` and
 *    `Time-To-Live` (ms);
 * 3. fallback: the SU router, `GET {router}?process-id=P`, answers 307 to the owning SU, which
 *    answers `{address, timestamp}`; the SU URL is the origin fetch was redirected to.
 * Results are cached per process for their TTL.
 */
import { ProtocolError, isProtocolError } from './errors'
import { GatewayClient } from './gateway-client'
import { HttpClient, joinUrl, parseJson } from './http'
import { obj, str, sub, tagValue, type Validate } from './wire-types'

export const LEGACYNET_SU_ROUTER = 'https://su-router.ao-testnet.xyz'

export interface SchedulerLocation {
  /** SU base URL without a trailing slash. */
  url: string
  /** The SU's wallet address: who must sign the assignments. */
  address: string
  ttlMs: number
  source: 'scheduler-location' | 'router'
}

export interface LocatorOptions {
  gateway: GatewayClient
  http?: HttpClient
  /** SU router for the fallback; undefined disables it. */
  routerUrl?: string
  /** TTL for router answers, which carry none. Default 1 h. */
  routerTtlMs?: number
  /** Upper bound on any TTL, so a bad record cannot pin a URL for years. Default 48 h. */
  maxTtlMs?: number
  now?: () => number
}

interface CacheEntry {
  value: SchedulerLocation
  expires: number
}

export class Locator {
  private readonly gateway: GatewayClient
  private readonly http: HttpClient
  private readonly routerUrl: string | undefined
  private readonly routerTtlMs: number
  private readonly maxTtlMs: number
  private readonly now: () => number
  private readonly byProcess = new Map<string, CacheEntry>()
  private readonly byOwner = new Map<string, CacheEntry>()

  constructor(opts: LocatorOptions) {
    this.gateway = opts.gateway
    this.http = opts.http ?? new HttpClient()
    this.routerUrl = opts.routerUrl
    this.routerTtlMs = opts.routerTtlMs ?? 3_600_000
    this.maxTtlMs = opts.maxTtlMs ?? 48 * 3_600_000
    this.now = opts.now ?? Date.now
  }

  /** The SU of `processId`. `schedulerHint` is the process's Scheduler tag when already known. */
  async locate(processId: string, opts: { schedulerHint?: string; signal?: AbortSignal } = {}): Promise<SchedulerLocation> {
    const cached = this.fresh(this.byProcess, processId)
    if (cached) return cached
    let found: SchedulerLocation
    try {
      const address = opts.schedulerHint ?? (await this.schedulerOf(processId, opts.signal))
      found = await this.schedulerLocation(address, opts.signal)
    } catch (first) {
      if (this.routerUrl === undefined || isProtocolError(first, 'http/aborted')) throw first
      try {
        found = await this.fromRouter(processId, opts.signal)
      } catch (second) {
        if (first instanceof ProtocolError) {
          throw new ProtocolError(first.code, `${first.message}; router fallback failed too: ${(second as Error).message}`, { ...first.details, routerError: second }, { cause: first })
        }
        throw first
      }
    }
    this.byProcess.set(processId, { value: found, expires: this.now() + found.ttlMs })
    return found
  }

  /** The `Scheduler` tag of a process, from gateway GraphQL. */
  async schedulerOf(processId: string, signal?: AbortSignal): Promise<string> {
    const tx = await this.gateway.transaction(processId, signal)
    if (!tx) throw new ProtocolError('locate/no-scheduler', `process ${processId} not found on gateway ${this.gateway.url}`, { processId })
    const scheduler = tagValue(tx.tags, 'Scheduler')
    if (!scheduler) throw new ProtocolError('locate/no-scheduler', `process ${processId} has no Scheduler tag`, { processId })
    return scheduler
  }

  /** The newest Scheduler-Location record of SU wallet `address`. */
  async schedulerLocation(address: string, signal?: AbortSignal): Promise<SchedulerLocation> {
    const cached = this.fresh(this.byOwner, address)
    if (cached) return cached
    const page = await this.gateway.transactions({
      owners: [address],
      tags: [
        { name: 'Data-Protocol', values: ['ao'] },
        { name: 'Type', values: ['Scheduler-Location'] },
      ],
      sort: 'HEIGHT_DESC',
      first: 1,
      signal,
    })
    const node = page.edges[0]?.node
    if (!node) throw new ProtocolError('locate/no-location', `no Scheduler-Location record owned by ${address} on gateway ${this.gateway.url}`, { address })
    const url = tagValue(node.tags, 'Url')
    const ttl = tagValue(node.tags, 'Time-To-Live')
    if (!url) throw new ProtocolError('locate/no-location', `Scheduler-Location ${node.id} of ${address} has no Url tag`, { address, record: node.id })
    if (!ttl || !/^\d+$/.test(ttl)) throw new ProtocolError('locate/no-location', `Scheduler-Location ${node.id} of ${address} has no numeric Time-To-Live tag (got ${JSON.stringify(ttl)})`, { address, record: node.id })
    const value: SchedulerLocation = { url: trimSlash(url), address, ttlMs: Math.min(Number(ttl), this.maxTtlMs), source: 'scheduler-location' }
    this.byOwner.set(address, { value, expires: this.now() + value.ttlMs })
    return value
  }

  /** Asks the SU router; fetch follows its 307 and the final origin is the SU. */
  async fromRouter(processId: string, signal?: AbortSignal): Promise<SchedulerLocation> {
    if (this.routerUrl === undefined) throw new ProtocolError('locate/no-location', 'no SU router configured', { processId })
    const res = await this.http.request({ url: joinUrl(this.routerUrl, '/', { 'process-id': processId }), signal })
    const { address } = parseJson(res, routerAnswer)
    return { url: new URL(res.url).origin, address, ttlMs: Math.min(this.routerTtlMs, this.maxTtlMs), source: 'router' }
  }

  /** Forgets cached locations (all, or one process). */
  clear(processId?: string): void {
    if (processId === undefined) {
      this.byProcess.clear()
      this.byOwner.clear()
    } else this.byProcess.delete(processId)
  }

  private fresh(map: Map<string, CacheEntry>, key: string): SchedulerLocation | undefined {
    const e = map.get(key)
    if (!e) return undefined
    if (e.expires <= this.now()) {
      map.delete(key)
      return undefined
    }
    return e.value
  }
}

const routerAnswer: Validate<{ address: string }> = (v, f = '') => ({ address: str(obj(v, f).address, sub(f, 'address')) })

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
