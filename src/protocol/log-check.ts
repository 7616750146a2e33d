/**
 * Verifies a process's scheduler log as served in SU JSON, edge by edge, so it can run page by
 * page and resume from a saved state. For each edge, in this order:
 *  1. shape: the assignment has a numeric Nonce, Process, Hash-Chain, and Message (except the
 *     process's own assignment at nonce 0, which has no Message tag);
 *  2. order: nonce = previous + 1 (the first is 0, or the resume point + 1);
 *  3. binding: the assignment's Process tag is this process, its Message tag is the message id;
 *  4. scheduler: the assignment is signed by the expected SU key / address;
 *  5. hash chain (legacynet formula, hash-chain.ts): seed at nonce 0, then chained from the
 *     previous assignment id and hash chain;
 *  6. signatures: the assignment's and the message's ANS-104 signatures, and id = SHA-256(sig).
 *     Items are rebuilt from the JSON: signature type from the owner length (a 32-byte key is
 *     tried as ed25519 (2) then Solana (4)), anchor as UTF-8 (or base64url with `show-anchor`),
 *     data as UTF-8. The SU sends data through `from_utf8_lossy`, so a binary payload cannot be
 *     verified from the JSON: that is `log/unverifiable-data` unless `rawData` can fetch the bytes.
 *
 * A failure throws a ProtocolError with code log/*, `details.nonce` and a precise reason; the
 * state only advances past edges that passed, so what was verified before stays valid.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { verifyDataItem, type SignedFields } from './ans104'
import { ownerToAddress } from './address'
import { fromB64Url, toB64Url } from './base64url'
import { EMPTY_BYTES, utf8Encode } from './bytes'
import { ProtocolError, type ProtocolErrorCode } from './errors'
import { hashChainSeed, nextHashChain } from './hash-chain'
import { signatureTypesForOwnerLength } from './owner-signature-types'
import { oldStructureAssignmentReason, type SuAssignment, type SuEdge, type SuMessage } from './su-types'
import { tagValue, type WireTag } from './wire-types'

/** Where a check stands: the last verified nonce and what the next hash chain builds on. */
export interface LogCheckState {
  /** Last verified nonce; -1 before nonce 0. */
  nonce: number
  lastAssignmentId?: string
  lastHashChain?: string
}

/** The fields `verifyDataItem` (ans104.ts) checks a signature over. */
export type ItemFields = SignedFields
export type ItemVerifier = (fields: ItemFields) => Promise<boolean>

export interface LogCheckOptions {
  processId: string
  /** Expected SU: its wallet address (e.g. the Scheduler tag) and/or its owner key (base64url). */
  scheduler: { address?: string; key?: string }
  /** Continue after a verified prefix (a saved `state`). Default: start at nonce 0. */
  resume?: LogCheckState
  /** Check the hash chain (the reference CU skips processes below block 1,440,000). Default true. */
  hashChain?: boolean
  /** Raw data of a message whose SU JSON data is lossy (e.g. gateway `/raw/{id}`). */
  rawData?: (messageId: string) => Promise<Uint8Array | undefined>
  /**
   * Signature verifier; default ans104.ts `verifyDataItem` (src/compute/verify-pool.ts spreads it
   * over workers). It must not mutate the fields: owner arrays are shared per key (owner cache).
   */
  verify?: ItemVerifier
}

export type VerificationLevel = 'fetched' | 'signed' | 'chained'

export interface EdgeVerdict {
  nonce: number
  assignmentId: string
  /** The scheduled message id (the Message tag; the process id at nonce 0). */
  messageId: string
  assignmentSigned: boolean
  /** false when the SU sent no message (an assignment of an existing tx, to be hydrated). */
  messageSigned: boolean
  /** Nonce continuity and the hash chain link to the previous edge both verified. */
  chained: boolean
  level: VerificationLevel
  /** Why a flag above is false (e.g. "no message body: assignment of an existing transaction"). */
  notes: string[]
}

export interface PageCheck {
  verified: EdgeVerdict[]
  /** The first failure; edges after it were not checked. */
  failure?: ProtocolError
}

export class LogChecker {
  private readonly processId: string
  private readonly scheduler: { address?: string; key?: string }
  private readonly checkChain: boolean
  private readonly rawData: LogCheckOptions['rawData']
  private readonly verify: ItemVerifier
  private current: LogCheckState

