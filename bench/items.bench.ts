/**
 * ANS-104 throughput, ours vs the reference libraries in the same run:
 * - decode + verify items/s for type 1 (RSA-4096) and type 2 (ed25519) items signed by arbundles,
 *   ours (`decodeDataItem` + `verifyDataItem`) vs arbundles (`DataItem.verify(buffer)`), one item
 *   at a time and 32 in flight;
 * - deep hash MB/s on 1 MB and 10 MB blobs, ours (sync JS, async WebCrypto) vs arweave-js.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { ArweaveSigner, DataItem, SolanaSigner, createData, type Signer } from 'arbundles'
import { ed25519 } from '@noble/curves/ed25519.js'
import * as arDeepHashModule from 'arweave/node/lib/deepHash'
import { decodeDataItem, verifyDataItem } from '../src/protocol/ans104'
import { deepHash, deepHashAsync, type DeepHashChunk } from '../src/protocol/deep-hash'
import { now, opsPerSecond, row, type Bench, type BenchRow } from './lib'

type DeepHashFn = (data: DeepHashChunk) => Promise<Uint8Array>
const mod = arDeepHashModule as unknown as { default: DeepHashFn | { default: DeepHashFn } }
const arweaveDeepHash: DeepHashFn = typeof mod.default === 'function' ? mod.default : mod.default.default

const fixtures = join(import.meta.dirname, '../test/fixtures/ans104')
// bs58 (arbundles' dependency, its Solana key format) ships no type declarations.
const bs58 = createRequire(import.meta.url)('bs58') as { encode(bytes: Uint8Array): string }

async function makeItems(signer: Signer, n: number): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const item = createData(`message ${i}`, signer, {
      tags: [
        { name: 'Data-Protocol', value: 'ao' },
        { name: 'Variant', value: 'ao.TN.1' },
        { name: 'Type', value: 'Message' },
        { name: 'Nonce', value: String(i) },
      ],
      anchor: createHash('sha256').update(String(i)).digest('hex').slice(0, 32),
    })
    await item.sign(signer)
    out.push(Buffer.from(item.getRaw()))
  }
  return out
}

async function ours(buf: Uint8Array): Promise<void> {
  if (!(await verifyDataItem(decodeDataItem(buf)))) throw new Error('ours: fixture did not verify')
}

async function theirs(buf: Buffer): Promise<void> {
  if (!(await DataItem.verify(buf))) throw new Error('arbundles: fixture did not verify')
}

async function itemsPerSecond(items: Buffer[], verify: (b: Buffer) => Promise<void>, inFlight: number, minMs: number): Promise<number> {
  let i = 0
  const batch = async () => {
    const jobs: Promise<void>[] = []
    for (let k = 0; k < inFlight; k++) jobs.push(verify(items[i++ % items.length]!))
    await Promise.all(jobs)
  }
  return (await opsPerSecond(batch, { minMs, minRuns: 3 })) * inFlight
}

async function mbPerSecond(fn: () => unknown, bytes: number, minMs: number): Promise<number> {
  await fn() // warm-up
  const start = now()
  let runs = 0
  while (runs < 2 || now() - start < minMs) {
    await fn()
    runs++
  }
  return (runs * bytes) / 1e6 / ((now() - start) / 1000)
}

const bench: Bench = async ({ quick }) => {
  const minMs = quick ? 300 : 1500
  const rows: BenchRow[] = []
  const jwk = JSON.parse(readFileSync(join(fixtures, 'arweave-key.json'), 'utf8'))
  const edSecret = createHash('sha256').update('bench ed25519').digest()
  const signers: [string, Signer][] = [
    ['type 1 (RSA-4096)', new ArweaveSigner(jwk)],
    ['type 2 (ed25519)', new SolanaSigner(bs58.encode(Buffer.concat([edSecret, Buffer.from(ed25519.getPublicKey(edSecret))])))],
  ]
  for (const [label, signer] of signers) {
    const items = await makeItems(signer, 64)
    // warm both (JIT, key cache) and check they agree that every item is valid
    for (const b of items) {
      await ours(b)
      await theirs(b)
    }
    for (const inFlight of [1, 32]) {
      const oursRate = await itemsPerSecond(items, ours, inFlight, minMs)
      const theirRate = await itemsPerSecond(items, theirs, inFlight, minMs)
      rows.push(
        row({
          group: 'items',
          name: `decode+verify ${label}, ${inFlight} in flight`,
          value: oursRate,
          unit: 'items/s',
          reference: { name: 'arbundles DataItem.verify', value: theirRate },
        }),
      )
    }
  }

  for (const mb of [1, 10]) {
    const blob = randomBytes(mb * 1024 * 1024)
    const chunk: DeepHashChunk = [new TextEncoder().encode('dataitem'), blob]
    const ref = await mbPerSecond(() => arweaveDeepHash(chunk), blob.length, minMs)
    const sync = await mbPerSecond(() => deepHash(chunk), blob.length, minMs)
    const async = await mbPerSecond(() => deepHashAsync(chunk), blob.length, minMs)
    rows.push(row({ group: 'items', name: `deep hash ${mb} MB, sync (@noble/hashes)`, value: sync, unit: 'MB/s', reference: { name: 'arweave-js deepHash', value: ref } }))
    rows.push(row({ group: 'items', name: `deep hash ${mb} MB, async (WebCrypto)`, value: async, unit: 'MB/s', reference: { name: 'arweave-js deepHash', value: ref } }))
  }
  return rows
}

export default bench
