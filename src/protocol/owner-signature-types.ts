/**
 * Which ANS-104 signature types an item may have when all we hold is its owner (SU JSON and
 * gateway GraphQL carry the owner key but not the type). Lengths from signature-types.ts
 * (arbundles SIG_CONFIG). A 32-byte key is ambiguous: ed25519 (2), Solana (4) and InjectedAptos (5)
 * all use one, and each signs different bytes, so a verifier tries them in this order.
 * One table for every "guess the type from the owner" site (log checks, module and hydration checks).
 */
import { SignatureType } from './signature-types'

const BY_OWNER_LENGTH: ReadonlyMap<number, readonly SignatureType[]> = new Map([
  [512, [SignatureType.Arweave]],
  [32, [SignatureType.Ed25519, SignatureType.Solana, SignatureType.InjectedAptos]],
  [65, [SignatureType.Ethereum]],
  // The owner is the 42-character `0x…` address text (EIP-712 typed-data signer).
  [42, [SignatureType.TypedEthereum]],
  // 32 ed25519 keys and a threshold byte.
  [1025, [SignatureType.MultiAptos]],
])

/** The candidate signature types for an owner of `length` bytes; empty when no type has it. */
export function signatureTypesForOwnerLength(length: number): readonly SignatureType[] {
  return BY_OWNER_LENGTH.get(length) ?? []
}
