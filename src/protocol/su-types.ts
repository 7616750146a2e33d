/**
 * JSON shapes served by a legacynet Scheduler Unit (ao `servers/su/src/domain/core/json.rs`,
 * ao-protocol.md §1) and their validators. Rust `Option<String>` fields arrive as null or are
 * absent; the validators turn both into `undefined`.
 */
import { hyperbeamNodeReason, hyperbeamPageReason, hyperbeamUnsupported } from './hb-schedule-format'
import { arr, bool, intLike, obj, optStr, owner, str, sub, tags, type Validate, type WireOwner, type WireTag } from './wire-types'

/** A message as the SU serves it. `data` went through `String::from_utf8_lossy` (binary is lost). */
export interface SuMessage {
  id: string
  owner: WireOwner
  tags: WireTag[]
  signature: string
  /** UTF-8 decoding of the raw anchor; base64url when asked with `show-anchor` and not UTF-8. */
  anchor?: string
  target?: string
  data?: string
}

/** The SU-signed assignment (ANS-104 item, empty data) that orders a message. */
export interface SuAssignment {
  id: string
  owner: WireOwner
  tags: WireTag[]
  signature: string
  anchor?: string
  target?: string
}

export interface SuEdge {
  /** Nonce in nonce mode, assignment Timestamp (ms) in timestamp mode. */
  cursor: string
  /** `message` is null for an assignment of an existing transaction. */
  node: { message: SuMessage | null; assignment: SuAssignment }
}

export interface SuPage {
  hasNextPage: boolean
  edges: SuEdge[]
}

/** `GET /processes/{pid}` (ProcessInner). `data` is null when the process data is not UTF-8. */
export interface SuProcess {
  processId: string
  /** Block height the SU recorded, as it sent it (a string). */
  block: string
  owner: WireOwner
  tags: WireTag[]
  timestamp: number
  data?: string
  anchor?: string
  signature?: string
  target?: string
  /** The process's own assignment (Nonce 0), when the SU nests it as `{process, assignment}`. */
  assignment?: SuAssignment
}

export interface SuTimestamp {
  timestamp: number
  blockHeight: number
}

export const suMessage: Validate<SuMessage> = (v, f = '') => {
  const o = obj(v, f)
  return dropUndefined({
    id: str(o.id, sub(f, 'id')),
    owner: owner(o.owner, sub(f, 'owner')),
    tags: tags(o.tags, sub(f, 'tags')),
    signature: str(o.signature, sub(f, 'signature')),
    anchor: optStr(o.anchor, sub(f, 'anchor')),
    target: optStr(o.target, sub(f, 'target')),
    data: optStr(o.data, sub(f, 'data')),
  })
}

export const suAssignment: Validate<SuAssignment> = (v, f = '') => {
  const o = obj(v, f)
  return dropUndefined({
    id: str(o.id, sub(f, 'id')),
    owner: owner(o.owner, sub(f, 'owner')),
    tags: tags(o.tags, sub(f, 'tags')),
    signature: str(o.signature, sub(f, 'signature')),
    anchor: optStr(o.anchor, sub(f, 'anchor')),
    target: optStr(o.target, sub(f, 'target')),
  })
}

export const suEdge: Validate<SuEdge> = (v, f = '') => {
  const o = obj(v, f)
  const node = obj(o.node, sub(f, 'node'))
  const cursor = o.cursor
  return {
    // Some SUs (HyperBEAM aos-2 format) send the slot cursor as a number.
    cursor: typeof cursor === 'number' ? String(cursor) : str(cursor, sub(f, 'cursor')),
    node: {
      message: node.message === null || node.message === undefined ? null : suMessage(node.message, sub(sub(f, 'node'), 'message')),
      assignment: suAssignment(node.assignment, sub(sub(f, 'node'), 'assignment')),
    },
  }
}

