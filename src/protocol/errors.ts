/**
 * Typed errors for everything in src/protocol. Every failure a caller can meet carries a
 * closed `code` so the UI and workers can branch on it, and a message that says what and where.
 */
export type ProtocolErrorCode =
  // ANS-104 decoding / encoding
  | 'item/truncated'
  | 'item/unknown-signature-type'
  | 'item/bad-presence-byte'
  | 'item/tag-limit'
  | 'item/tag-encoding'
  | 'item/too-large'
  | 'item/unsupported-signature-type'
  | 'item/bad-signature'
  | 'item/bad-key'
  | 'item/bad-field'
  | 'crypto/unavailable'
  // HTTP clients
  | 'http/status'
  | 'http/timeout'
  | 'http/network'
  | 'http/aborted'
  | 'http/bad-json'
  | 'http/bad-shape'
  | 'http/truncated'
  | 'http/not-found'
  | 'http/graphql'
  // unit clients
  | 'su/bad-page'
  | 'cu/busy'
  // scheduler log checks
  | 'log/nonce-gap'
  | 'log/duplicate'
  | 'log/hash-chain'
  | 'log/assignment-signature'
  | 'log/message-signature'
  | 'log/wrong-scheduler'
  | 'log/assignment-mismatch'
  | 'log/bad-shape'
  | 'log/out-of-order'
  | 'log/item-id'
  | 'log/unverifiable-data'
  /** a pre-aop6 edge: its assignment is the SU's bundle item, whose data the JSON omits */
  | 'log/unverifiable-assignment'
  /** a HyperBEAM (ao.N.1) scheduler: httpsig-committed assignments, not verifiable here yet */
  | 'su/hyperbeam-unsupported'
  // locating units
  | 'locate/no-scheduler'
  | 'locate/no-location'

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isProtocolError(e: unknown, code?: ProtocolErrorCode): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code)
}
