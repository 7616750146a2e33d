/**
 * Checks tags typed into the send and spawn forms against ANS-104 limits (at most 128 tags,
 * names 1..1024 bytes, values ≤ 3072 bytes) and against the tags the node sets itself.
 */
import type { Tag } from '../node/contract'

export const MAX_TAGS = 128
const encoder = new TextEncoder()

/** Tags the node writes on every item it signs; a form must not override them. */
export const RESERVED_TAGS = ['Data-Protocol', 'Type', 'Variant', 'Module', 'Scheduler', 'SDK'] as const

export function checkTags(tags: Tag[], extraTagCount = 0): string | null {
  if (tags.length + extraTagCount > MAX_TAGS) return `At most ${MAX_TAGS} tags per message (this has ${tags.length + extraTagCount}, including ${extraTagCount} set by aolight).`
  for (const [i, t] of tags.entries()) {
    const where = `Tag ${i + 1}${t.name ? ` "${t.name}"` : ''}`
    const nameBytes = encoder.encode(t.name).length
    if (nameBytes === 0) return `${where}: the name is empty.`
    if (nameBytes > 1024) return `${where}: the name is ${nameBytes} bytes; the limit is 1024.`
    const valueBytes = encoder.encode(t.value).length
    if (valueBytes > 3072) return `${where}: the value is ${valueBytes} bytes; the limit is 3072.`
    if ((RESERVED_TAGS as readonly string[]).includes(t.name)) return `${where}: aolight sets this tag itself.`
  }
  return null
}
