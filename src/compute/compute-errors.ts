/**
 * Typed errors of the compute unit, and the one mapping from any failure below it (protocol,
 * store, runtime) to the client contract's `NodeErrorInfo` — what crosses the worker boundary.
 */
import type { NodeErrorCode, NodeErrorInfo } from '../node/contract'
import { ProtocolError } from '../protocol/errors'
import { StoreError } from '../store/errors'
import { RuntimeError } from '../wasm/types'

export type ComputeErrorCode =
  /** the module's bytes do not verify against its signed data item (`details.moduleId`) */
  | 'module/tampered'
  /** the gateway knows no such module, or has no signature for it */
  | 'module/not-found'
  /** the SU has no such process, or its record is not an ao Process */
  | 'process/not-found'
  | 'process/not-ao'
  /** offline and nothing cached for this process */
  | 'compute/offline-no-cache'
  /** the service was closed while a call was pending */
  | 'compute/closed'
  /** the runtime could not evaluate a message at all (worker lost, module broken) */
  | 'compute/evaluation'
  /**
   * a message's WeaveDrive read failed because the gateway is down / 5xx / silent (not a 404):
   * evaluation stops before that message (`details.nonce`, `txId`, `gateway`) and retries later,
   * because storing an Error result would diverge for good from CUs whose gateway was up
   */
  | 'compute/data-unavailable'

export class ComputeError extends Error {
  override readonly name = 'ComputeError'
  constructor(
    readonly code: ComputeErrorCode,
    message: string,
    readonly details: Record<string, string | number | boolean | null> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

type Details = NodeErrorInfo['details']

/** Only JSON scalars survive in the contract's details; objects are dropped, not stringified blindly. */
function scalarDetails(d: Record<string, unknown>): Details {
  const out: Details = {}
  for (const [k, v] of Object.entries(d)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v
  }
  return out
}

const info = (code: NodeErrorCode, message: string, details: Details = {}): NodeErrorInfo => ({ code, message, details })

/** `details.check` of the error a process stops with when its cache was cleared under it. */
export const CACHE_CLEARED_CHECK = 'store/cache-cleared'

/** `details.check` of the warning saying why a process is shown from its cache (no answer, or the network forgot it). */
export const CACHED_COPY_CHECK = 'cached-copy'

export function isCachedCopyWarning(w: NodeErrorInfo): boolean {
  return w.details['check'] === CACHED_COPY_CHECK
}

/** Maps any thrown value to the contract's closed error set, keeping the precise message. */
export function toNodeErrorInfo(e: unknown): NodeErrorInfo {
  if (e instanceof ComputeError) {
    const d = scalarDetails(e.details)
    switch (e.code) {
      case 'module/tampered':
        return info('process/verification-failed', e.message, { ...d, check: 'module/tampered' })
      case 'module/not-found':
      case 'process/not-found':
      case 'process/not-ao':
        return info('process/not-found', e.message, { ...d, check: e.code })
      case 'compute/offline-no-cache':
        return info('network/unreachable', e.message, { ...d, check: e.code })
      case 'compute/closed':
        return info('process/closed', e.message, d)
      case 'compute/evaluation':
        return info('process/evaluation-failed', e.message, d)
      case 'compute/data-unavailable':
        return info('network/unreachable', e.message, { ...d, check: e.code })
    }
  }
  if (e instanceof ProtocolError) {
    const d = scalarDetails(e.details)
    if (e.code === 'su/hyperbeam-unsupported') return info('process/unsupported', e.message, { ...d, check: e.code })
    if (e.code.startsWith('log/') || e.code === 'su/bad-page') return info('process/verification-failed', e.message, { ...d, check: e.code })
    if (e.code === 'http/network' || e.code === 'http/timeout') return info('network/unreachable', e.message, { ...d, check: e.code })
    if (e.code === 'http/not-found') return info('process/not-found', e.message, { ...d, check: e.code })
    if (e.code.startsWith('http/') || e.code === 'cu/busy') return info('network/status', e.message, { ...d, check: e.code })
    if (e.code.startsWith('locate/')) return info('process/not-found', e.message, { ...d, check: e.code })
    return info('process/verification-failed', e.message, { ...d, check: e.code })
  }
  if (e instanceof StoreError) {
    const d = scalarDetails(e.details)
    if (e.code === 'store/quota') return info('storage/quota', e.message, { ...d, check: e.code })
    // The process record vanished under an open process: its cache was cleared (another tab, or
    // Settings) while this one ran. Not a browser limitation: re-opening re-verifies it.
    if (e.code === 'store/not-found' && typeof d['processId'] === 'string') {
      return info('process/closed', `The cache of process ${d['processId']} was cleared while it was open (in another tab or in Settings): ${e.message}`, { ...d, check: CACHE_CLEARED_CHECK })
    }
    return info('storage/unsupported', e.message, { ...d, check: e.code })
  }
  if (e instanceof RuntimeError) {
    if (e.code === 'runtime/unsupported-format') return info('process/module-unsupported', e.message, { check: e.code })
    return info('process/evaluation-failed', e.message, { check: e.code })
  }
  if (e instanceof Error) return info('process/evaluation-failed', `${e.name}: ${e.message}`, {})
  return info('process/evaluation-failed', String(e), {})
}

/** Whether a failure means "the network is not there" (as opposed to a wrong answer). */
export function isNetworkFailure(e: unknown): boolean {
  return e instanceof ProtocolError && (e.code === 'http/network' || e.code === 'http/timeout')
}
