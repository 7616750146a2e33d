/**
 * ao items as the reference SDK builds them (ao-protocol.md §5, aoconnect upload-message.js /
 * spawn): protocol tags first (`Data-Protocol: ao`, `Variant: ao.TN.1`, `Type`), then ours
 * (`SDK: aolight`), then the caller's. Every limit is checked here, *before* a wallet is asked to
 * sign, so the person never approves an item the SU would refuse:
 * - tags: at most 128, names ≤ 1024 B, values ≤ 3072 B, none empty (ANS-104 / avro-tags.ts);
 * - the whole serialised item ≤ 10 MiB (the SU's body limit);
 * - target a 43-character id, anchor exactly 32 bytes; no `+link` tags (the SU refuses them).
 */
import { cronIntervalProblem } from '../protocol/cron-interval'
import { assertTagLimits, encodeTags, type ItemInput, type Tag } from '../protocol/ans104'
import { isProtocolError } from '../protocol/errors'
import { signatureTypeInfo } from '../protocol/signature-types'
import { utf8Encode } from '../protocol/bytes'
import { RelayError } from './errors'

export const SDK_TAG: Tag = { name: 'SDK', value: 'aolight' }
export const VARIANT = 'ao.TN.1'
/** The SU refuses request bodies above this (flows.rs write_item). */
export const MAX_ITEM_BYTES = 10 * 1024 * 1024

/** The tags `messageItem` writes before the caller's: a form has 128 less these for its own. */
export const MESSAGE_PROTOCOL_TAGS: readonly Tag[] = [
  { name: 'Data-Protocol', value: 'ao' },
  { name: 'Variant', value: VARIANT },
  { name: 'Type', value: 'Message' },
  SDK_TAG,
]
/** Tag names the builder sets itself (or the network adds to pushed items); a caller giving them would make an ambiguous item. */
export const RESERVED_TAG_NAMES = ['Data-Protocol', 'Variant', 'Type', 'SDK', 'From-Process', 'From-Module', 'Pushed-For'] as const
const RESERVED = new Set<string>(RESERVED_TAG_NAMES)
/** Spawn tags written from the spawn's own fields; as free tags they are refused. */
export const SPAWN_FIELD_TAG_NAMES = ['Module', 'Scheduler', 'Authority', 'Memory-Limit', 'Cron-Interval'] as const
/** Protocol tags of a spawn: Data-Protocol, Variant, Type, Module, Scheduler, SDK. */
const SPAWN_PROTOCOL_TAG_COUNT = 6

/** How many tags `spawnItem` adds to the caller's free tags for these fields (a test holds it to spawnItem). */
export function spawnAddedTagCount(spec: Pick<SpawnSpec, 'authorities' | 'memoryLimit' | 'cron'>): number {
  return SPAWN_PROTOCOL_TAG_COUNT + (spec.authorities?.length ?? 0) + (spec.memoryLimit ? 1 : 0) + (spec.cron ? 1 + spec.cron.tags.length : 0)
}
const ID = /^[A-Za-z0-9_-]{43}$/

export interface MessageSpec {
  target: string
  tags?: readonly Tag[]
  data?: string | Uint8Array
  anchor?: string
}

export interface CronSpec {
  /** `Cron-Interval`, e.g. `10-minutes`, `5-blocks` */
  interval: string
  /** sent as `Cron-Tag-<name>` */
  tags: readonly Tag[]
}

export interface SpawnSpec {
  module: string
  scheduler: string
  /** `Authority` tags (aos trusts messages these wallets forward). */
  authorities?: readonly string[]
  tags?: readonly Tag[]
  data?: string | Uint8Array
  /** `Memory-Limit`, e.g. `1-gb` */
  memoryLimit?: string | null
  cron?: CronSpec | null
}

/** The unsigned input of a message to `spec.target`. */
export function messageItem(spec: MessageSpec): ItemInput {
  checkId(spec.target, 'target')
  const tags: Tag[] = [...MESSAGE_PROTOCOL_TAGS.map((t) => ({ ...t })), ...userTags(spec.tags ?? [])]
  const input: ItemInput = { target: spec.target, tags, data: nonEmpty(spec.data) }
  if (spec.anchor !== undefined) input.anchor = spec.anchor
  return input
}

