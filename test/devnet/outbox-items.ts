/**
 * What the MU makes of an evaluation's outbox (ao servers/mu lib/build-tx.js,
 * spawn-process.js; ao-protocol.md §3): each outbox message with Target, Anchor and Tags
 * becomes a new item re-signed by the MU key, with the process's `Data-Protocol`/`Type`/
 * `From-Process`/`From-Module`/`Pushed-For` tags replaced by the MU's; each spawn becomes a
 * `Type: Process` item (the parent's scheduler fills a missing `Scheduler`).
 */
import type { ArweaveSigner, DataItem } from 'arbundles'
import { signItem, tagValue, type Tag } from './data-item'
import type { OutboxMessage } from './reference-loader'

/** Tags the MU sets itself; a process cannot forge them. */
const MU_TAGS = new Set(['Data-Protocol', 'Type', 'Variant', 'From-Process', 'From-Module', 'Pushed-For', 'Assignments'])

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

function muTags(variant: string, origin: PushOrigin, type: 'Message' | 'Process'): Tag[] {
  return [
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Variant', value: variant },
    { name: 'Type', value: type },
    { name: 'From-Process', value: origin.processId },
    { name: 'From-Module', value: origin.moduleId },
    ...(origin.pushedFor ? [{ name: 'Pushed-For', value: origin.pushedFor }] : []),
  ]
}

/** The MU only forwards outbox messages that have all three (build-tx.js). */
export function isForwardable(m: OutboxMessage): m is OutboxMessage & { Target: string; Anchor: string; Tags: Tag[] } {
  return typeof m.Target === 'string' && m.Target !== '' && typeof m.Anchor === 'string' && Array.isArray(m.Tags)
}

export async function pushItem(signer: ArweaveSigner, m: OutboxMessage & { Target: string; Anchor: string; Tags: Tag[] }, origin: PushOrigin): Promise<DataItem> {
  const own = m.Tags.filter((t) => !MU_TAGS.has(t.name))
  try {
    return await signItem(signer, {
      target: m.Target,
      anchor: m.Anchor,
      data: typeof m.Data === 'string' ? m.Data : '',
      tags: [...own, ...muTags('ao.TN.1', origin, 'Message')],
    })
  } catch (e) {
    throw new OutboxError(`outbox message from ${origin.processId} to ${m.Target} cannot be signed: ${(e as Error).message}`, { cause: e })
  }
}

export async function spawnItem(signer: ArweaveSigner, s: OutboxMessage, origin: PushOrigin, parentScheduler: string): Promise<DataItem> {
  const tags = Array.isArray(s.Tags) ? s.Tags : []
  // ao.N.1 stays (mainnet spawns); anything else becomes a legacynet process.
  const variant = tagValue(tags, 'Variant') === 'ao.N.1' ? 'ao.N.1' : 'ao.TN.1'
  const own = tags.filter((t) => !MU_TAGS.has(t.name))
  if (!tagValue(own, 'Scheduler')) own.push({ name: 'Scheduler', value: parentScheduler })
  try {
    return await signItem(signer, {
      ...(typeof s.Anchor === 'string' && s.Anchor ? { anchor: s.Anchor } : {}),
      data: typeof s.Data === 'string' ? s.Data : '',
      tags: [...own, ...muTags(variant, origin, 'Process')],
    })
  } catch (e) {
    throw new OutboxError(`spawn from ${origin.processId} cannot be signed: ${(e as Error).message}`, { cause: e })
  }
}
