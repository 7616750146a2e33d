/**
 * Owner key → wallet address, the value ao puts in `Owner` / `From`.
 * The reference CU's rule: a 65-byte (uncompressed secp256k1) key is an Ethereum address,
 * keccak256(key without its 0x04 prefix)[-20:], EIP-55 checksummed; any other key's address is
 * base64url(SHA-256(key)).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { toB64Url } from './base64url'
import { ProtocolError } from './errors'
import { toHex, utf8Encode } from './bytes'
import { SignatureType } from './signature-types'

export function ownerToAddress(signatureType: number, owner: Uint8Array): string {
  if (signatureType === SignatureType.Ethereum) return ethereumAddress(owner)
  return toB64Url(sha256(owner))
}

/** `0x…` EIP-55 address of an uncompressed secp256k1 public key (65 bytes, 0x04 prefix). */
export function ethereumAddress(publicKey: Uint8Array): string {
  if (publicKey.length !== 65 || publicKey[0] !== 4) {
    throw new ProtocolError('item/bad-key', `Ethereum owner must be a 65-byte uncompressed key (0x04…), got ${publicKey.length} bytes`)
  }
  return toChecksumAddress(toHex(keccak_256(publicKey.subarray(1)).subarray(12)))
}

/** EIP-55: uppercase the hex letters whose nibble in keccak256(lowercase hex) is ≥ 8. */
export function toChecksumAddress(hex40: string): string {
  const lower = hex40.toLowerCase().replace(/^0x/, '')
  const hash = toHex(keccak_256(utf8Encode(lower)))
  let out = '0x'
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i]!
    out += Number.parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c
  }
  return out
}