export const suPage: Validate<SuPage> = (v, f = '') => {
  const o = obj(v, f)
  const hb = hyperbeamPageReason(o)
  if (hb) throw hyperbeamUnsupported(hb, 'the schedule page:')
  const info = obj(o.page_info, sub(f, 'page_info'))
  return {
    hasNextPage: bool(info.has_next_page, sub(sub(f, 'page_info'), 'has_next_page')),
    edges: arr(o.edges, sub(f, 'edges'), suEdge),
  }
}

/**
 * The reference CU reads the record flat (`ao-su.js` loadProcessWith); json.rs also defines a
 * nested `{process, assignment}` form. Accept both.
 */
export const suProcess: Validate<SuProcess> = (v, f = '') => {
  const outer = obj(v, f)
  const nested = typeof outer.process === 'object' && outer.process !== null
  const o = nested ? obj(outer.process, sub(f, 'process')) : outer
  if (nested) f = sub(f, 'process')
  const assignment = nested && outer.assignment != null ? suAssignment(outer.assignment, 'assignment') : undefined
  return dropUndefined({
    assignment,
    processId: str(o.process_id, sub(f, 'process_id')),
    block: typeof o.block === 'number' ? String(o.block) : str(o.block, sub(f, 'block')),
    owner: owner(o.owner, sub(f, 'owner')),
    tags: tags(o.tags, sub(f, 'tags')),
    timestamp: intLike(o.timestamp, sub(f, 'timestamp')),
    data: optStr(o.data, sub(f, 'data')),
    anchor: optStr(o.anchor, sub(f, 'anchor')),
    signature: optStr(o.signature, sub(f, 'signature')),
    target: optStr(o.target, sub(f, 'target')),
  })
}

/** `GET /timestamp`: both values are strings on the wire, the height zero-padded to 12 digits. */
export const suTimestamp: Validate<SuTimestamp> = (v, f = '') => {
  const o = obj(v, f)
  return { timestamp: intLike(o.timestamp, sub(f, 'timestamp')), blockHeight: intLike(o.block_height, sub(f, 'block_height')) }
}

/** A single message read by id: `{message, assignment}` (json.rs `Message`). */
export const suMessageWithAssignment: Validate<SuEdge['node']> = (v, f = '') => {
  const o = obj(v, f)
  const hb = hyperbeamNodeReason(o)
  if (hb) throw hyperbeamUnsupported(hb, 'the message read:')
  return {
    message: o.message === null || o.message === undefined ? null : suMessage(o.message, sub(f, 'message')),
    assignment: suAssignment(o.assignment, sub(f, 'assignment')),
  }
}

/** exactOptionalPropertyTypes-friendly: absent fields stay absent instead of `undefined`. */
function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k]
  return o
}

/**
 * Old-structure (pre-aop6) legacynet edges: the SU stored one signed bundle item whose *own*
 * tags carry the protocol fields (Epoch, Nonce, …) and whose data is the bundle holding the
 * message, and serves that outer item as the assignment (servers/su json.rs Message::from_bytes,
 * branch where `Epoch` is a top-level tag). Its signature covers the bundle bytes, which the JSON
 * omits, so it cannot be verified from the SU's JSON: it is unverifiable, not forged. Such an item
 * is recognised by the bundle tags (`Bundle-Format`/`Bundle-Version`) that a current assignment
 * (an empty-data item, builder.rs gen_assignment) never has. Returns why, or undefined.
 */
export function oldStructureAssignmentReason(a: SuAssignment): string | undefined {
  const bundleTags = a.tags.filter((t) => t.name === 'Bundle-Format' || t.name === 'Bundle-Version')
  if (bundleTags.length === 0 || !a.tags.some((t) => t.name === 'Epoch')) return undefined
  return `assignment ${a.id} is an old-structure (pre-aop6) SU bundle item (${bundleTags.map((t) => `${t.name}: ${t.value}`).join(', ')}, Epoch at top level): its signature covers the bundle holding the message, which the SU's JSON does not include, so it cannot be verified from the SU`
}
