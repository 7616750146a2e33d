/**
 * A `window.arweaveWallet`-shaped wallet for Node tests, signing with arbundles (an independent
 * ANS-104 implementation) and a real RSA-4096 keyfile, with switches for the failure cases.
 */
import { ArweaveSigner, createData } from 'arbundles'
import type { ArweaveWalletApi } from '../../src/relay/signer'
import type { RsaJwk } from '../devnet/keys'

export type WalletMode = 'ok' | 'reject' | 'locked' | 'tamper'

export class ArbundlesWallet implements ArweaveWalletApi {
  mode: WalletMode = 'ok'
  permissions: string[] = []
  asked: string[][] = []
  signs = 0

  constructor(
    public jwk: RsaJwk,
    private readonly addressOf: (jwk: RsaJwk) => string,
  ) {}

  async connect(permissions: string[]): Promise<void> {
    this.asked.push(permissions)
    if (this.mode === 'reject') throw new Error('User cancelled the auth')
    this.permissions = [...permissions]
  }
  async disconnect(): Promise<void> {
    this.permissions = []
  }
  async getPermissions(): Promise<string[]> {
    return this.permissions
  }
  async getActiveAddress(): Promise<string> {
    if (!this.permissions.includes('ACCESS_ADDRESS')) throw new Error('Missing permission "ACCESS_ADDRESS"')
    return this.addressOf(this.jwk)
  }
  async signDataItem(item: { data: string | Uint8Array; tags?: { name: string; value: string }[]; target?: string; anchor?: string }): Promise<ArrayBuffer> {
    if (!this.permissions.includes('SIGN_TRANSACTION')) throw new Error('Missing permission "SIGN_TRANSACTION"')
    if (this.mode === 'reject') throw new Error('User rejected the signature request')
    if (this.mode === 'locked') throw new Error('Wallet is locked')
    const signer = new ArweaveSigner(this.jwk as never)
    const opts: { tags?: { name: string; value: string }[]; target?: string; anchor?: string } = {}
    if (item.tags) opts.tags = item.tags
    if (item.target) opts.target = item.target
    if (item.anchor) opts.anchor = item.anchor
    const data = this.mode === 'tamper' ? 'something else' : item.data
    const di = createData(data, signer, opts)
    await di.sign(signer)
    this.signs++
    const raw = di.getRaw()
    return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer
  }
}
