/**
 * What the reference CU hands to `handle(msg, env)` (ao servers/cu ao-su.js mapNode,
 * evaluate.js removeInvalidTags; ao-protocol.md §2), built from what the devnet SU serves:
 * Owner = the signer's address, From = From-Process tag else Owner, Forwarded-By = the signer
 * when From-Process is present, the `From`/`Owner` tags stripped, and Timestamp, Block-Height,
 * Nonce, Epoch and Hash-Chain taken from the SU assignment.
 */
import type { DataItem } from 'arbundles'
import { anchorText, lossyText, tagValue, type Tag } from './data-item'
import { addressOfOwner } from './keys'
import type { ScheduledEntry } from './scheduler-log'

export interface AoMessage {
  Id: string
  Signature?: string
  Data: string
  Owner: string
  Target: string
  /** null for an item without anchor: the SU serves `anchor: null` (json.rs Option) and mapNode passes it on. */
  Anchor?: string | null
  From: string
  'Forwarded-By'?: string
  Tags: Tag[]
  Epoch?: number
  Nonce?: number
  Timestamp: number
  'Block-Height': number
  'Hash-Chain'?: string
  Cron: boolean
  'Read-Only': boolean
}

export interface AoEnv {
  Process: { Id: string; Owner: string; Tags: Tag[] }
  Module: { Id: string; Owner: string; Tags: Tag[] }
}

export function stripInvalidTags(tags: readonly Tag[]): Tag[] {
  return tags.filter((t) => t.name !== 'From' && t.name !== 'Owner')
}

function fromFields(owner: string, tags: readonly Tag[]): Pick<AoMessage, 'From' | 'Forwarded-By'> {
  const fromProcess = tagValue(tags, 'From-Process')
  return fromProcess ? { From: fromProcess, 'Forwarded-By': owner } : { From: owner }
}

export function scheduledMessage(entry: ScheduledEntry): AoMessage {
  const m = entry.message
  if (!m) throw new Error(`nonce ${entry.nonce} of ${entry.processId} is an assignment of ${entry.messageId}: hydrate it (assignedMessage)`)
  const owner = addressOfOwner(m.owner)
  const tags = m.tags
  return {
    Id: m.id,
    Signature: m.signature,
    Data: lossyText(m.rawData),
    Owner: owner,
    Target: entry.processId,
    // `"Anchor":null` reaches the Wasm as such: the JSON text (and so the Lua heap) differs from
    // `""` or an absent key, and function addresses printed later differ with it.
    Anchor: anchorText(m),
    ...fromFields(owner, tags),
    Tags: stripInvalidTags(tags),
    Epoch: entry.epoch,
    Nonce: entry.nonce,
    Timestamp: entry.timestamp,
    'Block-Height': entry.blockHeight,
    'Hash-Chain': entry.hashChain,
    Cron: false,
    'Read-Only': false,
  }
}

/** What the CU loads from the gateway for an assigned item (GraphQL metadata + `/raw` text). */
export interface ChainItem {
  id: string
  signature: string
  ownerAddress: string
  tags: Tag[]
  /** GraphQL `recipient` ('' when none). */
  recipient: string
  /** GraphQL `anchor` (the devnet gateway renders it base64url). */
  anchor: string
  /** `/raw` bytes read as text (Response.text(): lossy UTF-8). */
  dataText: string
}

/**
 * An assignment of an existing item, hydrated the reference way (hydrateMessages.js
 * loadFromChain merged over the assignment's fields): Id, Signature, Owner (on-chain owner),
 * From (From-Process else Owner), Target = recipient or '', Tags, Anchor and Data (as text)
 * come from the chain; an `Exclude`d field is not loaded (Data stays absent; other fields
 * become undefined, which JSON drops). Timestamp, Block-Height, Nonce, Epoch, Hash-Chain
 * come from the assignment.
 */
export function assignedMessage(entry: ScheduledEntry, chain: ChainItem): AssignedAoMessage {
  const ex = new Set(entry.exclude)
  return {
    Id: chain.id,
    ...(ex.has('Signature') ? {} : { Signature: chain.signature }),
    ...(ex.has('Data') ? {} : { Data: chain.dataText }),
    Owner: chain.ownerAddress,
    Target: chain.recipient || '',
    ...(ex.has('Anchor') ? {} : { Anchor: chain.anchor }),
    From: tagValue(chain.tags, 'From-Process') ?? chain.ownerAddress,
    ...(ex.has('Tags') ? {} : { Tags: stripInvalidTags(chain.tags) }),
    Epoch: entry.epoch,
    Nonce: entry.nonce,
    Timestamp: entry.timestamp,
    'Block-Height': entry.blockHeight,
    'Hash-Chain': entry.hashChain,
    Cron: false,
    'Read-Only': false,
  }
}

/** An assigned message: Data and Tags may be excluded. */
export type AssignedAoMessage = Omit<AoMessage, 'Data' | 'Tags'> & { Data?: string; Tags?: Tag[] }

/** A cron message (loadMessages.js cronMessagesBetweenWith): no Id, Nonce, Hash-Chain or Data. */
export interface AoCronMessage {
  Owner: string
  Target: string
  From: string
  Tags: Tag[]
  Timestamp: number
  'Block-Height': number
  Cron: true
}

export function cronMessage(processId: string, processOwner: string, tick: { tags: Tag[]; timestamp: number; blockHeight: number }): AoCronMessage {
  return {
    Owner: processOwner,
    Target: processId,
    From: processOwner,
    Tags: stripInvalidTags(tick.tags),
    Timestamp: tick.timestamp,
    'Block-Height': tick.blockHeight,
    Cron: true,
  }
}

export function processEnv(process: DataItem, module: { id: string; item: DataItem }): AoEnv {
  return {
    Process: { Id: process.id, Owner: addressOfOwner(process.owner), Tags: process.tags },
    Module: { Id: module.id, Owner: addressOfOwner(module.item.owner), Tags: module.item.tags },
  }
}

/** The body a client posts to `/dry-run` (all optional, like the reference). */
export interface DryRunBody {
  Id?: string
  Signature?: string
  Owner?: string
  Target?: string
  Data?: string
  Tags?: Tag[]
  Anchor?: string
  Timestamp?: number | string
  'Block-Height'?: number | string
}

export function dryRunMessage(body: DryRunBody, processId: string, at: { timestamp: number; blockHeight: number }): AoMessage {
  const owner = body.Owner ?? ''
  const tags = Array.isArray(body.Tags) ? body.Tags : []
  return {
    Id: body.Id ?? '',
    ...(body.Signature !== undefined ? { Signature: body.Signature } : {}),
    Data: body.Data ?? '',
    Owner: owner,
    Target: body.Target ?? processId,
    Anchor: body.Anchor ?? '',
    ...fromFields(owner, tags),
    Tags: stripInvalidTags(tags),
    Timestamp: body.Timestamp !== undefined ? Number(body.Timestamp) : at.timestamp,
    'Block-Height': body['Block-Height'] !== undefined ? Number(body['Block-Height']) : at.blockHeight,
    Cron: false,
    'Read-Only': true,
  }
}
