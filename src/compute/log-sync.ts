/**
 * Streams a process's scheduler log into the store, verified. From the verified head + 1, page by
 * nonce; every page goes through the LogChecker (signatures, SU key, nonce continuity, hash chain)
 * and only its verified prefix is appended, in one transaction with the new head. A failure stops
 * at that nonce with the checker's precise reason; everything verified before stays stored.
 *
 * The checker's state needs no table of its own: it is the last stored edge's assignment id and
 * Hash-Chain tag, so a reload resumes the chain exactly where it stopped.
 */
import { LogChecker, type EdgeVerdict, type ItemVerifier, type LogCheckState } from '../protocol/log-check'
import { sharedVerifyPool } from './verify-pool'
import type { ProtocolError } from '../protocol/errors'
import type { SuClient } from '../protocol/su-client'
import type { SuEdge } from '../protocol/su-types'
import { tagValue } from '../protocol/wire-types'
import type { AolightStore, LogRecord } from '../store/index'

/** The reference CU checks hash chains only for processes spawned at or above this height. */
export const HASH_CHAIN_MIN_HEIGHT = 1_440_000

export function checksHashChain(processBlock: string): boolean {
  const n = Number(processBlock)
  return Number.isFinite(n) && n >= HASH_CHAIN_MIN_HEIGHT
}

/** The checker state after the last stored entry (or the start when there is none). */
export function resumeStateFrom(last: LogRecord | undefined): LogCheckState {
  if (!last) return { nonce: -1 }
  const edge = last.edge as SuEdge
  const chain = tagValue(edge.node.assignment.tags, 'Hash-Chain')
  return { nonce: last.nonce, lastAssignmentId: edge.node.assignment.id, ...(chain !== undefined && { lastHashChain: chain }) }
}

export function logEntryOf(edge: SuEdge, v: EdgeVerdict): Omit<LogRecord, 'processId'> {
  const ts = Number(tagValue(edge.node.assignment.tags, 'Timestamp'))
  return { nonce: v.nonce, messageId: v.messageId, timestamp: Number.isFinite(ts) ? ts : 0, level: v.level, edge }
}

export interface SyncTarget {
  processId: string
  /** the Scheduler tag: who must sign assignments */
  scheduler: string
  hashChain: boolean
  rawData?: (messageId: string) => Promise<Uint8Array | undefined>
  /**
   * Signature checks; default: the thread's verify-worker pool where Workers exist (several
   * cores), else `verifyDataItem` on this thread.
   */
  verify?: ItemVerifier
}

export interface SyncProgress {
  /** edges received in this page */
  fetched: number
  /** edges verified and stored in this page */
  verified: number
  head: number
  hasMore: boolean
}

export interface SyncOutcome {
  head: number
  failure?: ProtocolError
}

function checkerFor(t: SyncTarget, resume: LogCheckState): LogChecker {
  const verify = t.verify ?? sharedVerifyPool()?.verify
  return new LogChecker({ processId: t.processId, scheduler: { address: t.scheduler }, resume, hashChain: t.hashChain, ...(t.rawData && { rawData: t.rawData }), ...(verify && { verify }) })
}

/** Fetch, verify and store new log pages until the SU has no more (or a check fails). */
export async function syncLog(
  store: AolightStore,
  su: SuClient,
  target: SyncTarget,
  opts: { pageSize?: number; signal?: AbortSignal; onPage?: (p: SyncProgress) => void } = {},
): Promise<SyncOutcome> {
  const head = await store.log.head(target.processId)
  const last = head >= 0 ? await store.log.get(target.processId, head) : undefined
  const checker = checkerFor(target, resumeStateFrom(last))
  let current = head
  // show-anchor: a real SU signs each assignment with a random 32-byte anchor that its JSON only
  // carries (base64url) when asked; without it no assignment signature can verify.
  for await (const page of su.streamSchedule(target.processId, { startNonce: head + 1, pageSize: opts.pageSize ?? 500, signal: opts.signal, showAnchor: true })) {
    const check = await checker.checkPage(page.edges)
    if (check.verified.length > 0) {
      current = await store.log.appendVerified(target.processId, check.verified.map((v, i) => logEntryOf(page.edges[i]!, v)))
    }
    opts.onPage?.({ fetched: page.edges.length, verified: check.verified.length, head: current, hasMore: page.hasNextPage && !check.failure })
    if (check.failure) return { head: current, failure: check.failure }
  }
  return { head: current }
}

/**
 * Offline re-verification: the whole stored log through a fresh checker, in chunks, from nonce 0.
 * Proves the cache was not altered since it was verified (signatures and chain are recomputed).
 */
export async function reverifyStoredLog(
  store: AolightStore,
  target: SyncTarget,
  opts: { chunk?: number; onChunk?: (verified: number, head: number) => void } = {},
): Promise<SyncOutcome> {
  const head = await store.log.head(target.processId)
  const checker = checkerFor({ ...target, rawData: undefined }, { nonce: -1 })
  const chunk = opts.chunk ?? 500
  const read = (from: number) => store.log.range(target.processId, from, Math.min(head, from + chunk - 1))
  let next = head >= 0 ? read(0) : undefined
  for (let from = 0; from <= head; from += chunk) {
    const entries = await next!
    // Read the next chunk while this one is checked (IndexedDB works off this thread).
    next = from + chunk <= head ? read(from + chunk) : undefined
    next?.catch(() => undefined) // awaited next round unless this chunk fails
    const check = await checker.checkPage(entries.map((e) => e.edge as SuEdge))
    if (check.failure) return { head: checker.state.nonce, failure: check.failure }
    opts.onChunk?.(checker.state.nonce + 1, head)
  }
  return { head }
}
