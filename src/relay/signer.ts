/**
 * One signing interface for every source of keys the tab can use:
 * - `BrowserWalletSigner`: `window.arweaveWallet` (Wander/ArConnect API). The wallet signs the whole
 *   item (`signDataItem({data,tags,target,anchor})` returns the signed bytes); we decode them, check
 *   they are the item we asked for, signed by the connected account, and compute the id ourselves
 *   from the signature (ao-protocol.md §5). Only the page (main thread) can reach the wallet.
 * - `KeyfileSigner`: an imported Arweave JWK, signed with WebCrypto (`ArweaveJwkSigner`).
 * - `KeySigner`: any `protocol/signing` Signer, e.g. the tab's relay key for outbox pushes.
 * Limits are checked before the key is used, so a refused item is never signed.
 */
import { decodeDataItem, signDataItem, verifyDataItem, type ItemInput, type SignedItem, type Signer, type Tag } from '../protocol/ans104'
import { ownerToAddress } from '../protocol/address'
import { toB64Url } from '../protocol/base64url'
import { equalBytes, utf8Encode } from '../protocol/bytes'
import { ArweaveJwkSigner, type ArweaveJwk } from '../protocol/signing'
import { SignatureType } from '../protocol/signature-types'
import { checkItemLimits } from './item-builder'
import { RelayError, reasonOf } from './errors'

export type SignerKind = 'browser' | 'keyfile' | 'relay'

export interface ItemSigner {
  readonly kind: SignerKind
  readonly address: string
  readonly signatureType: number
  /** Checks limits, signs, and returns the serialised item with its id. */
  sign(input: ItemInput): Promise<SignedItem>
}

/** The part of the injected wallet API we use (Wander/ArConnect). */
export interface ArweaveWalletApi {
  connect(permissions: string[], appInfo?: { name: string; logo?: string }): Promise<void>
  disconnect(): Promise<void>
  getActiveAddress(): Promise<string>
  getPermissions?(): Promise<string[]>
  signDataItem(item: { data: string | Uint8Array; tags?: Tag[]; target?: string; anchor?: string }): Promise<ArrayBuffer | Uint8Array>
}

/** The least the relay needs: the address to show, and item signatures. No public key, no dispatch. */
export const WALLET_PERMISSIONS = ['ACCESS_ADDRESS', 'SIGN_TRANSACTION'] as const

export function findBrowserWallet(scope: unknown = globalThis): ArweaveWalletApi | null {
  const w = (scope as { arweaveWallet?: ArweaveWalletApi }).arweaveWallet
  return w && typeof w.signDataItem === 'function' ? w : null
}

/** Wallets report refusals as free text; sort them into the cases the UI explains differently. */
export function classifyWalletError(e: unknown, action: string): RelayError {
  const reason = reasonOf(e)
  const where = { action, reason }
  if (/lock/i.test(reason)) return new RelayError('wallet/locked', `The wallet is locked: unlock it and try again (${action}: ${reason}).`, where, { cause: e })
  if (/permission|not connected|disconnected|not allowed/i.test(reason)) {
    return new RelayError('wallet/not-connected', `The wallet has not given aolight permission to ${action}: connect it again (${reason}).`, where, { cause: e })
  }
  return new RelayError('wallet/rejected', `The wallet did not ${action}: ${reason}.`, where, { cause: e })
}

export class BrowserWalletSigner implements ItemSigner {
  readonly kind = 'browser' as const
  readonly signatureType = SignatureType.Arweave

  private constructor(
    private readonly api: ArweaveWalletApi,
    readonly address: string,
  ) {}

  /** Asks the wallet for the least permissions, then reads the active address. */
  static async connect(api: ArweaveWalletApi | null, appName = 'aolight'): Promise<BrowserWalletSigner> {
    if (!api) throw new RelayError('wallet/not-found', 'No browser wallet found (window.arweaveWallet). Install Wander or ArConnect, or import a keyfile.')
    try {
      await api.connect([...WALLET_PERMISSIONS], { name: appName })
    } catch (e) {
      throw classifyWalletError(e, 'connect')
    }
    return new BrowserWalletSigner(api, await activeAddress(api))
  }

  /** Re-attaches to an already permitted wallet without a prompt; null when permission is gone. */
  static async restore(api: ArweaveWalletApi | null): Promise<BrowserWalletSigner | null> {
    if (!api) return null
    try {
      if (api.getPermissions) {
        const granted = await api.getPermissions()
        if (!WALLET_PERMISSIONS.every((p) => granted.includes(p))) return null
      }
      return new BrowserWalletSigner(api, await api.getActiveAddress())
    } catch {
      return null
    }
  }

