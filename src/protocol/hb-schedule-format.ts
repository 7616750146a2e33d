/**
 * Recognises a HyperBEAM (mainnet, `Variant: ao.N.1`) scheduler answer in the legacy SU JSON
 * shape, so the SU client fails with a clear "not supported yet" instead of a field error.
 *
 * HyperBEAM serves `GET /~scheduler@1.0/schedule?target=P` with `accept: application/aos-2` as
 * `{page_info:{process, has_next_page, timestamp, block-height, block-hash}, edges:[{cursor:
 * <slot number>, node:{message, assignment}}]}` (HB src/dev_scheduler_formats.erl
 * assignments_to_aos2), where message and assignment are built by dev_json_iface
 * message_to_json_struct: capitalised keys `Id, Anchor, Owner` (an address), `From, Tags,
 * Target, Data` (null when not printable), `Signature, PublicKey`. Its assignments are
 * httpsig-committed, not ANS-104 items, and chained as SHA-256(prevHashChain ‖ msgId)
 * (hash-chain.ts nextHyperbeamHashChain): nothing the legacynet log checks can verify.
 */
import { ProtocolError } from './errors'

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Why `page` (a schedule page's raw JSON) is a HyperBEAM aos-2 answer, or undefined. */
export function hyperbeamPageReason(page: unknown): string | undefined {
  if (!isObj(page)) return undefined
  const info = page.page_info
  if (isObj(info) && (typeof info.process === 'string' || 'block-hash' in info)) {
    return 'its page_info carries process/block-hash (the aos-2 schedule format)'
  }
  const edges = Array.isArray(page.edges) ? page.edges : []
  for (const [i, e] of edges.entries()) {
    if (!isObj(e) || !isObj(e.node)) continue
    const r = hyperbeamNodeReason(e.node)
    if (r) return `edges[${i}]: ${r}`
  }
  return undefined
}

/** Why one `{message, assignment}` node is in HyperBEAM's shape, or undefined. */
export function hyperbeamNodeReason(node: Record<string, unknown>): string | undefined {
  for (const part of ['assignment', 'message'] as const) {
    const m = node[part]
    if (!isObj(m)) continue
    if ('Id' in m && !('id' in m)) return `the ${part} has dev_json_iface keys (Id, Owner as an address), not an SU item`
    if (variantOf(m.tags ?? m.Tags) === HYPERBEAM_VARIANT) return `the ${part} is tagged Variant ao.N.1 (mainnet)`
  }
  return undefined
}

/** The `Variant` of HyperBEAM (mainnet) processes and messages. */
export const HYPERBEAM_VARIANT = 'ao.N.1'

function variantOf(tags: unknown): string | undefined {
  if (!Array.isArray(tags)) return undefined
  for (const t of tags) if (isObj(t) && typeof t.name === 'string' && t.name.toLowerCase() === 'variant' && typeof t.value === 'string') return t.value
  return undefined
}

export function hyperbeamUnsupported(reason: string, where: string): ProtocolError {
  return new ProtocolError(
    'su/hyperbeam-unsupported',
    `HyperBEAM scheduler: not supported yet: ${where} ${reason}. Its assignments are httpsig-committed and hash-chained as SHA-256(prevHashChain ‖ msgId); this light node verifies legacynet (ao.TN.1) schedules only`,
    { hyperbeam: true, reason },
  )
}
