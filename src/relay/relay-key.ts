/**
 * The tab's relay key: signs outbox pushes (the reference MU signs them with its wallet). aos only
 * trusts pushes whose signer is in the target's `Authority` tags, so the key must be stable across
 * reloads: it is a *non-extractable* WebCrypto Ed25519 key pair, stored as CryptoKey objects in
 * IndexedDB (structured clone keeps them non-extractable: the secret never exists as bytes in
 * storage or in JS). Where WebCrypto has no Ed25519, a key lives in memory for this session only.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import type { Signer } from '../protocol/signing'
import { Ed25519Signer } from '../protocol/signing'
import { SignatureType } from '../protocol/signature-types'
import type { KeyValueStore } from './keyfile-vault'
import { KeySigner } from './signer'

export const RELAY_KEY = 'relay.push-key'

interface StoredKey {
  privateKey: CryptoKey
  publicKey: Uint8Array
}

class WebCryptoEd25519Signer implements Signer {
  readonly signatureType = SignatureType.Ed25519
  constructor(
    private readonly privateKey: CryptoKey,
    readonly publicKey: Uint8Array,
  ) {}
  async sign(message: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await globalThis.crypto.subtle.sign('Ed25519', this.privateKey, message as Uint8Array<ArrayBuffer>))
  }
}

/** Loads the stored relay key or makes one; `persistent` says whether it survives a reload. */
export async function loadOrCreateRelayKey(store: KeyValueStore): Promise<{ signer: KeySigner; persistent: boolean }> {
  const stored = await store.get<StoredKey>(RELAY_KEY).catch(() => undefined)
  if (stored?.privateKey && stored.publicKey instanceof Uint8Array) {
    return { signer: new KeySigner('relay', new WebCryptoEd25519Signer(stored.privateKey, stored.publicKey)), persistent: true }
  }
  try {
    const pair = (await globalThis.crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify'])) as CryptoKeyPair
    const publicKey = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey))
    await store.set(RELAY_KEY, { privateKey: pair.privateKey, publicKey } satisfies StoredKey)
    return { signer: new KeySigner('relay', new WebCryptoEd25519Signer(pair.privateKey, publicKey)), persistent: true }
  } catch {
    return { signer: new KeySigner('relay', new Ed25519Signer(ed25519.utils.randomSecretKey())), persistent: false }
  }
}
