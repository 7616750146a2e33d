/**
 * Assignments of existing transactions (SU edges without a message body) are hydrated from the
 * gateway like the reference CU's hydrateMessages.js: Id from the Message tag, metadata from
 * GraphQL, data from `/raw` as text, Target = recipient or '', `Exclude`d fields left out. The
 * item's signature is checked over the downloaded bytes before it is evaluated.
 */
import type { GatewayClient } from '../protocol/gateway-client'
import { mapForwardedBy, mapFrom, removeInvalidTags, type MappedMessage, type ScheduledMessage } from '../protocol/message-mapping'
import { ProtocolError } from '../protocol/errors'
import { itemBytesVerify } from './module-verify'
import { addressOfKey } from './process-loader'

export async function hydrateAssignment(gateway: GatewayClient, s: ScheduledMessage, signal?: AbortSignal): Promise<MappedMessage> {
  const id = s.message.Id
  const where = `assignment ${s.assignmentId} (nonce ${s.ordinate}) of transaction ${id}`
  const meta = await gateway.transaction(id, signal)
  if (!meta) throw new ProtocolError('log/bad-shape', `${where}: the gateway has no such transaction to hydrate`, { nonce: s.ordinate, messageId: id })
  const bytes = await gateway.getRaw(id, signal)
  const v = await itemBytesVerify(meta, bytes)
  if (!v.ok) throw new ProtocolError('log/message-signature', `${where}: hydrated ${v.reason}`, { nonce: s.ordinate, messageId: id })
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
  const fwd = mapForwardedBy(meta.tags, owner)
  if (fwd) msg['Forwarded-By'] = fwd
  if (!skip.has('Data')) msg.Data = new TextDecoder().decode(bytes)
  if (!skip.has('Signature')) msg.Signature = meta.signature
  if (!skip.has('Anchor') && meta.anchor) msg.Anchor = meta.anchor
  return msg
}
