/**
 * The SU's dedupe key for pushes (ao servers/su core/bytes.rs `DataItem::deep_hash`, called by
 * the write path for items that carry a `From-Process` tag; a repeat is refused with "Deep hash
 * already exists"):
 *   deepHash(["dataitem", "1", "1", <empty owner>, raw target, raw anchor,
 *             avro(tags without `Pushed-For`, in item order), raw data])  → base64url
 * The signature type is always "1" and the owner is blanked, so two MUs' signed copies of the same
 * outbox message collide; everything else, tag order included, must be equal. (Newer SU builds can
 * sort the tags by name then value first, selected per process by a "deep hash version"; the
 * write path we can read calls the unsorted form, which is the stricter one.)
 * Not the CU's push hash (src/protocol forwardedDeepHash), which hashes a differently laid-out item.
 */
import type { DataItem } from 'arbundles'
import { deepHash } from '../../src/protocol/deep-hash'
import { encodeTags } from '../../src/protocol/avro-tags'
import { toB64Url } from '../../src/protocol/base64url'
import { tagValue } from './data-item'

const utf8 = (s: string) => new TextEncoder().encode(s)

/** The SU deep hash of a push, or undefined when the item has no `From-Process` (not deduplicated). */
export function pushDeepHash(item: DataItem): string | undefined {
  if (!tagValue(item.tags, 'From-Process')) return undefined
  const tags = item.tags.filter((t) => t.name !== 'Pushed-For')
  const hash = deepHash([utf8('dataitem'), utf8('1'), utf8('1'), new Uint8Array(0), item.rawTarget, item.rawAnchor, encodeTags(tags), item.rawData])
  return toB64Url(hash)
}
