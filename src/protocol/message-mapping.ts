/**
 * SU edge -> the `msg` and `env` a process's `handle` receives, with the reference CU's rules
 * (ao `servers/cu/src/effects/ao-su.js` mapNode, `domain/lib/evaluate.js` removeInvalidTags,
 * `domain/lib/hydrateMessages.js`; summarised in ao-protocol.md §2):
 * - `Owner` is the signer's *address*, `From` is the `From-Process` tag else the owner,
 *   `Forwarded-By` is the signer when `From-Process` is present;
 * - Epoch, Nonce, Timestamp, Block-Height and Hash-Chain come from the *assignment*;
 *   Target is the assignment's `Process` (the message's own target is not used);
 * - the tags named `From` and `Owner` are removed before evaluation;
 * - forwarded (pushed) messages carry a deep hash of their content with the owner blanked, so a
 *   message cranked twice is evaluated once.
 */
import { deepHash } from './deep-hash'
import { encodeTags } from './ans104'
import { fromB64Url, toB64Url } from './base64url'
import { ProtocolError } from './errors'
import type { SuAssignment, SuEdge, SuMessage } from './su-types'
import { tagValue, type WireTag } from './wire-types'

export type { WireTag }

/**
 * The message a module's `handle` receives, as the reference CU builds it (ao-protocol.md §2).
 * The one definition: the runtime (src/wasm/types.ts) re-exports it. Cron messages have no Id,
 * Nonce or Signature; a dry-run may carry more fields.
 */
export interface AoMessage {
  Id?: string
  Signature?: string
  Data?: string
  Owner?: string
  Target?: string
  /** null when the item has none: the real SU serves `anchor: null` and the reference CU passes it on. */
  Anchor?: string | null
  From?: string
  'Forwarded-By'?: string
  Tags: WireTag[]
  Epoch?: number
  Nonce?: number
  'Block-Height'?: number
  Timestamp?: number
  'Hash-Chain'?: string
  Cron?: boolean
  'Read-Only'?: boolean
  [field: string]: unknown
}

/** A message mapped from the SU log: it always has an Id and says whether it is a cron or read-only. */
export interface MappedMessage extends AoMessage {
  Id: string
  Cron: boolean
  'Read-Only': boolean
}

export interface ScheduledMessage {
  /** The assignment's Nonce: the order of evaluation. */
  ordinate: number
  assignmentId: string
  /** An assignment of an existing transaction (no message body): to be hydrated from the gateway. */
  isAssignment: boolean
  /** `Exclude` tags of an assignment: fields not to hydrate. */
  exclude: string[]
  message: MappedMessage
  /** Set for forwarded messages: base64 deep hash used to skip double-cranked pushes. */
  deepHash?: string
}

/** The `env` a module's `handle` receives (the runtime's `AoEnv` is this type). */
export interface EvaluationEnv {
  Process: { Id: string; Owner: string; Tags: WireTag[] }
  Module: { Id: string; Owner: string; Tags: WireTag[] }
}

/** The address used for `Owner`: computed from the key by the caller (see ownerToAddress). */
export type AddressOf = (item: SuMessage) => string

function parseIntTag(tags: readonly WireTag[], name: string, where: string): number {
  const raw = tagValue(tags, name)
  const n = raw === undefined ? NaN : parseInt(raw, 10)
  if (!Number.isFinite(n)) {
    throw new ProtocolError('log/bad-shape', `assignment ${where}: tag ${name} is missing or not a number (${JSON.stringify(raw)})`)
  }
  return n
}

export function mapFrom(tags: readonly WireTag[], ownerAddress: string): string {
  const fromProcess = tags.find((t) => t.name === 'From-Process')
  return fromProcess && fromProcess.value ? fromProcess.value : ownerAddress
}

export function mapForwardedBy(tags: readonly WireTag[], ownerAddress: string): string | undefined {
  return tags.some((t) => t.name === 'From-Process') ? ownerAddress : undefined
}

