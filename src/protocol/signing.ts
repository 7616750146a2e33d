/**
 * Signature schemes of ANS-104 items: one `Signer` interface for creating items, and
 * `verifySignature` for checking them, per signature type.
 *
 * - 1 Arweave: RSA-PSS / SHA-256 over the deep hash, e = 65537, n = owner. Accepts salt 32
 *   (arweave-js WebCrypto, wallets), max (Node's default: arbundles in Node) and 0, like arweave-js's
 *   WebCrypto driver. WebCrypto only, so it runs in Workers.
 * - 2 ed25519 over the deep hash. 4 Solana: ed25519 over the *hex text* of the deep hash
 *   (arbundles HexInjectedSolanaSigner, the type-4 signer).
 * - 3 Ethereum: secp256k1 over keccak256(EIP-191 "\x19Ethereum Signed Message:\n48" ‖ deep hash),
 *   signature r‖s‖v, owner the 65-byte uncompressed key (arbundles EthereumSigner; v is not checked
 *   there either).
 * - 5 InjectedAptos: ed25519 over the text "APTOS\nmessage: <hex>\nnonce: bundlr".
 * - 6 MultiAptos: up to 32 ed25519 signatures over the deep hash, selected by a 4-byte bitmap;
 *   every selected one must verify and (stricter than arbundles, which ignores it) at least
 *   max(1, threshold) must be present, the threshold being the owner's last byte.
 * - 7 TypedEthereum: EIP-712 typed data {domain Bundlr/1, Bundlr(bytes Transaction hash, address
 *   address)}; the recovered signer's address must equal the owner (the `0x…` address text).
 *
 * Imported CryptoKeys are cached per owner (LRU): one SU key signs every assignment of a log.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { ProtocolError } from './errors'
import { fromB64Url, toB64Url } from './base64url'
import { concatBytes, fromHex, toHex, utf8Encode } from './bytes'
import { SignatureType, signatureTypeInfo } from './signature-types'
import { OwnerMemo } from './owner-memo'

export interface Signer {
  signatureType: number
  publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
}

/** WebCrypto is only exposed in secure contexts (https, localhost): say so instead of a TypeError. */
function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new ProtocolError('crypto/unavailable', 'WebCrypto (crypto.subtle) is unavailable: the page must be a secure context (https or localhost)')
  return s
}
// WebCrypto wants ArrayBuffer-backed views; ours always are, the cast only satisfies TS 5.9's lib types.
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => b as Uint8Array<ArrayBuffer>

/** The signature types `verifySignature` can check. */
export function canVerify(type: number): boolean {
  return Number.isInteger(type) && type >= 1 && type <= 7
}

/**
 * Checks `signature` over `message` (the deep hash) for `owner`. Returns false when the signature
 * does not verify (including keys that cannot be a key); throws `item/unsupported-signature-type`
 * for types 5-7 and `item/unknown-signature-type` outside 1-7.
 */
export async function verifySignature(type: number, owner: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  switch (type) {
    case SignatureType.Arweave:
      return verifyRsaPss(owner, message, signature)
    case SignatureType.Ed25519:
      return verifyEd25519(owner, message, signature)
    case SignatureType.Ethereum:
      return verifyEthereum(owner, message, signature)
    case SignatureType.Solana:
      return verifyEd25519(owner, utf8Encode(toHex(message)), signature)
    case SignatureType.InjectedAptos:
      return verifyEd25519(owner, utf8Encode(`APTOS\nmessage: ${toHex(message)}\nnonce: bundlr`), signature)
    case SignatureType.MultiAptos:
      return verifyMultiAptos(owner, message, signature)
    case SignatureType.TypedEthereum:
      return verifyTypedEthereum(owner, message, signature)
    default: {
      // Unreachable for 1-7; a future type gets a typed error, never a silent false.
      const info = signatureTypeInfo(type)
      throw new ProtocolError('item/unsupported-signature-type', `cannot verify signature type ${type} (${info.name})`, { signatureType: type })
    }
  }
}

// ---------------------------------------------------------------- key cache

const KEY_CACHE_LIMIT = 256

interface CachedKey {
  key: Promise<CryptoKey | null>
  /** RSA: the salt length that last verified with this key, tried first next time. */
  salt?: number
  /**
   * RSA: the first verification with this key while its salt is unknown. Verifications started
   * meanwhile (a page checks hundreds at once) wait for it, then try the salt it found first,
   * instead of each paying for the wrong salts too (a wrong salt costs a full RSA verify).
   */
  probe?: Promise<boolean>
}

const keyCache = new Map<string, CachedKey>()

function cachedKey(cacheKey: string, load: () => Promise<CryptoKey | null>): CachedKey {
  const hit = keyCache.get(cacheKey)
  if (hit) {
    // Map iteration order is insertion order: re-insert to mark as most recently used.
    keyCache.delete(cacheKey)
    keyCache.set(cacheKey, hit)
    return hit
  }
  const entry: CachedKey = { key: load() }
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!)
  keyCache.set(cacheKey, entry)
  return entry
}

