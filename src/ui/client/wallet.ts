/**
 * Wallet access for the interim client: a browser wallet through `window.arweaveWallet`
 * (Wander/ArConnect API) or an imported JWK keyfile kept in memory for this tab only
 * (a private key never goes to localStorage). Signing arrives with the relay.
 */
import { NodeError, type WalletState } from '../../node/contract'
import { fromB64Url, toB64Url } from '../../protocol/base64url'
import { sha256 } from '@noble/hashes/sha2.js'

/** The part of the injected wallet API we use. */
interface ArweaveWalletApi {
  connect(permissions: string[], appInfo?: { name: string }): Promise<void>
  disconnect(): Promise<void>
  getActiveAddress(): Promise<string>
}


const REMEMBER_KEY = 'aolight.wallet.v1'
const PERMISSIONS = ['ACCESS_ADDRESS', 'ACCESS_PUBLIC_KEY', 'SIGN_TRANSACTION']

export function browserWallet(): ArweaveWalletApi | null {
  // Read loosely: the global may or may not be declared by other packages' types (arconnect).
  const w = typeof window === 'undefined' ? undefined : (window as unknown as { arweaveWallet?: ArweaveWalletApi }).arweaveWallet
  return w ?? null
}

/** An RSA JWK as Arweave keyfiles hold it. */
export interface ArweaveJwk {
  kty: 'RSA'
  n: string
  e: string
  d: string
}

/** Parses a keyfile and checks it is a private RSA key; the address is b64url(sha256(n)). */
export function parseKeyfile(text: string): { jwk: ArweaveJwk; address: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new NodeError('wallet/bad-keyfile', 'The keyfile is not JSON. An Arweave keyfile is a JSON Web Key (kty "RSA").')
  }
  const k = (json ?? {}) as Record<string, unknown>
  if (k.kty !== 'RSA') throw new NodeError('wallet/bad-keyfile', `The keyfile is not an RSA key (kty is ${JSON.stringify(k.kty)}).`, { field: 'kty' })
  for (const field of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
    if (typeof k[field] !== 'string' || k[field] === '') {
      throw new NodeError('wallet/bad-keyfile', `The keyfile has no "${field}"${field === 'n' || field === 'e' ? '' : ': it is a public key, signing needs the private key'}.`, { field })
    }
  }
  let modulus: Uint8Array
  try {
    modulus = fromB64Url(k.n as string)
  } catch {
    throw new NodeError('wallet/bad-keyfile', 'The keyfile\'s "n" is not base64url.', { field: 'n' })
  }
  if (modulus.length !== 512) {
    throw new NodeError('wallet/bad-keyfile', `Arweave keys are RSA-4096; this key's modulus has ${modulus.length * 8} bits.`, { field: 'n' })
  }
  return { jwk: k as unknown as ArweaveJwk, address: toB64Url(sha256(modulus)) }
}

export class WalletSession {
  #state: WalletState = { kind: 'none' }
  #jwk: ArweaveJwk | null = null
  #listeners = new Set<(s: WalletState) => void>()

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) {}

  state(): WalletState {
    return this.#state
  }

  /** The imported key, for the relay to sign with. */
  keyfile(): ArweaveJwk | null {
    return this.#jwk
  }

  subscribe(listener: (s: WalletState) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #set(s: WalletState): WalletState {
    this.#state = s
    for (const l of this.#listeners) l(s)
    return s
  }

  /** Re-attaches a browser wallet that was connected before, without a permission prompt. */
  async restore(): Promise<void> {
    const api = browserWallet()
    if (!api || this.storage.getItem(REMEMBER_KEY) !== 'browser') return
    try {
      this.#set({ kind: 'browser', address: await api.getActiveAddress() })
    } catch {
      this.storage.removeItem(REMEMBER_KEY) // permission was revoked in the wallet
    }
  }

  async connect(): Promise<WalletState> {
    const api = browserWallet()
    if (!api) {
      throw new NodeError('wallet/not-found', 'No browser wallet found (window.arweaveWallet). Install Wander or ArConnect, or import a keyfile.')
    }
    try {
      await api.connect(PERMISSIONS, { name: 'aolight' })
      const address = await api.getActiveAddress()
      this.#jwk = null
      this.storage.setItem(REMEMBER_KEY, 'browser')
      return this.#set({ kind: 'browser', address })
    } catch (e) {
      throw new NodeError('wallet/rejected', `The wallet did not connect: ${e instanceof Error ? e.message : String(e)}.`, {}, { cause: e })
    }
  }

  async importKeyfile(text: string): Promise<WalletState> {
    const { jwk, address } = parseKeyfile(text)
    this.#jwk = jwk
    this.storage.removeItem(REMEMBER_KEY)
    return this.#set({ kind: 'keyfile', address })
  }

  async disconnect(): Promise<void> {
    const was = this.#state
    this.#jwk = null
    this.storage.removeItem(REMEMBER_KEY)
    this.#set({ kind: 'none' })
    if (was.kind === 'browser') await browserWallet()?.disconnect().catch(() => undefined)
  }
}
