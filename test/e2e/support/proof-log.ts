/**
 * Node-side helpers shared by the cross-check tests, the tamper suite and the compute bench:
 * - `fillProcess`: spawn a real aos process on a devnet and send a mix of real messages
 *   (Evals, token transfers, errors) through aoconnect, signed by the test wallets;
 * - `readLog`: the SU log exactly as served (nonce paging);
 * - `foldLocally`: evaluate that log with our own runtime (src/wasm) and the reference mapping
 *   (src/protocol/message-mapping.ts), giving our result per nonce, for cross-checks.
 */
import { connect, createSigner } from '@permaweb/aoconnect'
import type { Devnet } from '../../devnet/devnet'
import { plannedMessage, TOKEN_LUA } from './fill-mix'
import { loadKey } from '../../devnet/keys'
import { SuClient } from '../../../src/protocol/su-client'
import { GatewayClient } from '../../../src/protocol/gateway-client'
import { mapEdge, buildEnv } from '../../../src/protocol/message-mapping'
import { ownerToAddress } from '../../../src/protocol/address'
import { signatureTypeForOwnerLength } from '../../../src/protocol/signature-types'
import { fromB64Url } from '../../../src/protocol/base64url'
import { tagValue } from '../../../src/protocol/wire-types'
import type { SuEdge, SuMessage, SuProcess } from '../../../src/protocol/su-types'
import type { GqlTransaction } from '../../../src/protocol/gateway-client'
import type { EvaluationEnv } from '../../../src/protocol/message-mapping'
import { loadAoModule, moduleOptionsFromTags, type AoResult, type RuntimeOptions } from '../../../src/wasm/index'

export interface AoClient {
  spawn(args: Record<string, unknown>): Promise<string>
  message(args: Record<string, unknown>): Promise<string>
}

export function aoFor(devnet: Devnet): AoClient {
  return connect({ MODE: 'legacy', MU_URL: devnet.urls.mu, CU_URL: devnet.urls.cu, GATEWAY_URL: devnet.urls.gateway } as never) as unknown as AoClient
}

export { TOKEN_LUA }

export const addressOf = (m: SuMessage): string => {
  const key = fromB64Url(m.owner.key)
  return ownerToAddress(signatureTypeForOwnerLength(key.length), key)
}

export interface FillPlan {
  /** Total messages after the spawn (≥ 4). */
  messages: number
  /** wasm64 aos (default) or the wasm32 build. */
  module?: 'aos64' | 'aos32'
  extraTags?: { name: string; value: string }[]
}

export interface FilledProcess {
  processId: string
  /** message ids in send order (not counting outbox pushes the devnet schedules in between) */
  sent: string[]
}

/**
 * Spawn + the deterministic mix of fill-mix.ts, each message through aoconnect (MU post; the
 * default eager devnet evaluates and cranks before answering, ~0.3 s per message). For large
 * logs use fast-fill.ts.
 */
export async function fillProcess(devnet: Devnet, plan: FillPlan): Promise<FilledProcess> {
  const ao = aoFor(devnet)
  const a = createSigner(loadKey('wallet-a').jwk)
  const b = createSigner(loadKey('wallet-b').jwk)
  const processId = await ao.spawn({
    module: devnet.moduleIds[plan.module ?? 'aos64'],
    scheduler: devnet.suAddress,
    signer: a,
    tags: [{ name: 'Authority', value: devnet.authority }, ...(plan.extraTags ?? [])],
  })
  const sent: string[] = []
  const signers = { a, b }
  for (let i = 0; i < plan.messages; i++) {
    const m = plannedMessage(i)
    sent.push(await ao.message({ process: processId, signer: signers[m.signer], tags: m.tags, ...(m.data !== undefined ? { data: m.data } : {}) }))
  }
  return { processId, sent }
}

export async function readLog(suUrl: string, processId: string, pageSize = 1000): Promise<SuEdge[]> {
  const su = new SuClient(suUrl)
  const edges: SuEdge[] = []
  for await (const page of su.streamSchedule(processId, { pageSize })) edges.push(...page.edges)
  return edges
}

export interface LocalFold {
  results: { nonce: number; messageId: string; result: AoResult }[]
  ms: number
}

export interface ReplaySource {
  proc: SuProcess
  moduleId: string
  module: GqlTransaction
  bytes: Uint8Array
  options: RuntimeOptions
  env: EvaluationEnv
}

/** What replaying a devnet process needs: its record, its module (item + bytes), options and env. */
export async function loadReplaySource(gatewayUrl: string, suUrl: string, processId: string): Promise<ReplaySource> {
  const gw = new GatewayClient(gatewayUrl)
  const proc = await new SuClient(suUrl).getProcess(processId)
  const moduleId = tagValue(proc.tags, 'Module')!
  const module = await gw.transaction(moduleId)
  if (!module) throw new Error(`module ${moduleId} not in gateway GraphQL`)
  const bytes = await gw.getRaw(moduleId)
  const env = buildEnv(
    { id: processId, ownerAddress: proc.owner.address, tags: proc.tags },
    { id: moduleId, ownerAddress: module.owner.address, tags: module.tags },
  )
  return { proc, moduleId, module, bytes, options: moduleOptionsFromTags(module.tags, proc.tags), env }
}

/** Our runtime over the log, from nonce 0, with the reference mapping. */
export async function foldLocally(gatewayUrl: string, suUrl: string, processId: string, edges: readonly SuEdge[]): Promise<LocalFold> {
  const { bytes, options, env } = await loadReplaySource(gatewayUrl, suUrl, processId)
  const inst = await loadAoModule(bytes, options)
  const t0 = performance.now()
  const results: LocalFold['results'] = []
  for (const edge of edges) {
    const s = mapEdge(edge, addressOf)
    const result = await inst.handle(s.message as never, env)
    results.push({ nonce: s.ordinate, messageId: s.message.Id, result })
  }
  return { results, ms: performance.now() - t0 }
}
