/**
 * Relay signing: ao items built with the right tags and limits, signed by our keyfile signer and
 * by a browser wallet (arbundles-backed, real RSA key), and checked by arbundles' verifier; wallet
 * failures sorted into precise errors; the encrypted keyfile vault.
 */
import { describe, expect, it } from 'vitest'
import { DataItem as ArDataItem } from 'arbundles'
import { decodeDataItem } from '../../src/protocol/ans104'
import { toB64Url } from '../../src/protocol/base64url'
import { checkItemLimits, messageItem, MAX_ITEM_BYTES, randomAnchor, spawnItem } from '../../src/relay/item-builder'
import { BrowserWalletSigner, KeyfileSigner, WALLET_PERMISSIONS } from '../../src/relay/signer'
import { KeyfileVault, VAULT_KEY, type KeyValueStore } from '../../src/relay/keyfile-vault'
import { isRelayError } from '../../src/relay/errors'
import { loadKey } from '../devnet/keys'
import { ArbundlesWallet } from './relay-wallet-helper'

const a = loadKey('wallet-a')
const b = loadKey('wallet-b')
const id = (fill: number) => toB64Url(new Uint8Array(32).fill(fill))
const PID = id(7)
const MOD = id(8)
const SU = id(9)

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    if (isRelayError(e)) return e.code
    throw e
  }
  throw new Error('expected a RelayError')
}

describe('item builder', () => {
  it('builds a message with protocol, SDK and user tags in order; arbundles verifies what we sign', async () => {
    const signer = new KeyfileSigner(a.jwk as never)
    const anchor = randomAnchor()
    const signed = await signer.sign(messageItem({ target: PID, tags: [{ name: 'Action', value: 'Eval' }], data: '1 + 41', anchor }))
    expect(signed.item.tags).toEqual([
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Variant', value: 'ao.TN.1' },
      { name: 'Type', value: 'Message' },
      { name: 'SDK', value: 'aolight' },
      { name: 'Action', value: 'Eval' },
    ])
    expect(await ArDataItem.verify(Buffer.from(signed.bytes))).toBe(true)
    const ar = new ArDataItem(Buffer.from(signed.bytes))
    expect(ar.id).toBe(signed.id)
    expect(ar.target).toBe(PID)
    expect(ar.rawAnchor.toString("utf8")).toBe(anchor) // arbundles shows `.anchor` as base64url of the bytes
    expect(ar.owner).toBe(a.jwk.n)
    expect(signer.address).toBe(a.address)
    expect(JSON.stringify(signer)).not.toContain(a.jwk.d!) // never leaks the key
  })

  it('builds a spawn with Module, Scheduler, Authority, Memory-Limit and Cron tags', async () => {
    const input = spawnItem({
      module: MOD, scheduler: SU, authorities: [a.address, b.address], memoryLimit: '1-gb',
      cron: { interval: '10-minutes', tags: [{ name: 'Action', value: 'Tick' }] }, tags: [{ name: 'Name', value: 'p' }],
    })
    const signed = await new KeyfileSigner(a.jwk as never).sign(input)
    expect(signed.item.tags.map((t) => `${t.name}=${t.value}`)).toEqual([
      'Data-Protocol=ao', 'Variant=ao.TN.1', 'Type=Process', `Module=${MOD}`, `Scheduler=${SU}`, 'SDK=aolight',
      `Authority=${a.address}`, `Authority=${b.address}`, 'Memory-Limit=1-gb', 'Cron-Interval=10-minutes', 'Cron-Tag-Action=Tick', 'Name=p',
    ])
    expect(signed.item.target).toBeUndefined()
    expect(await ArDataItem.verify(Buffer.from(signed.bytes))).toBe(true)
  })

  it('refuses before signing: reserved tags, bad ids, tag limits, +link, anchors, 10 MiB', async () => {
    expect(await code(() => messageItem({ target: PID, tags: [{ name: 'Type', value: 'Process' }] }))).toBe('item/invalid')
    expect(await code(() => messageItem({ target: 'short' }))).toBe('item/invalid')
    expect(await code(() => spawnItem({ module: MOD, scheduler: SU, memoryLimit: 'lots' }))).toBe('item/invalid')
    expect(await code(() => spawnItem({ module: MOD, scheduler: SU, cron: { interval: 'often', tags: [] } }))).toBe('item/invalid')
    // Read like the reference CU: months never fire (ms has no months), under a second is refused.
    for (const interval of ['1-month', '500-ms', '0-blocks', 'x-blocks']) {
      expect(await code(() => spawnItem({ module: MOD, scheduler: SU, cron: { interval, tags: [] } }))).toBe('item/invalid')
    }
    for (const interval of ['5-mins', '1-hr', '2-secs', '1-block', '10-minutes', '1-y']) {
      expect(spawnItem({ module: MOD, scheduler: SU, cron: { interval, tags: [] } }).tags).toContainEqual({ name: 'Cron-Interval', value: interval })
    }
    expect(await code(() => spawnItem({ module: MOD, scheduler: SU, tags: [{ name: 'Module', value: MOD }] }))).toBe('item/invalid')
    const many = Array.from({ length: 125 }, (_, i) => ({ name: `T${i}`, value: 'v' }))
    expect(await code(() => checkItemLimits(messageItem({ target: PID, tags: many }), 1))).toBe('item/invalid')
    expect(await code(() => checkItemLimits(messageItem({ target: PID, tags: [{ name: 'N', value: 'v'.repeat(3073) }] }), 1))).toBe('item/invalid')
    expect(await code(() => checkItemLimits(messageItem({ target: PID, tags: [{ name: 'Data+link', value: 'x' }] }), 1))).toBe('item/invalid')
    expect(await code(() => checkItemLimits({ ...messageItem({ target: PID }), anchor: 'too short' }, 1))).toBe('item/invalid')
    // Exactly at the limit passes; one byte more fails (RSA item: 2+512+512+33+1+16 + tags + data).
    const base = messageItem({ target: PID, data: 'x' })
    const overhead = 2 + 512 + 512 + 33 + 1 + 16 + (await import('../../src/protocol/ans104')).encodeTags(base.tags!).length
    checkItemLimits({ ...base, data: new Uint8Array(MAX_ITEM_BYTES - overhead) }, 1)
    const wallet = new ArbundlesWallet(a.jwk, (j) => loadKeyAddress(j))
    const signer = await BrowserWalletSigner.connect(wallet)
    expect(await code(signer.sign({ ...base, data: new Uint8Array(MAX_ITEM_BYTES - overhead + 1) }))).toBe('item/invalid')
    expect(wallet.signs).toBe(0) // the wallet was never asked
  })
})

