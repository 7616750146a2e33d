/**
 * A test `window.arweaveWallet` for Playwright: the page gets the Wander/ArConnect API
 * (connect / getPermissions / getActiveAddress / signDataItem / disconnect, `walletSwitch` event),
 * and every call is answered in the test process with a real RSA-4096 keyfile signed by arbundles
 * (an implementation independent of ours). Switches make it reject, be locked, or change account.
 */
import type { BrowserContext } from '@playwright/test'
import { ArweaveSigner, createData } from 'arbundles'
import { createHash } from 'node:crypto'

export interface TestJwk {
  kty: string
  n: string
  e: string
  [k: string]: string
}

export type TestWalletMode = 'ok' | 'reject' | 'locked'

export function addressOf(jwk: TestJwk): string {
  return createHash('sha256').update(Buffer.from(jwk.n, 'base64url')).digest('base64url')
}

export class TestWallet {
  mode: TestWalletMode = 'ok'
  signs = 0
  private granted = new Set<string>()

  constructor(public jwk: TestJwk) {}

  get address(): string {
    return addressOf(this.jwk)
  }

  /** Injects the wallet into every page of `context` (before any page script runs). */
  async install(context: BrowserContext): Promise<void> {
    await context.exposeBinding('__testWalletCall', async (_src, op: string, arg: unknown) => this.call(op, arg))
    await context.addInitScript(() => {
      type Call = (op: string, arg?: unknown) => Promise<unknown>
      const call = (globalThis as unknown as { __testWalletCall: Call }).__testWalletCall
      const unwrap = async (op: string, arg?: unknown) => {
        const r = (await call(op, arg)) as { ok: boolean; value?: unknown; error?: string }
        if (!r.ok) throw new Error(r.error)
        return r.value
      }
      ;(window as unknown as { arweaveWallet: unknown }).arweaveWallet = {
        walletName: 'aolight test wallet',
        connect: (permissions: string[]) => unwrap('connect', permissions),
        disconnect: () => unwrap('disconnect'),
        getPermissions: () => unwrap('getPermissions'),
        getActiveAddress: () => unwrap('getActiveAddress'),
        async signDataItem(item: { data: string | Uint8Array; tags?: unknown; target?: string; anchor?: string }) {
          const data = typeof item.data === 'string' ? { text: item.data } : { bytes: Array.from(item.data) }
          const raw = (await unwrap('signDataItem', { ...item, data })) as number[]
          return new Uint8Array(raw).buffer
        },
      }
    })
  }

  /** Switches the active account, as a person would in the extension. */
  switchTo(jwk: TestJwk): void {
    this.jwk = jwk
  }

  private async call(op: string, arg: unknown): Promise<{ ok: boolean; value?: unknown; error?: string }> {
    try {
      return { ok: true, value: await this.op(op, arg) }
    } catch (e) {
      return { ok: false, error: (e as Error).message }
    }
  }

  private async op(op: string, arg: unknown): Promise<unknown> {
    switch (op) {
      case 'connect':
        if (this.mode === 'reject') throw new Error('User cancelled the auth')
        for (const p of arg as string[]) this.granted.add(p)
        return undefined
      case 'disconnect':
        this.granted.clear()
        return undefined
      case 'getPermissions':
        return [...this.granted]
      case 'getActiveAddress':
        if (!this.granted.has('ACCESS_ADDRESS')) throw new Error('Missing permission "ACCESS_ADDRESS"')
        return this.address
      case 'signDataItem': {
        if (!this.granted.has('SIGN_TRANSACTION')) throw new Error('Missing permission "SIGN_TRANSACTION"')
        if (this.mode === 'reject') throw new Error('User rejected the signature request')
        if (this.mode === 'locked') throw new Error('Wallet is locked')
        const a = arg as { data: { text?: string; bytes?: number[] }; tags?: { name: string; value: string }[]; target?: string; anchor?: string }
        const signer = new ArweaveSigner(this.jwk as never)
        const opts: Record<string, unknown> = {}
        if (a.tags) opts.tags = a.tags
        if (a.target) opts.target = a.target
        if (a.anchor) opts.anchor = a.anchor
        const item = createData(a.data.text ?? Uint8Array.from(a.data.bytes ?? []), signer, opts)
        await item.sign(signer)
        this.signs++
        return Array.from(item.getRaw())
      }
      default:
        throw new Error(`test wallet: unknown call ${op}`)
    }
  }
}