/** The tags `From` and `Owner` are not the process's to see: the CU strips them. */
export function removeInvalidTags(tags: readonly WireTag[]): WireTag[] {
  return tags.filter((t) => t.name !== 'From' && t.name !== 'Owner')
}

/** Map one SU edge. `addressOf` turns an item's owner key into its address (EIP-55 for ETH keys). */
export function mapEdge(edge: SuEdge, addressOf: AddressOf): ScheduledMessage {
  const { message, assignment } = edge.node
  const aTags = assignment.tags
  const where = assignment.id
  const nonce = parseIntTag(aTags, 'Nonce', where)
  const base = {
    Epoch: parseIntTag(aTags, 'Epoch', where),
    Nonce: nonce,
    Timestamp: parseIntTag(aTags, 'Timestamp', where),
    'Block-Height': parseIntTag(aTags, 'Block-Height', where),
    'Hash-Chain': tagValue(aTags, 'Hash-Chain'),
  }
  const exclude = aTags.filter((t) => t.name === 'Exclude').flatMap((t) => t.value.split(','))
  if (!message) {
    const assigned = tagValue(aTags, 'Message')
    if (!assigned) throw new ProtocolError('log/bad-shape', `assignment ${where} at nonce ${nonce} has neither a message nor a Message tag`)
    return {
      ordinate: nonce,
      assignmentId: assignment.id,
      isAssignment: true,
      exclude,
      // Target, Owner, Data… come from hydration (the assigned transaction's own metadata).
      message: { Id: assigned, Tags: [], ...base, Cron: false, 'Read-Only': false },
    }
  }
  const owner = addressOf(message)
  const mapped: MappedMessage = {
    Id: message.id,
    Signature: message.signature,
    Data: message.data ?? undefined,
    Owner: owner,
    Target: tagValue(aTags, 'Process'),
    // The reference CU hands the SU's `anchor` through unchanged, so an item without an anchor
    // reaches the module as `"Anchor":null`. Those bytes are part of the message JSON the module
    // stores, so leaving the key out would change the process's memory (found by the devnet fold).
    Anchor: message.anchor ?? null,
    From: mapFrom(message.tags, owner),
    'Forwarded-By': mapForwardedBy(message.tags, owner),
    Tags: removeInvalidTags(message.tags),
    ...base,
    Cron: false,
    'Read-Only': false,
  }
  const scheduled: ScheduledMessage = { ordinate: nonce, assignmentId: assignment.id, isAssignment: false, exclude, message: mapped }
  if (mapped['Forwarded-By']) {
    // Over the *original* tags (only the evaluation copy is stripped), like the reference.
    scheduled.deepHash = forwardedDeepHash({ data: message.data ?? '', tags: message.tags, target: mapped.Target, anchor: message.anchor ?? undefined })
  }
  return scheduled
}

const encoder = new TextEncoder()
const RSA_SIG = 512
const RSA_OWNER = 512

/**
 * The reference CU's dedupe key for pushed messages (hydrateMessages.js calcDataItemDeepHash),
 * base64. It builds an unsigned type-1 item with an *empty* owner through warp-arbundles
 * `createData`, then takes `getSignatureData()`, whose field getters assume the 512-byte owner
 * of type 1. So what gets hashed is the item re-read with every field after the signature
 * shifted by 512 bytes (the "owner" swallows target, anchor, tags and the start of the data).
 * We reproduce exactly that, quirk included, so the same pushes are skipped as on the reference.
 */
