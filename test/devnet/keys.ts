/** The devnet's committed test keys (see keys/generate-keys.ts) and their addresses. */
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { ArweaveSigner } from 'arbundles'
import { toB64Url, fromB64Url } from '../../src/protocol/base64url'

export interface RsaJwk {
  kty: 'RSA'
  n: string
  e: string
  d?: string
  p?: string
  q?: string
  dp?: string
  dq?: string
  qi?: string
}

export interface DevnetKey {
  jwk: RsaJwk
  /** b64url(SHA-256(n)), the Arweave address. */
  address: string
  signer: ArweaveSigner
}

export type KeyName = 'su' | 'module-publisher' | 'wallet-a' | 'wallet-b' | 'demo'

export function addressOfOwner(ownerB64Url: string): string {
  return toB64Url(createHash('sha256').update(fromB64Url(ownerB64Url)).digest())
}

export function loadKey(name: KeyName): DevnetKey {
  const url = new URL(`./keys/${name}.json`, import.meta.url)
  const jwk = JSON.parse(readFileSync(url, 'utf8')) as RsaJwk
  return { jwk, address: addressOfOwner(jwk.n), signer: new ArweaveSigner(jwk as never) }
}