function loadKeyAddress(jwk: { n: string }): string {
  return jwk.n === a.jwk.n ? a.address : jwk.n === b.jwk.n ? b.address : 'unknown'
}

describe('browser wallet signer', () => {
  it('connects with the least permissions, signs through signDataItem, computes the id itself', async () => {
    const wallet = new ArbundlesWallet(a.jwk, loadKeyAddress)
    const signer = await BrowserWalletSigner.connect(wallet)
    expect(wallet.asked).toEqual([[...WALLET_PERMISSIONS]])
    expect(signer.address).toBe(a.address)
    const signed = await signer.sign(messageItem({ target: PID, data: 'hello', tags: [{ name: 'Action', value: 'Ping' }] }))
    expect(signed.id).toBe(new ArDataItem(Buffer.from(signed.bytes)).id)
    expect(toB64Url(signed.item.owner)).toBe(a.jwk.n)
    expect(decodeDataItem(signed.bytes).id).toBe(signed.id)
    expect((await BrowserWalletSigner.restore(wallet))?.address).toBe(a.address)
  })

  it('absent, rejected, locked, switched, tampered and revoked wallets give precise errors', async () => {
    expect(await code(BrowserWalletSigner.connect(null))).toBe('wallet/not-found')
    const wallet = new ArbundlesWallet(a.jwk, loadKeyAddress)
    wallet.mode = 'reject'
    expect(await code(BrowserWalletSigner.connect(wallet))).toBe('wallet/rejected')
    wallet.mode = 'ok'
    const signer = await BrowserWalletSigner.connect(wallet)
    const msg = messageItem({ target: PID, data: 'x' })
    wallet.mode = 'reject'
    expect(await code(signer.sign(msg))).toBe('wallet/rejected')
    wallet.mode = 'locked'
    expect(await code(signer.sign(msg))).toBe('wallet/locked')
    wallet.mode = 'tamper'
    expect(await code(signer.sign(msg))).toBe('wallet/bad-item')
    wallet.mode = 'ok'
    wallet.jwk = b.jwk // the person switched accounts in the wallet
    const err = await signer.sign(msg).catch((e: unknown) => e)
    expect(isRelayError(err, 'wallet/switched') && err.message).toContain(b.address)
    wallet.jwk = a.jwk
    await wallet.disconnect()
    expect(await code(signer.sign(msg))).toBe('wallet/not-connected')
    expect(await BrowserWalletSigner.restore(wallet)).toBeNull()
  })
})

class MapStore implements KeyValueStore {
  readonly map = new Map<string, unknown>()
  async get<T>(k: string) { return structuredClone(this.map.get(k)) as T | undefined }
  async set(k: string, v: unknown) { this.map.set(k, structuredClone(v)) }
  async delete(k: string) { this.map.delete(k) }
}

describe('keyfile vault', () => {
  it('round-trips through PBKDF2 + AES-GCM; only ciphertext is stored; wrong passphrase and tampering fail', async () => {
    const store = new MapStore()
    const vault = new KeyfileVault(store, 10_000) // fewer iterations only to keep the test fast; the record carries its count
    expect(await vault.save(a.jwk as never, 'correct horse battery')).toBe(a.address)
    const stored = JSON.stringify(store.map.get(VAULT_KEY))
    for (const secret of [a.jwk.d!, a.jwk.p!, a.jwk.q!]) expect(stored).not.toContain(secret)
    expect(await vault.storedAddress()).toBe(a.address)
    const signer = await vault.unlock('correct horse battery')
    expect(signer.address).toBe(a.address)
    expect(await ArDataItem.verify(Buffer.from((await signer.sign(messageItem({ target: PID }))).bytes))).toBe(true)

    expect(await code(vault.unlock('wrong horse battery'))).toBe('vault/wrong-passphrase')
    expect(await code(vault.save(a.jwk as never, 'short'))).toBe('vault/weak-passphrase')
    const rec = store.map.get(VAULT_KEY) as Record<string, unknown>
    store.map.set(VAULT_KEY, { ...rec, address: b.address }) // relabelled: the bound address no longer matches
    expect(await code(vault.unlock('correct horse battery'))).toBe('vault/wrong-passphrase')
    store.map.set(VAULT_KEY, { version: 9 })
    expect(await code(vault.unlock('correct horse battery'))).toBe('vault/corrupt')
    await vault.forget()
    expect(await code(vault.unlock('correct horse battery'))).toBe('vault/empty')
    expect(new KeyfileVault(store).constructor).toBeDefined()
  })
})