export function forwardedDeepHash(fields: { data: string; tags: readonly WireTag[]; target?: string; anchor?: string }): string {
  const target = fields.target ? fromB64Url(fields.target) : undefined
  const anchor = fields.anchor ? encoder.encode(fields.anchor) : undefined
  // createData refuses these, which makes the reference CU fail the evaluation.
  if (target && target.length !== 32) throw new ProtocolError('log/bad-shape', `pushed message target must be 32 bytes, got ${target.length}`)
  if (anchor && anchor.length !== 32) throw new ProtocolError('log/bad-shape', `pushed message anchor must be 32 bytes, got ${anchor.length}`)
  const tagBytes = fields.tags.length > 0 ? encodeTags(fields.tags.map((t) => ({ name: t.name, value: t.value }))) : new Uint8Array(0)
  // warp-arbundles' tag serializer has a 4096-byte buffer: the reference fails beyond it too.
  if (tagBytes.length > 4096) throw new ProtocolError('log/bad-shape', `pushed message tags take ${tagBytes.length} bytes; the reference CU cannot hash more than 4096`)
  const data = encoder.encode(fields.data)

  // The binary createData writes: sigType, zero signature, no owner, target, anchor, tag counts, tags, data.
  const length = 2 + RSA_SIG + (target ? 33 : 1) + (anchor ? 33 : 1) + 16 + tagBytes.length + data.length
  const bin = new Uint8Array(length)
  bin[0] = 1
  let p = 2 + RSA_SIG
  bin[p++] = target ? 1 : 0
  if (target) (bin.set(target, p), (p += 32))
  bin[p++] = anchor ? 1 : 0
  if (anchor) (bin.set(anchor, p), (p += 32))
  writeLong(bin, p, fields.tags.length)
  writeLong(bin, p + 8, tagBytes.length)
  bin.set(tagBytes, p + 16)
  bin.set(data, p + 16 + tagBytes.length)

  // The getters' reading of it, with the type-1 owner length.
  const rawOwner = bin.subarray(2 + RSA_SIG, 2 + RSA_SIG + RSA_OWNER)
  const targetStart = 2 + RSA_SIG + RSA_OWNER
  const targetPresent = bin[targetStart] === 1
  const rawTarget = targetPresent ? bin.subarray(targetStart + 1, targetStart + 33) : new Uint8Array(0)
  const anchorStart = targetStart + (targetPresent ? 33 : 1)
  const anchorPresent = bin[anchorStart] === 1
  const rawAnchor = anchorPresent ? bin.subarray(anchorStart + 1, anchorStart + 33) : new Uint8Array(0)
  const tagsStart = anchorStart + (anchorPresent ? 33 : 1)
  const tagsSize = readLongLenient(bin.subarray(tagsStart + 8, tagsStart + 16))
  const rawTags = bin.subarray(tagsStart + 16, tagsStart + 16 + tagsSize)
  const rawData = bin.subarray(tagsStart + 16 + tagsSize, bin.length)

  const hash = deepHash([encoder.encode('dataitem'), encoder.encode('1'), encoder.encode('1'), rawOwner, rawTarget, rawAnchor, rawTags, rawData])
  return toBase64(hash)
}

function writeLong(bytes: Uint8Array, offset: number, value: number): void {
  for (let i = 0; i < 8; i++) {
    bytes[offset + i] = value % 256
    value = Math.floor(value / 256)
  }
}

/** Little-endian, as a float, over however many bytes are there (the reference's byteArrayToLong). */
function readLongLenient(bytes: Uint8Array): number {
  let value = 0
  for (let i = bytes.length - 1; i >= 0; i--) value = value * 256 + bytes[i]!
  return value
}

/** Standard padded base64 (the reference stores the dedupe key that way). */
function toBase64(bytes: Uint8Array): string {
  const url = toB64Url(bytes)
  return url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (url.length % 4)) % 4)
}

export function buildEnv(process: { id: string; ownerAddress: string; tags: WireTag[] }, module: { id: string; ownerAddress: string; tags: WireTag[] }): EvaluationEnv {
  return {
    Process: { Id: process.id, Owner: process.ownerAddress, Tags: process.tags },
    Module: { Id: module.id, Owner: module.ownerAddress, Tags: module.tags },
  }
}
