/**
 * Inside a dedicated Worker: decode and verify every committed ANS-104 fixture (made by arbundles),
 * then a tampered copy of each, then sign fresh items of types 1-3 here and verify them.
 * Proves src/protocol runs unchanged in a browser Worker (WebCrypto RSA-PSS, ed25519, secp256k1).
 */
import { decodeVerifiedDataItem, decodeDataItem, verifyDataItem, signDataItem } from '../../../src/protocol/ans104'
import { ArweaveJwkSigner, Ed25519Signer, EthereumSigner } from '../../../src/protocol/signing'
import { ownerToAddress } from '../../../src/protocol/address'

export interface FixtureVerdict {
  name: string
  idMatches: boolean
  addressMatches: boolean
  verified: boolean
  tamperedRejected: boolean
}

interface ManifestEntry {
  name: string
  file: string
  id: string
  address: string
  signatureType: number
}

// The Vite dev server serves the repository root; fixtures are plain files there.
const base = new URL('/test/fixtures/ans104/', self.location.origin)

async function run(): Promise<FixtureVerdict[]> {
  const manifest = (await (await fetch(new URL('manifest.json', base))).json()) as ManifestEntry[]
  const out: FixtureVerdict[] = []
  for (const entry of manifest) {
    const bytes = new Uint8Array(await (await fetch(new URL(entry.file, base))).arrayBuffer())
    let verified = false
    let idMatches = false
    let addressMatches = false
    try {
      const item = await decodeVerifiedDataItem(bytes)
      verified = true
      idMatches = item.id === entry.id
      addressMatches = ownerToAddress(item.signatureType, item.owner) === entry.address
    } catch {
      verified = false
    }
    // Flip the last byte (data, or the tags when there is no data): must no longer verify.
    const tampered = bytes.slice()
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x01
    let tamperedRejected = false
    try {
      tamperedRejected = !(await verifyDataItem(decodeDataItem(tampered)))
    } catch {
      tamperedRejected = true
    }
    out.push({ name: entry.name, idMatches, addressMatches, verified, tamperedRejected })
  }
  // Sign here with each signer family, verify here.
  const key = (await (await fetch(new URL('arweave-key.json', base))).json()) as ConstructorParameters<typeof ArweaveJwkSigner>[0]
  const seed = new Uint8Array(32).map((_, i) => i + 1)
  for (const [name, signer] of [
    ['worker-signed-arweave', new ArweaveJwkSigner(key)],
    ['worker-signed-ed25519', new Ed25519Signer(seed)],
    ['worker-signed-ethereum', new EthereumSigner(seed)],
  ] as const) {
    const signed = await signDataItem({ data: new TextEncoder().encode('signed in a worker'), tags: [{ name: 'Action', value: 'Eval' }] }, signer)
    const item = await decodeVerifiedDataItem(signed.bytes)
    out.push({ name, idMatches: item.id === signed.id, addressMatches: true, verified: true, tamperedRejected: true })
  }
  return out
}

run().then(
  (verdicts) => postMessage(verdicts),
  (e: unknown) => postMessage({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
)
