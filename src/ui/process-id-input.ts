/**
 * What a person pastes into "Open a process": a bare id, an app link (`#/process/<id>`, the whole
 * address-bar URL) or another explorer's link (`https://ao.link/#/entity/<id>`). The id is the
 * first 43-character base64url segment of the hash route, else of the path.
 */
import { checkAoId } from '../node/contract'

const ID_SEGMENT = /^[A-Za-z0-9_-]{43}$/

export type IdFromInput = { ok: true; id: string } | { ok: false; reason: string }

/** Ids among `/`-, `?`-, `&`- and `=`-separated segments of `part`, in order. */
function idsIn(part: string): string[] {
  return part.split(/[/?&=#]/).filter((s) => ID_SEGMENT.test(s))
}

export function processIdFromInput(text: string): IdFromInput {
  const t = text.trim()
  // No link punctuation: a bare id, with checkAoId's precise character/length reasons.
  if (!/[/#:?]/.test(t)) return checkAoId(t, 'process id')
  const hashAt = t.indexOf('#')
  const hash = hashAt >= 0 ? t.slice(hashAt + 1) : ''
  let beforeHash = hashAt >= 0 ? t.slice(0, hashAt) : t
  // Only the path of a full URL: its host is never an id.
  try {
    beforeHash = new URL(beforeHash).pathname + new URL(beforeHash).search
  } catch {
    /* a relative link or a bare route */
  }
  const id = idsIn(hash)[0] ?? idsIn(beforeHash)[0]
  if (id) return { ok: true, id }
  const shown = t.length > 80 ? `${t.slice(0, 77)}…` : t
  return {
    ok: false,
    reason: `No 43-character process id in "${shown}". Paste a process id, or a link whose path or #-route holds one (like #/process/<id>).`,
  }
}