  constructor(opts: LogCheckOptions) {
    if (!opts.scheduler.address && !opts.scheduler.key) {
      throw new ProtocolError('log/wrong-scheduler', 'LogChecker needs the expected SU address or key', { processId: opts.processId })
    }
    this.processId = opts.processId
    this.scheduler = opts.scheduler
    this.checkChain = opts.hashChain ?? true
    this.rawData = opts.rawData
    this.verify = opts.verify ?? ((f) => verifyDataItem(f))
    this.current = { ...(opts.resume ?? { nonce: -1 }) }
  }

  /** A copy of the state to persist; pass it as `resume` to continue later. */
  get state(): LogCheckState {
    return { ...this.current }
  }

  /**
   * Checks a page in order, verifying signatures of the whole page concurrently. Stops at the
   * first failure and returns it with the edges verified before it.
   */
  async checkPage(edges: readonly SuEdge[]): Promise<PageCheck> {
    // Start all signature checks now (they are independent); consume them in order.
    const sigs = edges.map((e) => {
      const p = this.signatures(e)
      p.catch(() => undefined) // consumed below; avoid unhandled rejections after an early stop
      return p
    })
    const verified: EdgeVerdict[] = []
    for (let i = 0; i < edges.length; i++) {
      try {
        verified.push(await this.checkOrdered(edges[i]!, edges.slice(i + 1), sigs[i]!))
      } catch (e) {
        if (e instanceof ProtocolError) return { verified, failure: e }
        throw e
      }
    }
    return { verified }
  }

  /** Checks one edge (the next in order); throws ProtocolError log/* on failure. */
  check(edge: SuEdge, lookahead: readonly SuEdge[] = []): Promise<EdgeVerdict> {
    return this.checkOrdered(edge, lookahead, this.signatures(edge))
  }