/** Test hook: how many keys are cached. */
export function cachedKeyCount(): number {
  return keyCache.size
}

// ---------------------------------------------------------------- type 1: RSA-PSS

// The same owner array (the log checker reuses one per owner) finds its entry without base64url-encoding 512 bytes.
const rsaEntries = new OwnerMemo<CachedKey>()

async function verifyRsaPss(owner: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const entry = rsaEntries.get(owner, () =>
    cachedKey('1:' + toB64Url(owner), () =>
      subtle()
        .importKey('jwk', { kty: 'RSA', n: toB64Url(owner), e: 'AQAB' }, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify'])
        .catch(() => null),
    ),
  )
  const key = await entry.key
  if (!key) return false
  while (entry.salt === undefined && entry.probe) await entry.probe.catch(() => false)
  if (entry.salt !== undefined) return verifyRsaSalts(entry, key, message, signature)
  const probe = verifyRsaSalts(entry, key, message, signature)
  entry.probe = probe
  // A probe that found no salt (a bad signature) hands over to the next verification.
  const handOver = () => {
    if (entry.probe === probe) delete entry.probe
  }
  probe.then(handOver, handOver)
  return probe
}

async function verifyRsaSalts(entry: CachedKey, key: CryptoKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength
  const maxSalt = Math.ceil((bits - 1) / 8) - 32 - 2
  // A key keeps signing with one salt length: try the one that worked last first.
  for (const saltLength of new Set([entry.salt ?? 32, 32, maxSalt, 0])) {
    if (await subtle().verify({ name: 'RSA-PSS', saltLength }, key, buf(signature), buf(message))) {
      entry.salt = saltLength
      return true
    }
  }
  return false
}

// ---------------------------------------------------------------- ed25519

/** WebCrypto Ed25519 (native, Chrome 137+, Node 20+) when present, else @noble/curves. */
let webcryptoEd25519: Promise<boolean> | undefined

/** Test hook: force the @noble/curves path (what browsers without WebCrypto Ed25519 run), or undo it. */
export function forceNobleEd25519(force: boolean): void {
  webcryptoEd25519 = force ? Promise.resolve(false) : undefined
}

function hasWebCryptoEd25519(): Promise<boolean> {
  webcryptoEd25519 ??= (async () => {
    try {
      const secret = new Uint8Array(32).fill(7)
      const pub = ed25519.getPublicKey(secret)
      const msg = utf8Encode('probe')
      const key = await subtle().importKey('raw', buf(pub), { name: 'Ed25519' }, false, ['verify'])
      return await subtle().verify({ name: 'Ed25519' }, key, buf(ed25519.sign(msg, secret)), buf(msg))
    } catch {
      return false
    }
  })()
  return webcryptoEd25519
}

async function verifyEd25519(owner: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (owner.length !== 32 || signature.length !== 64) return false
  if (await hasWebCryptoEd25519()) {
    const entry = cachedKey('2:' + toB64Url(owner), () =>
      subtle()
        .importKey('raw', buf(owner), { name: 'Ed25519' }, false, ['verify'])
        .catch(() => null),
    )
    const key = await entry.key
    if (!key) return false
    try {
      return await subtle().verify({ name: 'Ed25519' }, key, buf(signature), buf(message))
    } catch {
      return false
    }
  }
  try {
    // zip215 off: RFC 8032 strict, like the WebCrypto path.
    return ed25519.verify(signature, message, owner, { zip215: false })
  } catch {
    return false
  }
}

// ---------------------------------------------------------------- type 3: Ethereum

/** keccak256("\x19Ethereum Signed Message:\n" + len ‖ message), EIP-191 personal message. */
export function ethereumMessageHash(message: Uint8Array): Uint8Array {
  return keccak_256(concatBytes([utf8Encode(`\x19Ethereum Signed Message:\n${message.length}`), message]))
}

function verifyEthereum(owner: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 65 && signature.length !== 64) return false
  try {
    return secp256k1.verify(signature.subarray(0, 64), ethereumMessageHash(message), owner, { prehash: false, lowS: true })
  } catch {
    return false
  }
}

// ---------------------------------------------------------------- type 6: multi-ed25519 (Aptos)

async function verifyMultiAptos(owner: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (owner.length !== 32 * 32 + 1 || signature.length !== 64 * 32 + 4) return false
  const bitmap = signature.subarray(64 * 32)
  const threshold = Math.max(1, owner[32 * 32]!)
  let valid = 0
  for (let i = 0; i < 32; i++) {
    // bit i is read left to right: 0x80 of byte 0 is key 0
    if ((bitmap[i >> 3]! & (0x80 >> (i & 7))) === 0) continue
    const ok = await verifyEd25519(owner.subarray(i * 32, i * 32 + 32), message, signature.subarray(i * 64, i * 64 + 64))
    if (!ok) return false
    valid++
  }
  return valid >= threshold
}

// ---------------------------------------------------------------- type 7: EIP-712 typed data

