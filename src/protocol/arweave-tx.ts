/**
 * Arweave base-layer (L1) transactions, which an SU can assign to a process (`assign=TX
 * &base-layer`). They are not ANS-104 items: their signature covers other bytes. Facts from
 * arweave-js `Transaction.getSignatureData` (ao-protocol.md §5 for the deep hash):
 *  - format 2: deepHash(["2", owner, target, quantity, reward, last_tx, [[name, value]…],
 *    data_size, data_root]) — strings as UTF-8, ids/keys/tags as raw bytes; the data enters
 *    through `data_root` (arweave-tx-data-root.ts);
 *  - format 1: owner ‖ target ‖ data ‖ quantity ‖ reward ‖ last_tx ‖ (name ‖ value)…;
 * signed RSA-PSS/SHA-256 by the owner (an Arweave wallet); id = SHA-256(signature).
 * The fields come from the node API (`GET /tx/{id}`, all base64url) or from gateway GraphQL
 * (tags as text, anchor = last_tx, fee = reward) plus the downloaded data.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { fromB64Url, toB64Url } from './base64url'
import { concatBytes } from './bytes'
import { deepHash } from './deep-hash'
import { arweaveDataRoot } from './arweave-tx-data-root'
import { SignatureType } from './signature-types'
import { verifySignature } from './signing'
import { arr, obj, ShapeError, str, sub, type Validate } from './wire-types'

export interface L1Tag {
  name: Uint8Array
  value: Uint8Array
}

/** Everything an L1 signature covers, decoded. `data` is the downloaded data. */
export interface L1Transaction {
  format: 1 | 2
  id: string
  owner: Uint8Array
  target: Uint8Array
  quantity: string
  reward: string
  lastTx: Uint8Array
  tags: L1Tag[]
  data: Uint8Array
  /** format 2: the signed size and root; checked against `data`. */
  dataSize?: string
  dataRoot?: Uint8Array
  signature: Uint8Array
}

const utf8 = (s: string) => new TextEncoder().encode(s)

export function l1SignatureData(tx: L1Transaction): Uint8Array {
  if (tx.format === 1) {
    return concatBytes([tx.owner, tx.target, tx.data, utf8(tx.quantity), utf8(tx.reward), tx.lastTx, ...tx.tags.flatMap((t) => [t.name, t.value])])
  }
  return deepHash([
    utf8('2'),
    tx.owner,
    tx.target,
    utf8(tx.quantity),
    utf8(tx.reward),
    tx.lastTx,
    tx.tags.map((t) => [t.name, t.value]),
    utf8(tx.dataSize ?? String(tx.data.length)),
    tx.dataRoot ?? arweaveDataRoot(tx.data),
  ])
}

export type L1Verdict = { ok: true } | { ok: false; reason: string }

/** Id, data (size and root for format 2) and the owner's signature. */
export async function verifyL1Transaction(tx: L1Transaction): Promise<L1Verdict> {
  const id = toB64Url(sha256(tx.signature))
  if (id !== tx.id) return { ok: false, reason: `L1 transaction ${tx.id}: its signature hashes to id ${id}` }
  if (tx.format === 2) {
    if (tx.dataSize !== undefined && tx.dataSize !== String(tx.data.length)) {
      return { ok: false, reason: `L1 transaction ${tx.id}: ${tx.data.length} bytes downloaded, data_size signed is ${tx.dataSize}` }
    }
    if (tx.dataRoot !== undefined) {
      const root = arweaveDataRoot(tx.data)
      if (toB64Url(root) !== toB64Url(tx.dataRoot)) {
        return { ok: false, reason: `L1 transaction ${tx.id}: the downloaded data's root ${toB64Url(root) || '(empty)'} is not the signed data_root ${toB64Url(tx.dataRoot) || '(empty)'}` }
      }
    }
  }
  if (tx.owner.length !== 512) return { ok: false, reason: `L1 transaction ${tx.id}: owner of ${tx.owner.length} bytes is not an RSA-4096 key` }
  const ok = await verifySignature(SignatureType.Arweave, tx.owner, l1SignatureData(tx), tx.signature)
  return ok ? { ok: true } : { ok: false, reason: `L1 transaction ${tx.id}: the owner's signature does not verify over the format ${tx.format} signature data` }
}

/** `GET /tx/{id}` (node API JSON; every binary field base64url, tags included). */
export interface NodeTxJson {
  format: number
  id: string
  last_tx: string
  owner: string
  tags: { name: string; value: string }[]
  target: string
  quantity: string
  data: string
  data_size: string
  data_root: string
  reward: string
  signature: string
}

export const nodeTxJson: Validate<NodeTxJson> = (v, f = '') => {
  const o = obj(v, f)
  const s = (k: string, fallback?: string) => (o[k] === undefined && fallback !== undefined ? fallback : str(o[k], sub(f, k)))
  const format = o.format
  if (format !== 1 && format !== 2) throw new ShapeError(sub(f, 'format'), 'transaction format 1 or 2', format)
  return {
    format,
    id: s('id'),
    last_tx: s('last_tx'),
    owner: s('owner'),
    tags: arr(o.tags, sub(f, 'tags'), (t, tf = '') => {
      const to = obj(t, tf)
      return { name: str(to.name, sub(tf, 'name')), value: str(to.value, sub(tf, 'value')) }
    }),
    target: s('target', ''),
    quantity: s('quantity', '0'),
    data: s('data', ''),
    data_size: s('data_size', '0'),
    data_root: s('data_root', ''),
    reward: s('reward', '0'),
    signature: s('signature'),
  }
}

/** The node API's transaction with the downloaded data (format 1 carries its data inline). */
export function l1FromNodeJson(j: NodeTxJson, data: Uint8Array): L1Transaction {
  const tx: L1Transaction = {
    format: j.format as 1 | 2,
    id: j.id,
    owner: fromB64Url(j.owner),
    target: fromB64Url(j.target),
    quantity: j.quantity,
    reward: j.reward,
    lastTx: fromB64Url(j.last_tx),
    tags: j.tags.map((t) => ({ name: fromB64Url(t.name), value: fromB64Url(t.value) })),
    data: j.format === 1 && j.data ? fromB64Url(j.data) : data,
    signature: fromB64Url(j.signature),
  }
  if (j.format === 2) {
    tx.dataSize = j.data_size
    tx.dataRoot = fromB64Url(j.data_root)
  }
  return tx
}
