/**
 * Checks tags typed into the send and spawn forms against ANS-104 limits (at most 128 tags,
 * names 1..1024 bytes, values 1..3072 bytes) and against the tags aolight sets itself, before
 * anything is signed. Tags are numbered as the person sees them in the form (1 = the first row),
 * never counting the protocol tags the item builder writes first.
 */
import type { Tag } from '../node/contract'
import { MAX_TAGS } from '../protocol/avro-tags'
import { MESSAGE_PROTOCOL_TAGS, RESERVED_TAG_NAMES, SPAWN_FIELD_TAG_NAMES } from '../relay/item-builder'

export { MAX_TAGS }
const encoder = new TextEncoder()

/** Tags the item builder writes on every message (counted against the 128-tag limit). */
export const MESSAGE_ADDED_TAG_COUNT = MESSAGE_PROTOCOL_TAGS.length

/** Tags the node writes (or the network adds to pushed items); a form must not give them. */
export const RESERVED_TAGS: readonly string[] = RESERVED_TAG_NAMES
/** Tags a spawn writes from its own fields (module, scheduler, memory limit, cron). */
export const SPAWN_RESERVED_TAGS: readonly string[] = SPAWN_FIELD_TAG_NAMES.filter((n) => n !== 'Authority')

export interface TagCheckOptions {
  /** tags aolight adds to these (they count against the 128-tag limit) */
  added?: number
  /** what a row is called in messages: "Tag" (default) or e.g. "Cron tag" */
  label?: string
  /** further names this form sets from its own fields */
  reserved?: readonly string[]
}

/** A tag problem and where it is: the 0-based row and the input (null: the whole list). */
export interface TagProblem {
  text: string
  index: number | null
  part: 'name' | 'value' | null
}

export function checkTags(tags: readonly Tag[], opts: TagCheckOptions = {}): string | null {
  return findTagProblem(tags, opts)?.text ?? null
}

/** As checkTags, with the row and input to mark invalid and focus. */
export function findTagProblem(tags: readonly Tag[], opts: TagCheckOptions = {}): TagProblem | null {
  const added = opts.added ?? 0
  const label = opts.label ?? 'Tag'
  if (tags.length + added > MAX_TAGS) {
    const text = `Too many tags: ${tags.length} here and ${added} that aolight adds make ${tags.length + added}; an item may have at most ${MAX_TAGS}, so remove ${tags.length + added - MAX_TAGS}.`
    return { text, index: null, part: null }
  }
  for (const [i, t] of tags.entries()) {
    const where = `${label} ${i + 1}${t.name ? ` (${t.name})` : ''}`
    const at = (part: 'name' | 'value', text: string): TagProblem => ({ text: `${where}: ${text}`, index: i, part })
    const nameBytes = encoder.encode(t.name).length
    if (nameBytes === 0) return at('name', 'the name is empty.')
    if (nameBytes > 1024) return at('name', `the name is ${nameBytes} bytes; the limit is 1024.`)
    const valueBytes = encoder.encode(t.value).length
    if (valueBytes === 0) return at('value', 'the value is empty.')
    if (valueBytes > 3072) return at('value', `the value is ${valueBytes} bytes; the limit is 3072.`)
    if (RESERVED_TAGS.includes(t.name)) return at('name', 'aolight sets this tag itself.')
    if (opts.reserved?.includes(t.name) || (opts.reserved && t.name.startsWith('Cron-Tag-'))) return at('name', 'this tag is set by its own field of the form.')
  }
  return null
}
