/**
 * Loads a process and its module (ao-protocol.md §2 "Loading"): locate the SU (Scheduler tag ->
 * Scheduler-Location), read `GET {su}/processes/{P}`, check it is an ao Process with a Module,
 * then the module: from the store when cached and verified, else GraphQL metadata + `/raw` bytes,
 * verified against the module's signed item (module-verify.ts) before it is stored or run.
 */
import { ownerToAddress } from '../protocol/address'
import { fromB64Url } from '../protocol/base64url'
import { HYPERBEAM_VARIANT, hyperbeamUnsupported } from '../protocol/hb-schedule-format'
import type { GatewayClient } from '../protocol/gateway-client'
import type { Locator } from '../protocol/locate'
import { SuClient } from '../protocol/su-client'
import type { SuProcess } from '../protocol/su-types'
import type { HttpClient } from '../protocol/http'
import { tagValue, type WireTag } from '../protocol/wire-types'
import type { AolightStore, ModuleRecord, ProcessRecord } from '../store/index'
import { ComputeError } from './compute-errors'
import { verifyModuleBytes } from './module-verify'

export interface LoadedProcess {
  id: string
  record: SuProcess
  tags: WireTag[]
  /** the process owner's address (env.Process.Owner) */
  ownerAddress: string
  moduleId: string
  /** the `Scheduler` tag: the wallet that must sign assignments */
  scheduler: string
  /** the SU's base URL ('' when loaded offline from the store) */
  suUrl: string
  stored: ProcessRecord
}

export interface LoadedModule {
  id: string
  bytes: Uint8Array
  tags: WireTag[]
  ownerAddress: string
}

/** The address ao uses for an owner key (EIP-55 for 65-byte secp256k1 keys). */
export function addressOfKey(keyB64: string): string {
  const key = fromB64Url(keyB64)
  return ownerToAddress(key.length === 65 ? 3 : 1, key)
}

export interface LoaderDeps {
  gateway: GatewayClient
  locator: Locator
  http: HttpClient
  store: AolightStore
}

export async function loadProcess(deps: LoaderDeps, processId: string, signal?: AbortSignal): Promise<LoadedProcess> {
  const location = await deps.locator.locate(processId, { signal })
  const su = new SuClient(location.url, deps.http)
  let record: SuProcess
  try {
    record = await su.getProcess(processId, signal)
  } catch (e) {
    if ((e as { code?: string }).code === 'http/not-found') throw new ComputeError('process/not-found', `SU ${location.url} has no process ${processId}`, { processId }, { cause: e })
    throw e
  }
  const fields = checkProcessRecord(processId, record)
  const stored = await deps.store.processes.put({ id: processId, record, tags: record.tags, moduleId: fields.moduleId, scheduler: fields.scheduler })
  return { id: processId, record, tags: record.tags, ownerAddress: addressOfKey(record.owner.key), ...fields, suUrl: location.url, stored }
}

/** The process from the store only (offline). */
export async function loadCachedProcess(store: AolightStore, processId: string): Promise<LoadedProcess | undefined> {
  const stored = await store.processes.get(processId)
  if (!stored) return undefined
  const record = stored.record as SuProcess
  return { id: processId, record, tags: stored.tags, ownerAddress: addressOfKey(record.owner.key), moduleId: stored.moduleId, scheduler: stored.scheduler, suUrl: '', stored }
}

/** The reference CU's loadProcessMeta checks: Data-Protocol ao, Type Process, a Module tag. */
export function checkProcessRecord(processId: string, record: SuProcess): { moduleId: string; scheduler: string } {
  const where = `process ${processId}`
  if (record.processId !== processId) throw new ComputeError('process/not-ao', `${where}: the SU answered with process ${record.processId}`, { processId })
  // Refused before any log page is read: its schedule could not be verified here anyway.
  const variant = record.tags.find((t) => t.name.toLowerCase() === 'variant')?.value
  if (variant === HYPERBEAM_VARIANT) throw hyperbeamUnsupported(`is tagged Variant ${HYPERBEAM_VARIANT} (mainnet)`, `${where}`)
  if (tagValue(record.tags, 'Data-Protocol') !== 'ao') throw new ComputeError('process/not-ao', `${where}: tag Data-Protocol is not "ao"`, { processId })
  if (tagValue(record.tags, 'Type') !== 'Process') throw new ComputeError('process/not-ao', `${where}: tag Type is ${JSON.stringify(tagValue(record.tags, 'Type'))}, not "Process"`, { processId })
  const moduleId = tagValue(record.tags, 'Module')
  if (!moduleId) throw new ComputeError('process/not-ao', `${where}: no Module tag`, { processId })
  const scheduler = tagValue(record.tags, 'Scheduler')
  if (!scheduler) throw new ComputeError('process/not-ao', `${where}: no Scheduler tag`, { processId })
  return { moduleId, scheduler }
}

function fromRecord(m: ModuleRecord): LoadedModule {
  return { id: m.id, bytes: new Uint8Array(m.bytes), tags: m.tags, ownerAddress: m.owner ?? '' }
}

/** A verified module from the store, else downloaded, verified and stored. `offline`: store only. */
export async function loadModule(deps: LoaderDeps, moduleId: string, opts: { offline?: boolean; signal?: AbortSignal } = {}): Promise<{ module: LoadedModule; cached: boolean }> {
  const cached = await deps.store.modules.get(moduleId)
  if (cached?.verified) return { module: fromRecord(cached), cached: true }
  if (opts.offline) throw new ComputeError('compute/offline-no-cache', `module ${moduleId} is not cached and the network is unreachable`, { moduleId })
  const meta = await deps.gateway.transaction(moduleId, opts.signal)
  if (!meta) throw new ComputeError('module/not-found', `gateway ${deps.gateway.url} has no metadata for module ${moduleId}`, { moduleId })
  const bytes = await deps.gateway.getRaw(moduleId, opts.signal)
  await verifyModuleBytes(meta, bytes)
  const ownerAddress = addressOfKey(meta.owner.key)
  // A fresh ArrayBuffer of exactly these bytes (the fetch buffer may be larger or shared).
  await deps.store.modules.put({ id: moduleId, bytes: bytes.slice().buffer, tags: meta.tags, owner: ownerAddress, verified: true })
  return { module: { id: moduleId, bytes, tags: meta.tags, ownerAddress }, cached: false }
}
