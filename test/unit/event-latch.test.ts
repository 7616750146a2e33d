import { describe, expect, it } from 'vitest'
import { EventLatch } from '../../src/node/event-latch'
import type { NodeErrorInfo, ProcessEvent } from '../../src/node/contract'

const cachedCopy: NodeErrorInfo = { code: 'process/not-found', message: 'The scheduler does not know this process any more; showing the cached copy (verified to nonce 13).', details: { check: 'cached-copy' } }
const other: NodeErrorInfo = { code: 'network/unreachable', message: 'cross-check with http://cu: HTTP 404', details: { cu: 'http://cu', nonce: 3 } }

describe('EventLatch: what a new subscriber sees first', () => {
  it('replays the latest status, summary, progress and the cached-copy warning; not one-off warnings', () => {
    const latch = new EventLatch()
    const events: ProcessEvent[] = [
      { type: 'status', status: { state: 'syncing' } as never },
      { type: 'warning', error: other },
      { type: 'progress', progress: { phase: 'verify', done: 3 } as never },
      { type: 'warning', error: cachedCopy },
      { type: 'status', status: { state: 'offline', verifiedHead: 13, evaluatedHead: 13 } as never },
      { type: 'warning', error: other },
    ]
    for (const e of events) latch.note(e)
    expect(latch.replay()).toEqual([
      { type: 'status', status: { state: 'offline', verifiedHead: 13, evaluatedHead: 13 } },
      { type: 'progress', progress: { phase: 'verify', done: 3 } },
      { type: 'warning', error: cachedCopy },
    ])
  })

  it('replays nothing before any event', () => {
    expect(new EventLatch().replay()).toEqual([])
  })
})
