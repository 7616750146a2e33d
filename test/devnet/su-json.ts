/** The SU's JSON shapes (ao servers/su core/json.rs): process record, message/assignment pairs, pages. */
import type { DataItem } from 'arbundles'
import { anchorText, lossyText, ownerOf, targetText, textIfUtf8, type OwnerJson, type Tag } from './data-item'
import { padHeight, type ProcessLog, type ScheduledEntry } from './scheduler-log'

export interface MessageJson {
  id: string
  owner: OwnerJson
  data: string | null
  tags: Tag[]
  signature: string
  anchor: string | null
  target: string
}

export interface AssignmentJson {
  id: string
  owner: OwnerJson
  tags: Tag[]
  signature: string
  anchor: string | null
  target: string
}

export interface NodeJson {
  message: MessageJson | null
  assignment: AssignmentJson
}

export interface PageJson {
  page_info: { has_next_page: boolean }
  edges: { cursor: string; node: NodeJson }[]
}

export interface ProcessJson {
  process_id: string
  block: string
  owner: OwnerJson
  tags: Tag[]
  timestamp: number
  data: string | null
  anchor: string | null
  signature: string
  target: string
}

function messageJson(item: DataItem): MessageJson {
  return {
    id: item.id,
    owner: ownerOf(item),
    data: lossyText(item.rawData),
    tags: item.tags,
    signature: item.signature,
    anchor: anchorText(item),
    target: targetText(item),
  }
}

function assignmentJson(item: DataItem, showAnchor: boolean): AssignmentJson {
  return {
    id: item.id,
    owner: ownerOf(item),
    tags: item.tags,
    signature: item.signature,
    anchor: anchorText(item, showAnchor),
    target: targetText(item),
  }
}

/** `showAnchor`: the request had a `show-anchor` parameter (any value, as the SU's routes read it). */
export function nodeJson(entry: ScheduledEntry, showAnchor = false): NodeJson {
  return { message: entry.message ? messageJson(entry.message) : null, assignment: assignmentJson(entry.assignment, showAnchor) }
}

export function processJson(log: ProcessLog): ProcessJson {
  const first = log.entries[0]
  if (!first) throw new Error(`process ${log.processId} has no nonce-0 assignment`)
  const item = log.process
  return {
    process_id: log.processId,
    block: padHeight(first.blockHeight),
    owner: ownerOf(item),
    tags: item.tags,
    timestamp: first.timestamp,
    data: textIfUtf8(item.rawData),
    anchor: anchorText(item),
    signature: item.signature,
    target: targetText(item),
  }
}
