/**
 * A real signed legacynet-style schedule for SU client tests: the process and its messages are
 * signed by arbundles with the devnet's committed RSA key, the assignments by the devnet SU key,
 * with a real hash chain, rendered as the SU's JSON (json.rs). Timestamps are chosen by the test
 * (so several messages can share a millisecond, as on a busy SU).
 */
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createData, ArweaveSigner, type DataItem } from 'arbundles'
import { hashChainSeed, nextHashChain } from '../../src/protocol/hash-chain'
import { toB64Url } from '../../src/protocol/base64url'
import type { SuAssignment, SuEdge, SuMessage } from '../../src/protocol/su-types'

export const jwk = (name: string) => JSON.parse(readFileSync(new URL(`../devnet/keys/${name}.json`, import.meta.url), 'utf8')) as never
export const suSigner = new ArweaveSigner(jwk('su'))
const wallet = new ArweaveSigner(jwk('wallet-a'))
const addressOf = (owner: Uint8Array) => toB64Url(new Uint8Array(createHash('sha256').update(owner).digest()))
export const SU_ADDRESS = addressOf(suSigner.publicKey)

type Signer = Parameters<typeof createData>[1]
export interface Tag {
  name: string
  value: string
}

export async function signItem(signer: Signer, data: string | Uint8Array, tags: Tag[], target?: string): Promise<DataItem> {
  const item = createData(data, signer, { tags, ...(target && { target }) })
  await item.sign(signer)
  return item
}

/** json.rs rendering: anchor as UTF-8 text, data through lossy UTF-8. */
export function suJson(item: DataItem): SuMessage {
  const owner = new Uint8Array(item.rawOwner)
  const j: SuMessage = { id: item.id, owner: { address: addressOf(owner), key: toB64Url(owner) }, tags: item.tags, signature: toB64Url(new Uint8Array(item.rawSignature)), data: new TextDecoder().decode(item.rawData) }
  if (item.target) j.target = item.target
  return j
}

export function assignmentJson(item: DataItem): SuAssignment {
  const { data: _data, ...rest } = suJson(item)
  return { ...rest, target: '' }
}

export interface SignedLog {
  processId: string
  edges: SuEdge[]
  timestamps: number[]
}

/** Edge n is scheduled at `timestamps[n]`; edge 0 is the process's own assignment. */
export async function buildSignedLog(timestamps: number[]): Promise<SignedLog> {
  const processItem = await signItem(wallet, 'print("boot")', [
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Variant', value: 'ao.TN.1' },
    { name: 'Type', value: 'Process' },
    { name: 'Module', value: 'M'.repeat(43) },
    { name: 'Scheduler', value: SU_ADDRESS },
  ])
  const pid = processItem.id
  const edges: SuEdge[] = []
  let prev: { id: string; chain: string } | undefined
  for (let n = 0; n < timestamps.length; n++) {
    const message =
      n === 0
        ? processItem
        : await signItem(wallet, `message ${n}`, [
            { name: 'Data-Protocol', value: 'ao' },
            { name: 'Type', value: 'Message' },
            { name: 'Action', value: `Step-${n}` },
          ], pid)
    const chain = prev ? nextHashChain(prev.id, prev.chain) : hashChainSeed(pid)
    const assignment = await signItem(suSigner, '', [
      { name: 'Process', value: pid },
      { name: 'Epoch', value: '0' },
      { name: 'Nonce', value: String(n) },
      { name: 'Hash-Chain', value: chain },
      { name: 'Block-Height', value: '000001500000' },
      { name: 'Timestamp', value: String(timestamps[n]) },
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Type', value: 'Assignment' },
      { name: 'Variant', value: 'ao.TN.1' },
      ...(n === 0 ? [] : [{ name: 'Message', value: message.id }]),
    ])
    prev = { id: assignment.id, chain }
    edges.push({ cursor: String(n), node: { message: suJson(message), assignment: assignmentJson(assignment) } })
  }
  return { processId: pid, edges, timestamps }
}
