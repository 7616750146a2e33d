/**
 * An Arweave keyfile stored *only* encrypted: PBKDF2-SHA-256 (600 000 iterations, OWASP 2023) turns
 * the passphrase into an AES-256-GCM key; a fresh salt and IV per save. The address is stored in
 * clear (to show whose key it is before unlocking) and bound as GCM additional data, so swapping
 * it makes decryption fail. The plaintext JWK never reaches storage, logs or errors.
 * Storage is any small key/value store (`SettingsStore` in the app).
 */
import { fromB64Url, toB64Url } from '../protocol/base64url'
import { utf8Decode, utf8Encode } from '../protocol/bytes'
import type { ArweaveJwk } from '../protocol/signing'
import { RelayError } from './errors'
import { KeyfileSigner, checkJwk } from './signer'

export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<void>
}

export interface VaultRecord {
  version: 1
  kdf: 'PBKDF2-SHA-256'
  iterations: number
  salt: string
  iv: string
  /** AES-256-GCM of the JWK's JSON, base64url */
  ciphertext: string
  address: string
}

export const VAULT_KEY = 'relay.keyfile-vault'
export const DEFAULT_ITERATIONS = 600_000
export const MIN_PASSPHRASE_CHARS = 8

const subtle = (): SubtleCrypto => globalThis.crypto.subtle
const ab = (b: Uint8Array): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>

export class KeyfileVault {
  constructor(
    private readonly store: KeyValueStore,
    private readonly iterations = DEFAULT_ITERATIONS,
  ) {}

  /** Encrypts and stores the keyfile; returns the address it belongs to. */
  async save(jwk: ArweaveJwk, passphrase: string): Promise<string> {
    if (passphrase.length < MIN_PASSPHRASE_CHARS) {
      throw new RelayError('vault/weak-passphrase', `The passphrase must have at least ${MIN_PASSPHRASE_CHARS} characters.`)
    }
    const address = new KeyfileSigner(checkJwk(jwk)).address
    const salt = globalThis.crypto.getRandomValues(new Uint8Array(16))
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
    const key = await deriveKey(passphrase, salt, this.iterations)
    const plain = utf8Encode(JSON.stringify(jwk))
    const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad(address) }, key, ab(plain)))
    plain.fill(0)
    const rec: VaultRecord = { version: 1, kdf: 'PBKDF2-SHA-256', iterations: this.iterations, salt: toB64Url(salt), iv: toB64Url(iv), ciphertext: toB64Url(ciphertext), address }
    await this.store.set(VAULT_KEY, rec)
    return address
  }

  /** The stored key's address, or null when nothing is stored. */
  async storedAddress(): Promise<string | null> {
    return (await this.record())?.address ?? null
  }

  /** Decrypts the stored keyfile into a signer held in memory. */
  async unlock(passphrase: string): Promise<KeyfileSigner> {
    const rec = await this.record()
    if (!rec) throw new RelayError('vault/empty', 'No encrypted keyfile is stored in this browser.')
    let plain: Uint8Array
    try {
      const key = await deriveKey(passphrase, fromB64Url(rec.salt), rec.iterations)
      plain = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: ab(fromB64Url(rec.iv)), additionalData: aad(rec.address) }, key, ab(fromB64Url(rec.ciphertext))))
    } catch (e) {
      // GCM cannot tell a wrong passphrase from altered bytes; both mean "this passphrase does not open it".
      throw new RelayError('vault/wrong-passphrase', `The passphrase does not unlock the stored keyfile of ${rec.address}.`, { address: rec.address }, { cause: e })
    }
    let signer: KeyfileSigner
    try {
      signer = new KeyfileSigner(checkJwk(JSON.parse(utf8Decode(plain))))
    } finally {
      plain.fill(0)
    }
    if (signer.address !== rec.address) {
      throw new RelayError('vault/corrupt', `The stored keyfile decrypts to ${signer.address}, but is labelled ${rec.address}.`, { address: rec.address })
    }
    return signer
  }

  forget(): Promise<void> {
    return this.store.delete(VAULT_KEY)
  }

  private async record(): Promise<VaultRecord | undefined> {
    const rec = await this.store.get<VaultRecord>(VAULT_KEY)
    if (rec === undefined) return undefined
    if (rec?.version !== 1 || rec.kdf !== 'PBKDF2-SHA-256' || typeof rec.ciphertext !== 'string' || !Number.isSafeInteger(rec.iterations)) {
      throw new RelayError('vault/corrupt', `The stored keyfile record "${VAULT_KEY}" has an unknown shape; forget it and import the keyfile again.`)
    }
    return rec
  }
}

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', ab(utf8Encode(passphrase.normalize('NFC'))), 'PBKDF2', false, ['deriveKey'])
  return subtle().deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: ab(salt), iterations }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

function aad(address: string): Uint8Array<ArrayBuffer> {
  return ab(utf8Encode(`aolight keyfile v1 ${address}`))
}
