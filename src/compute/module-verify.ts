/**
 * Checks downloaded module bytes against the module's signed data item. The gateway's GraphQL
 * gives the item's owner key, signature, tags, target and anchor; the bytes come from `/raw`.
 * Rebuilding the ANS-104 signature data (deep hash) from those fields plus the downloaded bytes
 * and verifying it with the owner key proves the bytes are what the owner signed, whoever served
 * them. A mismatch is `module/tampered` naming the module id.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { verifyDataItem, type SignedFields } from '../protocol/ans104'
import { fromB64Url, toB64Url } from '../protocol/base64url'
import type { GqlTransaction } from '../protocol/gateway-client'
import { signatureTypesForOwnerLength } from '../protocol/owner-signature-types'
import { ComputeError } from './compute-errors'

/** Signature types an owner of this length can belong to (protocol/owner-signature-types.ts). */
export function signatureTypesForOwner(ownerLength: number): readonly number[] {
  return signatureTypesForOwnerLength(ownerLength)
}

/**
 * Anchor bytes the gateway's anchor text may stand for: base64url of the raw 32 bytes (arweave.net,
 * the devnet) or the anchor's own UTF-8 (ao anchors are 32-character strings).
 */
export function anchorCandidates(anchor: string): (Uint8Array | undefined)[] {
  if (anchor === '') return [undefined]
  const out: Uint8Array[] = []
  try {
    const raw = fromB64Url(anchor)
    if (raw.length === 32) out.push(raw)
  } catch { /* not base64url */ }
  const utf8 = new TextEncoder().encode(anchor)
  if (utf8.length === 32) out.push(utf8)
  return out.length > 0 ? out : [utf8]
}

/**
 * Whether `bytes` are the data of the signed item described by gateway metadata `meta`
 * (id = SHA-256(signature), signature over the rebuilt deep hash with the owner key).
 */
export async function itemBytesVerify(meta: GqlTransaction, bytes: Uint8Array): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!meta.signature) return { ok: false, reason: 'the gateway returned no signature for it' }
  const signature = fromB64Url(meta.signature)
  const id = toB64Url(sha256(signature))
  if (id !== meta.id) return { ok: false, reason: `the gateway's signature hashes to id ${id}, not ${meta.id}` }
  const owner = fromB64Url(meta.owner.key)
  const types = signatureTypesForOwner(owner.length)
  if (types.length === 0) return { ok: false, reason: `owner key of ${owner.length} bytes fits no signature type` }
  const target = meta.recipient ? fromB64Url(meta.recipient) : undefined
  for (const signatureType of types) {
    for (const anchor of anchorCandidates(meta.anchor)) {
      const fields: SignedFields = { signatureType, signature, owner, tags: meta.tags, data: bytes }
      if (target) fields.target = target
      if (anchor) fields.anchor = anchor
      let ok = false
      try {
        ok = await verifyDataItem(fields)
      } catch {
        ok = false // lengths that fit no type: not this type
      }
      if (ok) return { ok: true }
    }
  }
  return { ok: false, reason: `the ${bytes.length} downloaded bytes do not verify against the signed data item (owner ${meta.owner.address})` }
}

export async function verifyModuleBytes(meta: GqlTransaction, bytes: Uint8Array): Promise<void> {
  if (!meta.signature) throw new ComputeError('module/not-found', `module ${meta.id}: the gateway returned no signature for it, so its bytes cannot be checked`, { moduleId: meta.id })
  const v = await itemBytesVerify(meta, bytes)
  if (!v.ok) throw new ComputeError('module/tampered', `module ${meta.id}: ${v.reason}; refusing to run it`, { moduleId: meta.id, bytes: bytes.length })
}
