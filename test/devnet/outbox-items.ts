/**
 * What the MU makes of an evaluation's outbox (ao servers/mu lib/build-tx.js, spawn-process.js;
 * ao-protocol.md §3). Tag order matters: the SU's push dedupe hashes the tags in item order.
 * - Message: the process's tags in their own order minus `Data-Protocol`, `Type`, `From-Process`,
 *   `From-Module`, `Assignments` (so `Variant`, and any `Pushed-For` of the process's own, stay
 *   where they were), then `Data-Protocol: ao`, `Type: Message`, `From-Process`, `From-Module`,
 *   and `Pushed-For` when the cascade has an origin; re-signed by the MU key with Target, Anchor
 *   and Data kept.
 * - Spawn: the tags minus `Data-Protocol`, `Type`, `Variant`, then `Data-Protocol: ao`,
 *   `Type: Process`, `Variant`, `From-Process`, `Pushed-For`, then `Scheduler` (the parent's) if
 *   none was given; `From-Module` values become the parent's module; no anchor, no target.
 */
import type { ArweaveSigner, DataItem } from 'arbundles'
import { signItem, tagValue, type Tag } from './data-item'
import type { OutboxMessage } from './reference-loader'

const MESSAGE_DROPPED = new Set(['Data-Protocol', 'Type', 'From-Process', 'From-Module', 'Assignments'])
const SPAWN_DROPPED = new Set(['Data-Protocol', 'Type', 'Variant'])

export class OutboxError extends Error {
  override readonly name = 'OutboxError'
}

export interface PushOrigin {
  /** The process whose evaluation produced the outbox. */
  processId: string
  /** Its `Module` tag. */
  moduleId: string
  /** The message that started the cascade (`Pushed-For`); absent for cron outboxes. */
  pushedFor?: string
}

/** build-tx.js: the tags of a pushed outbox message, in the reference order. */
export function pushTags(tags: readonly Tag[], origin: PushOrigin): Tag[] {
  return [
    ...tags.filter((t) => !MESSAGE_DROPPED.has(t.name)),
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Type', value: 'Message' },
    { name: 'From-Process', value: origin.processId },
    { name: 'From-Module', value: origin.moduleId },
    ...(origin.pushedFor ? [{ name: 'Pushed-For', value: origin.pushedFor }] : []),
  ]
}

/** spawn-process.js: the tags of a spawned Process item, in the reference order. */
export function spawnTags(tags: readonly Tag[], origin: PushOrigin, variant: string, parentScheduler: string): Tag[] {
  const out: Tag[] = [
    ...tags.filter((t) => !SPAWN_DROPPED.has(t.name)).map((t) => (t.name === 'From-Module' ? { name: t.name, value: origin.moduleId } : t)),
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Type', value: 'Process' },
    { name: 'Variant', value: variant },
    { name: 'From-Process', value: origin.processId },
    ...(origin.pushedFor ? [{ name: 'Pushed-For', value: origin.pushedFor }] : []),
  ]
  if (!tagValue(out, 'Scheduler')) out.push({ name: 'Scheduler', value: parentScheduler })
  return out
}

/** The MU only forwards outbox messages that have all three (build-tx.js). */
export function isForwardable(m: OutboxMessage): m is OutboxMessage & { Target: string; Anchor: string; Tags: Tag[] } {
  return typeof m.Target === 'string' && m.Target !== '' && typeof m.Anchor === 'string' && Array.isArray(m.Tags)
}

export async function pushItem(signer: ArweaveSigner, m: OutboxMessage & { Target: string; Anchor: string; Tags: Tag[] }, origin: PushOrigin): Promise<DataItem> {
  try {
    return await signItem(signer, {
      target: m.Target,
      anchor: m.Anchor,
      data: typeof m.Data === 'string' ? m.Data : '',
      tags: pushTags(m.Tags, origin),
    })
  } catch (e) {
    throw new OutboxError(`outbox message from ${origin.processId} to ${m.Target} cannot be signed: ${(e as Error).message}`, { cause: e })
  }
}

export async function spawnItem(signer: ArweaveSigner, s: OutboxMessage, origin: PushOrigin, parentScheduler: string): Promise<DataItem> {
  const tags = Array.isArray(s.Tags) ? s.Tags : []
  // ao.N.1 stays (mainnet spawns, ao-protocol.md §3); anything else becomes a legacynet process.
  const variant = tagValue(tags, 'Variant') === 'ao.N.1' ? 'ao.N.1' : 'ao.TN.1'
  try {
    // spawn-process.js hands buildAndSign only data and tags: no anchor.
    return await signItem(signer, { data: typeof s.Data === 'string' ? s.Data : '', tags: spawnTags(tags, origin, variant, parentScheduler) })
  } catch (e) {
    throw new OutboxError(`spawn from ${origin.processId} cannot be signed: ${(e as Error).message}`, { cause: e })
  }
}
