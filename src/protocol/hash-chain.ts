/**
 * Scheduler hash chains (ao-protocol.md §1 and §7).
 *
 * Legacynet SU (`servers/su/src/domain/core/scheduler.rs` gen_hash_chain, checked by the CU in
 * `effects/worker/hashChain/main.js`): each assignment's `Hash-Chain` tag is
 *   HC_n = b64url(SHA-256(raw(prevAssignmentId) ‖ raw(prevHashChain)))
 * over the 32-byte base64url-decoded values, assignment id first; the process's own assignment
 * (nonce 0) carries the seed b64url(SHA-256(raw(processId))).
 *
 * HyperBEAM (`dev_scheduler_server.erl`): SHA-256(prevHashChain ‖ raw(msgId)), a different order
 * and a different input; kept apart so the two cannot be mixed up.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { fromB64Url, toB64Url } from './base64url'

export function hashChainSeed(processId: string): string {
  return toB64Url(sha256(fromB64Url(processId)))
}

export function nextHashChain(prevAssignmentId: string, prevHashChain: string): string {
  return toB64Url(sha256(concat(fromB64Url(prevAssignmentId), fromB64Url(prevHashChain))))
}

/** HyperBEAM's scheduler chain: SHA-256(prevHashChain ‖ raw msgId). */
export function nextHyperbeamHashChain(prevHashChain: string, messageId: string): string {
  return toB64Url(sha256(concat(fromB64Url(prevHashChain), fromB64Url(messageId))))
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
