/**
 * The legacynet SU hash chain (ao servers/su core/scheduler.rs gen_hash_chain), SU side:
 * seed = b64url(SHA-256(raw(processId))), next = b64url(SHA-256(raw(prevAssignmentId) ‖ raw(prevHashChain))).
 */
import { createHash } from 'node:crypto'
import { fromB64Url, toB64Url } from '../../src/protocol/base64url'

export function hashChainSeed(processId: string): string {
  return toB64Url(createHash('sha256').update(fromB64Url(processId)).digest())
}

export function nextHashChain(prevAssignmentId: string, prevHashChain: string): string {
  return toB64Url(createHash('sha256').update(fromB64Url(prevAssignmentId)).update(fromB64Url(prevHashChain)).digest())
}
