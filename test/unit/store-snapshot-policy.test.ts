import { describe, expect, it } from 'vitest'
import { decideSnapshot, initialPolicyState, validatePolicy, type PolicyState, type SnapshotPolicyConfig } from '../../src/store/snapshot-policy'

const cfg: SnapshotPolicyConfig = { everyMessages: 3, everyMs: 10_000, idleMs: 1_000 }

function run(events: Parameters<typeof decideSnapshot>[2][], s: PolicyState = initialPolicyState(0)) {
  const out: (string | null)[] = []
  for (const ev of events) {
    const d = decideSnapshot(cfg, s, ev)
    out.push(d.snapshot)
    s = d.state
    if (d.snapshot) s = decideSnapshot(cfg, s, { type: 'snapshotted', at: ev.at }).state
  }
  return out
}

describe('snapshot policy', () => {
  it('snapshots every N messages', () => {
    expect(run([1, 2, 3, 4, 5, 6, 7].map((at) => ({ type: 'evaluated' as const, at })))).toEqual([null, null, 'messages', null, null, 'messages', null])
  })
  it('counts batches', () => {
    expect(run([{ type: 'evaluated', at: 1, count: 5 }])).toEqual(['messages'])
  })
  it('snapshots after T ms with pending messages, on the next evaluation or tick', () => {
    expect(run([{ type: 'evaluated', at: 100 }, { type: 'evaluated', at: 10_000 }])).toEqual([null, 'time'])
    expect(run([{ type: 'evaluated', at: 100 }, { type: 'tick', at: 500 }, { type: 'tick', at: 10_050 }])).toEqual([null, null, 'time'])
  })
  it('snapshots on idle only when something is unsaved', () => {
    expect(run([{ type: 'tick', at: 5_000 }])).toEqual([null])
    expect(run([{ type: 'evaluated', at: 100 }, { type: 'tick', at: 900 }, { type: 'tick', at: 1_100 }, { type: 'tick', at: 5_000 }])).toEqual([null, null, 'idle', null])
  })
  it('time wins over idle when both are due', () => {
    expect(run([{ type: 'evaluated', at: 9_500 }, { type: 'tick', at: 10_600 }])).toEqual([null, 'time'])
  })
  it('snapshots on close only when something is unsaved', () => {
    expect(run([{ type: 'close', at: 1 }])).toEqual([null])
    expect(run([{ type: 'evaluated', at: 1 }, { type: 'close', at: 2 }])).toEqual([null, 'close'])
  })
  it('rejects nonsense config', () => {
    expect(() => validatePolicy({ ...cfg, everyMessages: 0 })).toThrow(/everyMessages must be a positive number, got 0/)
  })
})
