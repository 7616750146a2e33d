/**
 * The aolight devnet: a local ao network that answers like the legacynet units.
 * Gateway (P), MU (P+2), SU (P+3), CU (P+4) on 127.0.0.1. The CU runs real aos Wasm through the
 * reference ao-loader; the SU, the CU's message stream (crons, assignments, dedupe), the MU
 * crank and the gateway index are the devnet's own (see README.md for what differs from real ao).
 */
import { restoreDateNow } from './clock'
import { signItem } from './data-item'
import { DeterministicArweaveSigner } from './deterministic-signer'
import { GatewayStore } from './gateway-store'
import { gatewayRoutes } from './gateway-routes'
import { listen, type Unit } from './http'
import { loadKey } from './keys'
import { publishModules } from './modules'
import { muRoutes } from './mu-routes'
import { cuRoutes } from './cu-routes'
import { SchedulerLog } from './scheduler-log'
import { suRoutes } from './su-routes'
import { DevnetCompute } from './compute'

export interface DevnetOptions {
  /** Gateway port; MU = +2, SU = +3, CU = +4. Default 5000. */
  basePort?: number
  /** Log every request. */
  log?: boolean
  /**
   * The SU refuses a push whose deep hash (ignoring Pushed-For) it already scheduled, like the
   * real SU. Default true; false lets double cranks through, to exercise the CU-side skip.
   */
  suDedupePushes?: boolean
  /**
   * Lazy compute, like the reference CU: MU/SU posts are scheduled without being evaluated, and
   * the CU folds a process when `/result`, `/results`, `/cron`, `/state`, `/dry-run` (or a
   * monitor tick) asks. Default false: posts answer after evaluation and the outbox cascade.
   */
  lazyCompute?: boolean
}

export interface Devnet {
  urls: { gateway: string; mu: string; su: string; cu: string }
  /** The SU wallet: the `Scheduler` tag of devnet processes. */
  suAddress: string
  /** Published module items (signed by the module-publisher test key). */
  moduleIds: { aos64: string; aos32: string; sqlite: string }
  /** The MU wallet that signs outbox pushes: put it in aos processes' `Authority` tag. */
  authority: string
  /** The Scheduler-Location record's id. */
  schedulerLocationId: string
  stop(): Promise<void>
}

/** How long clients may cache the Scheduler-Location (ms). */
const SCHEDULER_TTL_MS = 86_400_000

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const base = options.basePort ?? 5000
  const log = options.log ?? false
  const host = (port: number) => `http://127.0.0.1:${port}`
  const suKey = loadKey('su')
  const gateway = new GatewayStore()

  const modules = await publishModules(loadKey('module-publisher'))
  gateway.put([modules.aos64.item, modules.aos32.item, modules.sqlite.item])

  const location = await signItem(new DeterministicArweaveSigner(suKey.jwk) as never, {
    tags: [
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Variant', value: 'ao.TN.1' },
      { name: 'Type', value: 'Scheduler-Location' },
      { name: 'Url', value: host(base + 3) },
      { name: 'Time-To-Live', value: String(SCHEDULER_TTL_MS) },
    ],
  })
  gateway.put([location])

  const scheduler = new SchedulerLog(suKey, gateway, options.suDedupePushes ?? true)
  const compute = new DevnetCompute(scheduler, gateway, new Map(Object.values(modules).map((m) => [m.id, m])), { lazy: options.lazyCompute ?? false })
  restoreDateNow()

  const units: Unit[] = []
  try {
    units.push(await listen('gateway', base, gatewayRoutes(gateway), log))
    units.push(await listen('mu', base + 2, muRoutes(scheduler, compute), log))
    units.push(await listen('su', base + 3, suRoutes(scheduler, gateway, compute), log))
    units.push(await listen('cu', base + 4, cuRoutes(scheduler, compute), log))
  } catch (e) {
    await Promise.all(units.map((u) => u.close()))
    throw new Error(`devnet: could not listen on ports ${base}..${base + 4}: ${(e as Error).message}`, { cause: e })
  }

  return {
    urls: { gateway: host(base), mu: host(base + 2), su: host(base + 3), cu: host(base + 4) },
    suAddress: suKey.address,
    moduleIds: { aos64: modules.aos64.id, aos32: modules.aos32.id, sqlite: modules.sqlite.id },
    authority: DevnetCompute.authority,
    schedulerLocationId: location.id,
    stop: async () => {
      await compute.close()
      await Promise.all(units.map((u) => u.close()))
    },
  }
}
