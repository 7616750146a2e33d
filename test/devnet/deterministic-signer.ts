/**
 * An arbundles-compatible Arweave (type 1) signer that signs with RSA-PSS salt length 0, so the
 * same content and key always give the same signature, hence the same item id. The devnet uses
 * it for the items it publishes at startup (modules, Scheduler-Location), so their ids are
 * stable across runs. Verifiers accept it: arweave-js/WebCrypto try salt 0 first, Node's
 * verifier auto-detects the salt.
 */
import { constants, createPrivateKey, sign, type KeyObject } from 'node:crypto'
import { fromB64Url } from '../../src/protocol/base64url'
import type { RsaJwk } from './keys'

export class DeterministicArweaveSigner {
  readonly signatureType = 1
  readonly ownerLength = 512
  readonly signatureLength = 512
  readonly publicKey: Buffer
  private readonly key: KeyObject

  constructor(jwk: RsaJwk) {
    this.key = createPrivateKey({ key: jwk as never, format: 'jwk' })
    this.publicKey = Buffer.from(fromB64Url(jwk.n))
  }

  sign(message: Uint8Array): Uint8Array {
    return sign('sha256', message, { key: this.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 })
  }
}
