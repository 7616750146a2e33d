/**
 * Typed errors of the relay (signing, building, sending, cranking). The codes are finer than the
 * UI contract's `NodeErrorCode`s; `src/node/relay-client.ts` maps them across the Worker boundary.
 */
export type RelayErrorCode =
  /** no `window.arweaveWallet` in this page */
  | 'wallet/not-found'
  /** no signer selected, or the wallet revoked our permissions */
  | 'wallet/not-connected'
  /** the person declined (connect or signature) */
  | 'wallet/rejected'
  /** the wallet is locked and did not sign */
  | 'wallet/locked'
  /** the wallet's active account is not the one connected */
  | 'wallet/switched'
  /** the wallet returned bytes that are not the item we asked for, or whose signature fails */
  | 'wallet/bad-item'
  | 'wallet/bad-keyfile'
  | 'vault/empty'
  | 'vault/wrong-passphrase'
  | 'vault/weak-passphrase'
  | 'vault/corrupt'
  /** an item breaks a tag or size limit; nothing was signed */
  | 'item/invalid'
  /** the MU/SU refused the item (4xx other than a duplicate) */
  | 'send/refused'
  /** the person cancelled the item before the MU/SU acknowledged it */
  | 'send/cancelled'
  /** cancel/discard asked for an item that is already acknowledged, assigned, or not refused */
  | 'send/not-cancellable'
  /** the queue has no such item */
  | 'send/unknown-item'
  | 'crank/bad-outbox'

export class RelayError extends Error {
  override readonly name = 'RelayError'
  constructor(
    readonly code: RelayErrorCode,
    message: string,
    readonly details: Record<string, string | number | boolean | null> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isRelayError(e: unknown, code?: RelayErrorCode): e is RelayError {
  return e instanceof RelayError && (code === undefined || e.code === code)
}

/** A short text for an unknown thrown value (wallet extensions throw strings too). */
export function reasonOf(e: unknown): string {
  if (e instanceof Error) return e.message
  if (typeof e === 'string') return e
  try {
    return JSON.stringify(e)
  } catch {
    return String(e)
  }
}
