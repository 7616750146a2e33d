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

export const addressOf = (m: SuMessage): string => {
  const key = fromB64Url(m.owner.key)
  return ownerToAddress(signatureTypeForOwnerLength(key.length), key)
}

/** A small token in aos Lua: Transfer moves a quantity and sends Debit/Credit notices; errors on overdraft. */
export const TOKEN_LUA = `
Balances = Balances or {}
Handlers.add("Mint", Handlers.utils.hasMatchingTag("Action", "Mint"), function(msg)
  Balances[msg.From] = (Balances[msg.From] or 0) + tonumber(msg.Quantity)
  msg.reply({ Action = "Minted", Data = tostring(Balances[msg.From]) })
end)
Handlers.add("Transfer", Handlers.utils.hasMatchingTag("Action", "Transfer"), function(msg)
  local q = tonumber(msg.Quantity)
  local bal = Balances[msg.From] or 0
  if bal < q then error("insufficient balance: " .. bal .. " < " .. q) end
  Balances[msg.From] = bal - q
  Balances[msg.Recipient] = (Balances[msg.Recipient] or 0) + q
  Send({ Target = msg.From, Action = "Debit-Notice", Recipient = msg.Recipient, Quantity = tostring(q) })
  Send({ Target = msg.Recipient, Action = "Credit-Notice", Sender = msg.From, Quantity = tostring(q) })
end)
return "token ready"
`

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
 * Spawn + a deterministic mix: the token code, then a rotation of Evals, mints, transfers
 * (some overdrawn: Error results), Eval errors and Info messages from a second wallet.
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
  sent.push(await ao.message({ process: processId, signer: a, tags: [{ name: 'Action', value: 'Eval' }], data: TOKEN_LUA }))
  const recipients = ['r1', 'r2', 'r3'].map((r) => r.padEnd(43, 'x'))
  for (let i = 1; i < plan.messages; i++) {
    const k = i % 6
    let args: Record<string, unknown>
    if (k === 0) args = { signer: a, tags: [{ name: 'Action', value: 'Eval' }], data: `return ${i} * 2` }
    else if (k === 1) args = { signer: a, tags: [{ name: 'Action', value: 'Mint' }, { name: 'Quantity', value: String(5 + (i % 7)) }] }
    else if (k === 2 || k === 3) args = { signer: a, tags: [{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: recipients[i % 3]! }, { name: 'Quantity', value: String(1 + (i % 4)) }] }
    else if (k === 4) args = { signer: b, tags: [{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: recipients[0]! }, { name: 'Quantity', value: '1000' }] }
    else args = { signer: a, tags: [{ name: 'Action', value: 'Eval' }], data: i % 12 === 5 ? `error("planned failure ${i}")` : `Send({ Target = ao.id, Action = "Ping", Data = "p${i}" })` }
    sent.push(await ao.message({ process: processId, ...args }))
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
