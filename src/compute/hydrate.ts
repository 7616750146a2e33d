/**
 * Assignments of existing transactions (SU edges without a message body) are hydrated from the
 * gateway like the reference CU's hydrateMessages.js (loadFromChain, merged over the assignment
 * fields): Id from the Message tag, Signature, Owner (address), From, Target = recipient or '',
 * Tags and `Anchor: meta.anchor` (always set, '' when none) from GraphQL, Data from `/raw` as
 * text; `Exclude`d fields left out. An assignment has no message part in the reference mapping,
 * so it never gets `Forwarded-By`, even when the transaction carries `From-Process`.
 *
 * Unlike the reference, the transaction is verified before it is evaluated: as an ANS-104 item
 * (bundled), else as an Arweave L1 transaction (`assign=…&base-layer`), whose signature covers
 * fee, quantity and the data's Merkle root instead (protocol/arweave-tx.ts). L1 fields come from
 * GraphQL, or from the node API (`GET /tx/{id}`) when GraphQL lacks them.
 */
import type { GatewayClient, GqlTransaction } from '../protocol/gateway-client'
import { mapFrom, removeInvalidTags, type MappedMessage, type ScheduledMessage } from '../protocol/message-mapping'
import { ProtocolError } from '../protocol/errors'
import { fromB64Url, toB64Url } from '../protocol/base64url'
import { l1FromNodeJson, verifyL1Transaction, type L1Transaction } from '../protocol/arweave-tx'
import { itemBytesVerify } from './module-verify'
import { addressOfKey } from './process-loader'

/** How the hydrated transaction's bytes were proven to be what its owner signed. */
export type HydrationProof = { kind: 'ans104' } | { kind: 'l1'; format: 1 | 2; source: 'graphql' | 'node-api' }

export interface HydratedMessage {
  message: MappedMessage
  proof: HydrationProof
}

/** The proof as a verification note for the log entry (shown in the message view). */
export function hydrationNote(proof: HydrationProof): string {
  if (proof.kind === 'ans104') return 'assigned transaction hydrated from the gateway and verified as a signed ANS-104 item'
  const from = proof.source === 'graphql' ? "the gateway's GraphQL fields" : 'the node API (/tx)'
  return `assigned transaction hydrated from the gateway and verified as an Arweave L1 transaction (format ${proof.format}, signed fields from ${from})`
}

export async function hydrateAssignment(gateway: GatewayClient, s: ScheduledMessage, signal?: AbortSignal): Promise<MappedMessage> {
  return (await hydrateAssignmentChecked(gateway, s, signal)).message
}

/** Hydrates and verifies; throws `log/message-signature` (naming nonce and id) when neither form verifies. */
export async function hydrateAssignmentChecked(gateway: GatewayClient, s: ScheduledMessage, signal?: AbortSignal): Promise<HydratedMessage> {
  const id = s.message.Id
  const where = `assignment ${s.assignmentId} (nonce ${s.ordinate}) of transaction ${id}`
  const meta = await gateway.transaction(id, signal)
  if (!meta) throw new ProtocolError('log/bad-shape', `${where}: the gateway has no such transaction to hydrate`, { nonce: s.ordinate, messageId: id })
  let bytes = await gateway.getRaw(id, signal)
  const proof = await proveTransaction(gateway, meta, bytes, where, s.ordinate, signal)
  if (proof.data) bytes = proof.data
  const owner = addressOfKey(meta.owner.key)
  const skip = new Set(s.exclude)
  const msg: MappedMessage = {
    ...s.message,
    Owner: owner,
    From: mapFrom(meta.tags, owner),
    Tags: removeInvalidTags(meta.tags),
    Target: meta.recipient || '',
    Cron: false,
    'Read-Only': false,
  }
  if (!skip.has('Data')) msg.Data = new TextDecoder().decode(bytes)
  if (!skip.has('Signature')) msg.Signature = meta.signature
  if (!skip.has('Anchor')) msg.Anchor = meta.anchor
  return { message: msg, proof: proof.proof }
}

async function proveTransaction(
  gateway: GatewayClient,
  meta: GqlTransaction,
  bytes: Uint8Array,
  where: string,
  nonce: number,
  signal?: AbortSignal,
): Promise<{ proof: HydrationProof; data?: Uint8Array }> {
  const item = await itemBytesVerify(meta, bytes)
  if (item.ok) return { proof: { kind: 'ans104' } }
  const fail = (reason: string) => new ProtocolError('log/message-signature', `${where}: hydrated ${reason}`, { nonce, messageId: meta.id })
  // L1 transactions are signed by Arweave (RSA) wallets only.
  if (fromB64Url(meta.owner.key).length !== 512) throw fail(item.reason)
  const reasons = [`as an ANS-104 item: ${item.reason}`]

  const fields = await gateway.l1Fields(meta.id, signal).catch((e: unknown) => {
    reasons.push(`as an L1 transaction from GraphQL: the gateway gave no L1 fields (${(e as Error).message})`)
    return undefined
  })
  if (fields) {
    const tx: L1Transaction = {
      format: 2,
      id: meta.id,
      owner: fromB64Url(meta.owner.key),
      target: meta.recipient ? fromB64Url(meta.recipient) : new Uint8Array(0),
      quantity: fields.quantity,
      reward: fields.fee,
      lastTx: fromB64Url(meta.anchor),
      tags: meta.tags.map((t) => ({ name: new TextEncoder().encode(t.name), value: new TextEncoder().encode(t.value) })),
      data: bytes,
      dataSize: fields.dataSize,
      signature: fromB64Url(meta.signature),
    }
    const v = await verifyL1Transaction(tx)
    if (v.ok) return { proof: { kind: 'l1', format: 2, source: 'graphql' } }
    reasons.push(`as an L1 transaction from GraphQL fields: ${v.reason}`)
  }

  const node = await gateway.nodeTransaction(meta.id, signal).catch((e: unknown) => {
    reasons.push(`GET /tx/${meta.id} failed: ${(e as Error).message}`)
    return undefined
  })
  if (node) {
    const tx = l1FromNodeJson(node, bytes)
    const v = await verifyL1Transaction(tx)
    if (!v.ok) throw fail(`${v.reason} (node API /tx/${meta.id})`)
    // The message is built from GraphQL's fields: they must be the ones the signature covers.
    const mismatch = graphqlMismatch(meta, tx)
    if (mismatch) throw fail(`L1 transaction: GraphQL's ${mismatch} differs from the signed transaction (/tx/${meta.id})`)
    return { proof: { kind: 'l1', format: tx.format, source: 'node-api' }, ...(tx.format === 1 && { data: tx.data }) }
  }
  throw fail(`verifies neither ${reasons.join('; ')}`)
}

function graphqlMismatch(meta: GqlTransaction, tx: L1Transaction): string | undefined {
  if (toB64Url(tx.owner) !== meta.owner.key) return 'owner'
  if (toB64Url(tx.target) !== (meta.recipient || '')) return 'recipient'
  if (toB64Url(tx.lastTx) !== meta.anchor) return 'anchor (last_tx)'
  const dec = new TextDecoder()
  const signed = tx.tags.map((t) => [dec.decode(t.name), dec.decode(t.value)])
  if (JSON.stringify(signed) !== JSON.stringify(meta.tags.map((t) => [t.name, t.value]))) return 'tags'
  return undefined
}
