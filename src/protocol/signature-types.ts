/**
 * ANS-104 signature types: the u16 at the start of an item fixes the signature and owner lengths.
 * Lengths from arbundles `src/constants.ts` (SIG_CONFIG), which the SU and CU follow.
 */
import { ProtocolError } from './errors'

export const SignatureType = {
  Arweave: 1,
  Ed25519: 2,
  Ethereum: 3,
  Solana: 4,
  InjectedAptos: 5,
  MultiAptos: 6,
  TypedEthereum: 7,
} as const
export type SignatureType = (typeof SignatureType)[keyof typeof SignatureType]

export interface SignatureTypeInfo {
  type: SignatureType
  name: string
  signatureLength: number
  ownerLength: number
}

const TABLE: Readonly<Record<SignatureType, SignatureTypeInfo>> = {
  1: { type: 1, name: 'arweave', signatureLength: 512, ownerLength: 512 },
  2: { type: 2, name: 'ed25519', signatureLength: 64, ownerLength: 32 },
  3: { type: 3, name: 'ethereum', signatureLength: 65, ownerLength: 65 },
  4: { type: 4, name: 'solana', signatureLength: 64, ownerLength: 32 },
  5: { type: 5, name: 'injectedAptos', signatureLength: 64, ownerLength: 32 },
  // Up to 32 ed25519 signatures + a 4-byte bitmap; 32 keys + a threshold byte.
  6: { type: 6, name: 'multiAptos', signatureLength: 64 * 32 + 4, ownerLength: 32 * 32 + 1 },
  // The owner is the 42-character `0x…` address text, not a key (EIP-712 typed-data signer).
  7: { type: 7, name: 'typedEthereum', signatureLength: 65, ownerLength: 42 },
}

export function isSignatureType(n: number): n is SignatureType {
  return Number.isInteger(n) && n >= 1 && n <= 7
}

/** Throws `item/unknown-signature-type` for anything outside 1..7. */
export function signatureTypeInfo(type: number): SignatureTypeInfo {
  if (!isSignatureType(type)) {
    throw new ProtocolError('item/unknown-signature-type', `unknown ANS-104 signature type ${type}`, { signatureType: type })
  }
  return TABLE[type]
}

/**
 * The signature type to verify an SU-JSON item with, which carries the owner key but not the type.
 * A 32-byte owner is ambiguous (ed25519 / Solana / Aptos); ed25519 (2) is returned, the type that
 * ao wallets other than Arweave use. Throws `item/bad-key` for a length no type has.
 */
export function signatureTypeForOwnerLength(length: number): SignatureType {
  switch (length) {
    case 512:
      return 1
    case 32:
      return 2
    case 65:
      return 3
    case 42:
      return 7
    case 1025:
      return 6
    default:
      throw new ProtocolError('item/bad-key', `no ANS-104 signature type has a ${length}-byte owner`, { ownerLength: length })
  }
}