  private async checkOrdered(edge: SuEdge, lookahead: readonly SuEdge[], sigs: Promise<SignatureResult>): Promise<EdgeVerdict> {
    const a = edge.node.assignment
    const m = edge.node.message
    const nonceText = tagValue(a.tags, 'Nonce')
    const fail = (code: ProtocolErrorCode, reason: string, nonce: number | undefined, extra: Record<string, unknown> = {}): ProtocolError =>
      new ProtocolError(code, `process ${this.processId} nonce ${nonce ?? nonceText ?? '?'} (assignment ${a.id}): ${reason}`, { processId: this.processId, nonce, assignmentId: a.id, ...extra })

    // 0. a pre-aop6 edge (the SU's outer bundle item as assignment) has neither the shape below
    // nor data we could verify it with: say so rather than call it malformed or forged.
    const oldStructure = oldStructureAssignmentReason(a)
    if (oldStructure) throw fail('log/unverifiable-assignment', oldStructure, nonceText !== undefined && /^\d+$/.test(nonceText) ? Number(nonceText) : undefined, { oldStructure: true })

    // 1. shape
    if (nonceText === undefined || !/^\d+$/.test(nonceText)) throw fail('log/bad-shape', `assignment has no numeric Nonce tag (got ${JSON.stringify(nonceText)})`, undefined)
    const nonce = Number(nonceText)
    const processTag = tagValue(a.tags, 'Process')
    const messageTag = tagValue(a.tags, 'Message')
    const chainTag = tagValue(a.tags, 'Hash-Chain')
    if (processTag === undefined) throw fail('log/bad-shape', 'assignment has no Process tag', nonce)
    if (this.checkChain && chainTag === undefined) throw fail('log/bad-shape', 'assignment has no Hash-Chain tag', nonce)

    // 2. order
    const expected = this.current.nonce + 1
    if (nonce !== expected) {
      if (nonce === this.current.nonce) throw fail('log/duplicate', `nonce ${nonce} appears again (already verified); expected ${expected}`, nonce, { expected })
      const later = lookahead.some((e) => tagValue(e.node.assignment.tags, 'Nonce') === String(expected))
      if (nonce < expected || later) {
        throw fail('log/out-of-order', `expected nonce ${expected}, got ${nonce}${later ? ` (nonce ${expected} comes later in the page)` : ''}`, expected, { expected, got: nonce })
      }
      throw fail('log/nonce-gap', `expected nonce ${expected}, got ${nonce}: nonces ${expected}..${nonce - 1} are missing`, expected, { expected, got: nonce })
    }

    // 3. binding to the process and the message
    if (processTag !== this.processId) throw fail('log/assignment-mismatch', `assignment's Process tag is ${processTag}, not this process`, nonce, { field: 'Process' })
    let messageId: string
    if (messageTag !== undefined) {
      if (m && m.id !== messageTag) throw fail('log/assignment-mismatch', `assignment's Message tag ${messageTag} is not the message id ${m.id}`, nonce, { field: 'Message' })
      messageId = messageTag
    } else {
      // Only the process's own assignment (nonce 0) has no Message tag; its message is the process.
      if (nonce !== 0) throw fail('log/bad-shape', 'assignment has no Message tag', nonce)
      if (!m || m.id !== this.processId) throw fail('log/assignment-mismatch', `edge 0 must carry the process ${this.processId} itself, got ${m ? m.id : 'no message'}`, nonce, { field: 'Message' })
      messageId = this.processId
    }

    // 4. scheduler identity
    const key = a.owner.key
    if (this.scheduler.key !== undefined && key !== this.scheduler.key) throw fail('log/wrong-scheduler', `assignment owner key is not the expected SU key`, nonce, { expectedKey: this.scheduler.key })
    const signer = addressOfKey(key)
    if (this.scheduler.address !== undefined && signer !== this.scheduler.address) {
      throw fail('log/wrong-scheduler', `assignment signed by ${signer ?? 'an unreadable key'}, expected SU ${this.scheduler.address}`, nonce, { expected: this.scheduler.address, got: signer })
    }

    // 5. hash chain
    const notes: string[] = []
    let chained = true
    if (this.checkChain) {
      let want: string | undefined
      if (nonce === 0) want = hashChainSeed(this.processId)
      else if (this.current.lastAssignmentId !== undefined && this.current.lastHashChain !== undefined) want = nextHashChain(this.current.lastAssignmentId, this.current.lastHashChain)
      if (want === undefined) {
        // Resumed without the previous link (e.g. a hot start): like the CU, accept the tag as
        // the new anchor but do not call this edge chained.
        chained = false
        notes.push('hash chain not linked: resumed without the previous assignment id and hash chain')
      } else if (want !== chainTag) {
        throw fail('log/hash-chain', `Hash-Chain is ${chainTag}, expected ${want}`, nonce, { expected: want, got: chainTag })
      }
    } else {
      chained = false
      notes.push('hash chain not checked (disabled for this process)')
    }

    // 6. signatures (computed concurrently, reported here in order)
    const sig = await sigs
    if (sig.failure) throw fail(sig.failure.code, sig.failure.reason, nonce, sig.failure.details)
    if (!m) notes.push('no message body: assignment of an existing transaction (verify it after hydration)')

    this.current = { nonce, lastAssignmentId: a.id, ...(chainTag !== undefined && { lastHashChain: chainTag }) }
    const messageSigned = m !== null
    return {
      nonce,
      assignmentId: a.id,
      messageId,
      assignmentSigned: true,
      messageSigned,
      chained,
      level: messageSigned ? (chained ? 'chained' : 'signed') : 'fetched',
      notes,
    }
  }

  /**
   * Verifies both items of an edge, at once; never throws, reports the first failure (the
   * assignment's before the message's, whichever finishes first).
   */
  private async signatures(edge: SuEdge): Promise<SignatureResult> {
    const a = edge.node.assignment
    const m = edge.node.message
    const out: SignatureResult = {}
    try {
      const assignment = this.verifyItem(a, EMPTY_BYTES, 'assignment')
      const message = m ? this.verifyItem(m, utf8Encode(m.data ?? ''), 'message') : undefined
      message?.catch(() => undefined) // awaited below unless the assignment fails first
      const r = await assignment
      if (r.failure) {
        out.failure = r.failure
        return out
      }
      if (m && message) {
        const rm = await message
        if (rm.failure?.code === 'log/message-signature' && (m.data ?? '').includes('\uFFFD')) {
          // Lossy UTF-8: try the raw bytes if we can get them, else say exactly why.
          const raw = this.rawData ? await this.rawData(m.id) : undefined
          const retry = raw ? await this.verifyItem(m, raw, 'message') : undefined
          if (!retry || retry.failure) {
            out.failure = {
              code: 'log/unverifiable-data',
              reason: `message ${m.id} data is not UTF-8: the SU's JSON replaced bytes with U+FFFD, so its signature cannot be checked from the SU${raw ? ', and the raw bytes fetched did not verify either' : '; fetch the raw bytes (gateway /raw/{id}) to verify'}`,
              details: { messageId: m.id },
            }
          }
        } else if (rm.failure) out.failure = rm.failure
      }
    } catch (e) {
      out.failure = { code: 'log/bad-shape', reason: `cannot decode item fields: ${(e as Error).message}`, details: {} }
    }
    return out
  }