const keccakText = (text: string): Uint8Array => keccak_256(utf8Encode(text))
let typedDomainSeparator: Uint8Array | undefined

/** keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(Bundlr{Transaction hash, address})), as ethers' TypedDataEncoder. */
export function typedEthereumDigest(message: Uint8Array, address: Uint8Array): Uint8Array {
  typedDomainSeparator ??= keccak_256(concatBytes([keccakText('EIP712Domain(string name,string version)'), keccakText('Bundlr'), keccakText('1')]))
  const paddedAddress = new Uint8Array(32)
  paddedAddress.set(address, 12)
  const struct = keccak_256(concatBytes([keccakText('Bundlr(bytes Transaction hash,address address)'), keccak_256(message), paddedAddress]))
  return keccak_256(concatBytes([new Uint8Array([0x19, 0x01]), typedDomainSeparator, struct]))
}

function verifyTypedEthereum(owner: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const text = new TextDecoder().decode(owner)
  if (signature.length !== 65 || !/^0x[0-9a-fA-F]{40}$/.test(text)) return false
  const v = signature[64]!
  const recovery = v >= 27 ? v - 27 : v
  if (recovery !== 0 && recovery !== 1) return false
  try {
    const address = fromHex(text)
    const recovered = new Uint8Array(65)
    recovered[0] = recovery
    recovered.set(signature.subarray(0, 64), 1)
    const pub = secp256k1.recoverPublicKey(recovered, typedEthereumDigest(message, address), { prehash: false })
    const uncompressed = secp256k1.Point.fromBytes(pub).toBytes(false)
    const signer = keccak_256(uncompressed.subarray(1)).subarray(12)
    return signer.every((b, i) => b === address[i])
  } catch {
    return false
  }
}

// ---------------------------------------------------------------- signers

/** The fields of an Arweave RSA JWK keyfile that carry the private key. */
export interface ArweaveJwk {
  kty: string
  n: string
  e: string
  d?: string
  p?: string
  q?: string
  dp?: string
  dq?: string
  qi?: string
}

/** Type 1 signer from an Arweave keyfile: RSA-PSS SHA-256 with salt 32, like arweave-js in browsers. */
export class ArweaveJwkSigner implements Signer {
  readonly signatureType = SignatureType.Arweave
  readonly publicKey: Uint8Array
  private key: Promise<CryptoKey> | undefined

  constructor(private readonly jwk: ArweaveJwk) {
    if (jwk.kty !== 'RSA' || !jwk.d) throw new ProtocolError('item/bad-key', 'Arweave signer needs an RSA private JWK (kty RSA with d)')
    this.publicKey = fromB64Url(jwk.n)
    if (this.publicKey.length !== 512) {
      throw new ProtocolError('item/bad-key', `Arweave signer needs a 4096-bit key, n is ${this.publicKey.length} bytes`)
    }
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    this.key ??= subtle().importKey(
      'jwk',
      { kty: 'RSA', n: this.jwk.n, e: this.jwk.e, d: this.jwk.d, p: this.jwk.p, q: this.jwk.q, dp: this.jwk.dp, dq: this.jwk.dq, qi: this.jwk.qi },
      { name: 'RSA-PSS', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    return new Uint8Array(await subtle().sign({ name: 'RSA-PSS', saltLength: 32 }, await this.key, buf(message)))
  }
}

/** Type 2 signer from a 32-byte ed25519 secret key. */
export class Ed25519Signer implements Signer {
  readonly signatureType = SignatureType.Ed25519
  readonly publicKey: Uint8Array

  constructor(private readonly secretKey: Uint8Array) {
    if (secretKey.length !== 32) throw new ProtocolError('item/bad-key', `ed25519 secret key must be 32 bytes, got ${secretKey.length}`)
    this.publicKey = ed25519.getPublicKey(secretKey)
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return ed25519.sign(message, this.secretKey)
  }
}

/** Type 3 signer from a secp256k1 private key (32 bytes or hex): EIP-191 personal-message signature, r‖s‖v. */
export class EthereumSigner implements Signer {
  readonly signatureType = SignatureType.Ethereum
  readonly publicKey: Uint8Array
  private readonly privateKey: Uint8Array

  constructor(privateKey: Uint8Array | string) {
    this.privateKey = typeof privateKey === 'string' ? fromHex(privateKey) : privateKey
    if (this.privateKey.length !== 32) throw new ProtocolError('item/bad-key', `secp256k1 private key must be 32 bytes, got ${this.privateKey.length}`)
    this.publicKey = secp256k1.getPublicKey(this.privateKey, false)
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    // 'recovered' is recovery byte ‖ r ‖ s; Ethereum wants r ‖ s ‖ (27 + recovery).
    const rec = secp256k1.sign(ethereumMessageHash(message), this.privateKey, { prehash: false, format: 'recovered' })
    const out = new Uint8Array(65)
    out.set(rec.subarray(1, 65), 0)
    out[64] = 27 + rec[0]!
    return out
  }
}
