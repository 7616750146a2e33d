/**
 * A process whose stored record vanished while it was open (its cache cleared in another tab or in
 * Settings) stops with a "cache cleared" error the process page can name and recover from — not
 * `storage/unsupported` ("This browser cannot store the process"), which it was before.
 */
import { describe, expect, it } from 'vitest'
import { CACHE_CLEARED_CHECK, toNodeErrorInfo } from '../../src/compute/compute-errors'
import { StoreError } from '../../src/store/errors'

const pid = 'bjE_' + 'x'.repeat(39)

describe('toNodeErrorInfo: a process record gone under an open process', () => {
  it('maps store/not-found of a process to process/closed with the cache-cleared check, keeping the store message', () => {
    const e = new StoreError('store/not-found', `reading log head: process ${pid} is not stored`, { processId: pid })
    const info = toNodeErrorInfo(e)
    expect(info.code).toBe('process/closed')
    expect(info.details).toMatchObject({ processId: pid, check: CACHE_CLEARED_CHECK })
    expect(info.message).toContain(`The cache of process ${pid} was cleared while it was open`)
    expect(info.message).toContain(`reading log head: process ${pid} is not stored`)
  })

  it('leaves other store failures as they were (a browser that cannot store, a full quota)', () => {
    expect(toNodeErrorInfo(new StoreError('store/unavailable', 'IndexedDB is missing')).code).toBe('storage/unsupported')
    expect(toNodeErrorInfo(new StoreError('store/quota', 'full')).code).toBe('storage/quota')
    // not-found of something that is not a process record (no processId) keeps the old mapping
    expect(toNodeErrorInfo(new StoreError('store/not-found', 'module M is not stored', { moduleId: 'M' })).code).toBe('storage/unsupported')
  })
})