  async sign(input: ItemInput): Promise<SignedItem> {
    checkItemLimits(input, this.signatureType)
    const now = await activeAddress(this.api)
    if (now !== this.address) {
      throw new RelayError('wallet/switched', `The wallet's active account is now ${now}, not ${this.address} that aolight connected to. Reconnect to sign as ${now}.`, { connected: this.address, active: now })
    }
    const request: { data: string | Uint8Array; tags?: Tag[]; target?: string; anchor?: string } = { data: input.data ?? '' }
    if (input.tags) request.tags = input.tags.map((t) => ({ name: t.name, value: t.value }))
    if (input.target !== undefined) request.target = typeof input.target === 'string' ? input.target : toB64Url(input.target)
    if (input.anchor !== undefined) {
      if (typeof input.anchor !== 'string') throw new RelayError('item/invalid', 'a browser wallet takes the anchor as a 32-character string', { field: 'anchor' })
      request.anchor = input.anchor
    }
    let raw: ArrayBuffer | Uint8Array
    try {
      raw = await this.api.signDataItem(request)
    } catch (e) {
      throw classifyWalletError(e, 'sign the message')
    }
    const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(raw)
    const item = (() => {
      try {
        return decodeDataItem(bytes)
      } catch (e) {
        throw new RelayError('wallet/bad-item', `The wallet returned bytes that are not an ANS-104 item: ${reasonOf(e)}`, {}, { cause: e })
      }
    })()
    checkSameItem(item, input)
    const signer = ownerToAddress(item.signatureType, item.owner)
    if (signer !== this.address) {
      throw new RelayError('wallet/switched', `The wallet signed with ${signer}, not the connected account ${this.address}.`, { connected: this.address, active: signer })
    }
    if (!(await verifyDataItem(item))) throw new RelayError('wallet/bad-item', `The signature the wallet made on item ${item.id} does not verify.`, { id: item.id })
    return { bytes, id: item.id, item }
  }

  disconnect(): Promise<void> {
    return this.api.disconnect()
  }
}

async function activeAddress(api: ArweaveWalletApi): Promise<string> {
  try {
    return await api.getActiveAddress()
  } catch (e) {
    throw classifyWalletError(e, 'read the active address')
  }
}

/** The wallet must sign what we asked: same target, anchor, data, and our tags in our order. */
function checkSameItem(item: ReturnType<typeof decodeDataItem>, input: ItemInput): void {
  const want = (field: string, ok: boolean) => {
    if (!ok) throw new RelayError('wallet/bad-item', `The wallet signed an item whose ${field} differs from the one aolight asked for.`, { field })
  }
  const data = typeof input.data === 'string' ? utf8Encode(input.data) : (input.data ?? new Uint8Array(0))
  want('data', equalBytes(item.data, data))
  const target = input.target === undefined ? undefined : typeof input.target === 'string' ? input.target : toB64Url(input.target)
  want('target', (item.target ? toB64Url(item.target) : undefined) === target)
  const anchor = input.anchor === undefined ? undefined : typeof input.anchor === 'string' ? utf8Encode(input.anchor) : input.anchor
  want('anchor', anchor === undefined ? item.anchor === undefined : item.anchor !== undefined && equalBytes(item.anchor, anchor))
  const tags = input.tags ?? []
  want('tags', item.tags.length === tags.length && tags.every((t, i) => item.tags[i]?.name === t.name && item.tags[i]?.value === t.value))
}

/** Signs with any low-level `Signer` (a keyfile, the relay key). */
export class KeySigner implements ItemSigner {
  readonly signatureType: number
  readonly address: string

  constructor(
    readonly kind: SignerKind,
    private readonly signer: Signer,
  ) {
    this.signatureType = signer.signatureType
    this.address = ownerToAddress(signer.signatureType, signer.publicKey)
  }

  async sign(input: ItemInput): Promise<SignedItem> {
    checkItemLimits(input, this.signatureType)
    return signDataItem(input, this.signer)
  }
}

/** An imported Arweave keyfile; the key lives only in this object (never in storage or logs). */
export class KeyfileSigner extends KeySigner {
  constructor(jwk: ArweaveJwk) {
    super('keyfile', toJwkSigner(jwk))
  }

  /** Parses keyfile text with precise errors (`wallet/bad-keyfile`). */
  static fromText(text: string): KeyfileSigner {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new RelayError('wallet/bad-keyfile', 'The keyfile is not JSON. An Arweave keyfile is a JSON Web Key (kty "RSA").')
    }
    return new KeyfileSigner(checkJwk(json))
  }

  // Never print the key: JSON.stringify / console.log of the signer show only the address.
  toJSON(): { kind: string; address: string } {
    return { kind: this.kind, address: this.address }
  }
}

export function checkJwk(json: unknown): ArweaveJwk {
  const k = (json ?? {}) as Record<string, unknown>
  if (k.kty !== 'RSA') throw new RelayError('wallet/bad-keyfile', `The keyfile is not an RSA key (kty is ${JSON.stringify(k.kty ?? null)}).`, { field: 'kty' })
  for (const f of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
    if (typeof k[f] !== 'string' || k[f] === '') {
      throw new RelayError('wallet/bad-keyfile', `The keyfile has no "${f}"${f === 'n' || f === 'e' ? '' : ': it is a public key, signing needs the private key'}.`, { field: f })
    }
  }
  return k as unknown as ArweaveJwk
}

function toJwkSigner(jwk: ArweaveJwk): ArweaveJwkSigner {
  try {
    return new ArweaveJwkSigner(jwk)
  } catch (e) {
    throw new RelayError('wallet/bad-keyfile', `The keyfile cannot sign: ${reasonOf(e)}`, {}, { cause: e })
  }
}