/** The unsigned input of a `Type: Process` item. */
export function spawnItem(spec: SpawnSpec): ItemInput {
  checkId(spec.module, 'Module')
  checkId(spec.scheduler, 'Scheduler')
  const tags: Tag[] = [
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Variant', value: VARIANT },
    { name: 'Type', value: 'Process' },
    { name: 'Module', value: spec.module },
    { name: 'Scheduler', value: spec.scheduler },
    SDK_TAG,
  ]
  for (const a of spec.authorities ?? []) {
    checkId(a, 'Authority')
    tags.push({ name: 'Authority', value: a })
  }
  if (spec.memoryLimit) {
    if (!/^\d+(\.\d+)?-?(b|kb|mb|gb|tb)$/i.test(spec.memoryLimit)) {
      throw new RelayError('item/invalid', `Memory-Limit "${spec.memoryLimit}" is not a size like "512-mb" or "1-gb"`, { field: 'Memory-Limit' })
    }
    tags.push({ name: 'Memory-Limit', value: spec.memoryLimit })
  }
  if (spec.cron) {
    // Read as the reference CU reads it: refuse what it would reject or never fire (e.g. months).
    const problem = cronIntervalProblem(spec.cron.interval)
    if (problem) {
      throw new RelayError('item/invalid', `Cron-Interval "${spec.cron.interval}": ${problem}; write it like "10-minutes", "30-secs" or "5-blocks"`, { field: 'Cron-Interval' })
    }
    tags.push({ name: 'Cron-Interval', value: spec.cron.interval })
    for (const t of spec.cron.tags) tags.push({ name: `Cron-Tag-${t.name}`, value: t.value })
  }
  const reservedForSpawn = new Set<string>(SPAWN_FIELD_TAG_NAMES)
  for (const t of spec.tags ?? []) {
    if (reservedForSpawn.has(t.name) || t.name.startsWith('Cron-Tag-')) {
      throw new RelayError('item/invalid', `tag "${t.name}" is set from its own field of the spawn, not as a free tag`, { field: t.name })
    }
  }
  tags.push(...userTags(spec.tags ?? []))
  return { tags, data: nonEmpty(spec.data) }
}

/**
 * Checks an item input against the tag limits and the SU's size limit for a signer of
 * `signatureType`. Throws `item/invalid` naming the field; call before asking anyone to sign.
 */
export function checkItemLimits(input: ItemInput, signatureType: number): void {
  const tags = [...(input.tags ?? [])]
  try {
    assertTagLimits(tags)
  } catch (e) {
    if (isProtocolError(e)) throw new RelayError('item/invalid', e.message, { field: 'tags' }, { cause: e })
    throw e
  }
  const link = tags.find((t) => t.name.endsWith('+link'))
  if (link) throw new RelayError('item/invalid', `tag "${link.name}": the SU refuses +link tags`, { field: link.name })
  if (typeof input.target === 'string') checkId(input.target, 'target')
  if (input.anchor !== undefined) {
    const n = typeof input.anchor === 'string' ? utf8Encode(input.anchor).length : input.anchor.length
    if (n !== 32) throw new RelayError('item/invalid', `anchor must be exactly 32 bytes, got ${n}`, { field: 'anchor' })
  }
  const info = signatureTypeInfo(signatureType)
  const dataBytes = typeof input.data === 'string' ? utf8Encode(input.data).length : (input.data?.length ?? 0)
  const size = 2 + info.signatureLength + info.ownerLength + (input.target ? 33 : 1) + (input.anchor ? 33 : 1) + 16 + encodeTags(tags).length + dataBytes
  if (size > MAX_ITEM_BYTES) {
    throw new RelayError('item/invalid', `the signed item would be ${size} bytes; the SU accepts at most ${MAX_ITEM_BYTES} (10 MiB)`, { field: 'data', size, limit: MAX_ITEM_BYTES })
  }
}

/** A fresh 32-character anchor (base64url of 24 random bytes). */
export function randomAnchor(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(24))
  let s = ''
  for (const x of b) s += String.fromCharCode(x)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_')
}

function userTags(tags: readonly Tag[]): Tag[] {
  for (const t of tags) {
    if (typeof t?.name !== 'string' || typeof t.value !== 'string') throw new RelayError('item/invalid', 'every tag needs a string name and value', { field: 'tags' })
    if (RESERVED.has(t.name)) throw new RelayError('item/invalid', `tag "${t.name}" is set by aolight itself and cannot be given`, { field: t.name })
  }
  return tags.map((t) => ({ name: t.name, value: t.value }))
}

// aoconnect sends a single space for empty data: zero-length data items are refused by some bundlers.
function nonEmpty(data: string | Uint8Array | undefined): string | Uint8Array {
  if (data === undefined || data.length === 0) return ' '
  return data
}

function checkId(id: string, field: string): void {
  if (!ID.test(id)) throw new RelayError('item/invalid', `${field} "${id}" is not a 43-character base64url id`, { field })
}
