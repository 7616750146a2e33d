/**
 * When to take a snapshot (pure; the compute worker feeds it events). A snapshot is due after
 * `everyMessages` evaluations or `everyMs` since the last one, when the process goes idle with
 * unsaved evaluations, and on close. Never when nothing was evaluated since the last snapshot.
 */
export interface SnapshotPolicyConfig {
  everyMessages: number
  everyMs: number
  /** idle time after which pending evaluations are snapshotted */
  idleMs: number
}

export const DEFAULT_SNAPSHOT_POLICY: SnapshotPolicyConfig = { everyMessages: 500, everyMs: 60_000, idleMs: 2_000 }

export interface PolicyState {
  /** evaluations since the last snapshot */
  sinceMessages: number
  /** clock (ms) of the last snapshot, or of the start when none was taken */
  lastAt: number
  /** clock of the last evaluation */
  lastEvalAt: number
}

export type PolicyEvent =
  | { type: 'evaluated'; at: number; count?: number }
  | { type: 'tick'; at: number }
  | { type: 'close'; at: number }
  | { type: 'snapshotted'; at: number }

export type SnapshotReason = 'messages' | 'time' | 'idle' | 'close'

export interface PolicyDecision {
  state: PolicyState
  /** take a snapshot now, and why; null when not due */
  snapshot: SnapshotReason | null
}

export function initialPolicyState(at: number): PolicyState {
  return { sinceMessages: 0, lastAt: at, lastEvalAt: at }
}

export function validatePolicy(c: SnapshotPolicyConfig): SnapshotPolicyConfig {
  for (const k of ['everyMessages', 'everyMs', 'idleMs'] as const) {
    if (!Number.isFinite(c[k]) || c[k] <= 0) throw new RangeError(`snapshot policy: ${k} must be a positive number, got ${String(c[k])}`)
  }
  return c
}

export function decideSnapshot(config: SnapshotPolicyConfig, s: PolicyState, ev: PolicyEvent): PolicyDecision {
  switch (ev.type) {
    case 'snapshotted':
      return { state: { sinceMessages: 0, lastAt: ev.at, lastEvalAt: s.lastEvalAt }, snapshot: null }
    case 'evaluated': {
      const state = { ...s, sinceMessages: s.sinceMessages + (ev.count ?? 1), lastEvalAt: ev.at }
      if (state.sinceMessages >= config.everyMessages) return { state, snapshot: 'messages' }
      if (ev.at - s.lastAt >= config.everyMs) return { state, snapshot: 'time' }
      return { state, snapshot: null }
    }
    case 'tick': {
      if (s.sinceMessages === 0) return { state: s, snapshot: null }
      if (ev.at - s.lastAt >= config.everyMs) return { state: s, snapshot: 'time' }
      if (ev.at - s.lastEvalAt >= config.idleMs) return { state: s, snapshot: 'idle' }
      return { state: s, snapshot: null }
    }
    case 'close':
      return { state: s, snapshot: s.sinceMessages > 0 ? 'close' : null }
  }
}
