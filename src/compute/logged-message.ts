/**
 * Stored log entries and results -> the contract's `LoggedMessage` (what the UI lists). Pure.
 */
import type { JsonValue, LoggedMessage, MessageResult, OutboxItem, Verification } from '../node/contract'
import { mapEdge, type MappedMessage } from '../protocol/message-mapping'
import type { SuEdge } from '../protocol/su-types'
import type { LogRecord, ResultRecord } from '../store/index'
import { cronResultId } from './pipeline-types'
import { addressOfKey } from './process-loader'

function outbox(v: unknown): OutboxItem[] {
  return Array.isArray(v) ? (v as OutboxItem[]) : []
}

/** The module's raw response as the CU result shape (`Error` only when present, unchanged). */
export function toMessageResult(raw: unknown): MessageResult {
  const r = (raw ?? {}) as Record<string, unknown>
  const out: MessageResult = {
    Output: r.Output ?? '',
    Messages: outbox(r.Messages),
    Spawns: outbox(r.Spawns),
    Assignments: Array.isArray(r.Assignments) ? (r.Assignments as MessageResult['Assignments']) : [],
  }
  // Error as the module gave it (a string, or any JSON value): the reference CU reports it unchanged.
  if (r.Error !== undefined && r.Error !== null) out.Error = r.Error as JsonValue
  if (typeof r.GasUsed === 'number') out.GasUsed = r.GasUsed
  return out
}

export function verificationOf(log: Pick<LogRecord, 'level'>, result: ResultRecord | undefined): Verification {
  if (result) return { level: 'computed' }
  return { level: log.level === 'agreed' || log.level === 'computed' ? 'chained' : log.level }
}

const ownerOf = (m: { owner: { key: string } }) => addressOfKey(m.owner.key)

/** The mapped `msg` of a stored entry (what the process sees), or undefined if it cannot be mapped. */
export function mappedOf(log: LogRecord): MappedMessage | undefined {
  try {
    return mapEdge(log.edge as SuEdge, ownerOf).message
  } catch {
    return undefined
  }
}

export function toLoggedMessage(log: LogRecord, result: ResultRecord | undefined): LoggedMessage {
  const m = mappedOf(log)
  const out: LoggedMessage = {
    id: log.messageId,
    nonce: log.nonce,
    timestamp: log.timestamp,
    blockHeight: m?.['Block-Height'] ?? 0,
    from: m?.From ?? '',
    owner: m?.Owner ?? '',
    tags: m?.Tags ?? [],
    cron: false,
    verification: verificationOf(log, result),
  }
  if (result) out.result = toMessageResult(result.result)
  return out
}

/** A cron evaluation (no log entry of its own). */
export function cronLoggedMessage(result: ResultRecord, msg: { Owner?: string; Tags?: { name: string; value: string }[]; 'Block-Height'?: number } | undefined): LoggedMessage {
  return {
    id: result.messageId ?? cronResultId(result.nonce, result.cron),
    nonce: null,
    timestamp: result.timestamp,
    blockHeight: msg?.['Block-Height'] ?? 0,
    from: msg?.Owner ?? '',
    owner: msg?.Owner ?? '',
    tags: msg?.Tags ?? [],
    cron: true,
    verification: { level: 'computed' },
    result: toMessageResult(result.result),
  }
}