  private async verifyItem(item: SuAssignment | SuMessage, data: Uint8Array, role: 'assignment' | 'message'): Promise<{ failure?: SigFailure }> {
    const code: ProtocolErrorCode = role === 'assignment' ? 'log/assignment-signature' : 'log/message-signature'
    const signature = fromB64Url(item.signature)
    const owner = ownerOfKey(item.owner.key).bytes
    const id = toB64Url(await sha256Of(signature))
    if (id !== item.id) return { failure: { code: 'log/item-id', reason: `${role} id ${item.id} is not SHA-256 of its signature (${id})`, details: { role, expected: id } } }
    const types = signatureTypesForOwnerLength(owner.length)
    if (types.length === 0) return { failure: { code, reason: `${role} ${item.id} owner key has ${owner.length} bytes, no verifiable signature type`, details: { role } } }
    const target = item.target ? fromB64Url(item.target) : undefined
    for (const signatureType of types) {
      for (const anchor of anchorCandidates(item.anchor)) {
        const fields: ItemFields = { signatureType, signature, owner, tags: item.tags, data }
        if (target !== undefined) fields.target = target
        if (anchor !== undefined) fields.anchor = anchor
        let ok: boolean
        try {
          ok = await this.verify(fields)
        } catch (e) {
          // Lengths that fit no signature type (item/bad-signature, item/bad-key): not a valid signature.
          return { failure: { code, reason: `${role} ${item.id} cannot be verified: ${(e as Error).message}`, details: { role } } }
        }
        if (ok) return {}
      }
    }
    return { failure: { code, reason: `${role} ${item.id} signature does not verify (owner ${addressOfKey(item.owner.key) ?? '?'}, signature type${types.length > 1 ? 's' : ''} ${types.join('/')})`, details: { role } } }
  }
}

interface SigFailure {
  code: ProtocolErrorCode
  reason: string
  details: Record<string, unknown>
}

interface SignatureResult {
  failure?: SigFailure
}

interface OwnerKey {
  /** The decoded key: one array per key while cached, so per-owner memos (deep hash, CryptoKey) hit. */
  bytes: Uint8Array
  address: string
}

// A log repeats few owners (the SU key signs every assignment): decode and hash each key once.
const OWNER_CACHE_LIMIT = 256
const owners = new Map<string, OwnerKey>()

/** An owner key (base64url) decoded, with its wallet address; throws Base64UrlError when it is not base64url. */
function ownerOfKey(keyB64: string): OwnerKey {
  let hit = owners.get(keyB64)
  if (hit === undefined) {
    const bytes = fromB64Url(keyB64)
    hit = { bytes, address: ownerToAddress(bytes.length === 65 ? 3 : 1, bytes) }
    if (owners.size >= OWNER_CACHE_LIMIT) owners.delete(owners.keys().next().value!)
    owners.set(keyB64, hit)
  }
  return hit
}

/** The wallet address of an owner key (base64url), or undefined when no key has that form. */
function addressOfKey(keyB64: string): string | undefined {
  try {
    return ownerOfKey(keyB64).address
  } catch {
    return undefined
  }
}

/** SHA-256 for item ids: native WebCrypto (a 512-byte RSA signature is 9 blocks of JS hashing otherwise). */
async function sha256Of(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle
  if (!subtle) return sha256(bytes)
  return new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
}

/**
 * The raw anchor bytes the SU's anchor string may stand for: its UTF-8 bytes (the default form),
 * or, when it is base64url of 32 bytes (`show-anchor` on a non-UTF-8 anchor), those bytes.
 */
function anchorCandidates(anchor: string | undefined): (Uint8Array | undefined)[] {
  if (anchor === undefined || anchor === '') return [undefined]
  const out: Uint8Array[] = [utf8Encode(anchor)]
  if (/^[A-Za-z0-9_-]{43}$/.test(anchor)) out.push(fromB64Url(anchor))
  return out
}
