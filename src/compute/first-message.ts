/**
 * The process as its own first message (ao-protocol.md §2 "First message"). Post-aop6 processes
 * have it as SU edge 0 (nonce 0) and it is evaluated like any edge. Older ones have no process
 * assignment: the reference CU then evaluates a synthetic message built from the process record
 * on a cold start (Data = the process data as text, Timestamp/Block-Height from the record, no
 * Nonce) and saves no result for it.
 */
import { mapForwardedBy, mapFrom, removeInvalidTags, type MappedMessage } from '../protocol/message-mapping'
import type { SuEdge } from '../protocol/su-types'
import { tagValue } from '../protocol/wire-types'
import type { LoadedProcess } from './process-loader'

/** True when the log does not start with the process's own assignment (an old process). */
export function needsSyntheticFirstMessage(processId: string, edge0: SuEdge | undefined): boolean {
  if (!edge0) return false // nothing scheduled yet: decide when edge 0 arrives
  const m = edge0.node.message
  const isProcess = m !== null && m.id === processId && tagValue(m.tags, 'Type') === 'Process'
  return !isProcess
}

export function syntheticFirstMessage(p: Pick<LoadedProcess, 'id' | 'record' | 'ownerAddress'>, data: string): MappedMessage {
  const r = p.record
  const msg: MappedMessage = {
    Id: p.id,
    Data: data,
    Owner: p.ownerAddress,
    Target: p.id,
    From: mapFrom(r.tags, p.ownerAddress),
    Tags: removeInvalidTags(r.tags),
    Timestamp: r.timestamp,
    'Block-Height': Number(r.block),
    Cron: false,
    'Read-Only': false,
  }
  if (r.signature !== undefined) msg.Signature = r.signature
  if (r.anchor !== undefined) msg.Anchor = r.anchor
  const fwd = mapForwardedBy(r.tags, p.ownerAddress)
  if (fwd) msg['Forwarded-By'] = fwd
  return msg
}
