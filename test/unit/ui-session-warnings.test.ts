import { describe, expect, it } from 'vitest'
import type { NodeErrorInfo } from '../../src/node/contract'
import { addWarning, MAX_WARNINGS, NO_WARNINGS, warningText, type SessionWarnings } from '../../src/ui/session-warnings'

const cachedCopy: NodeErrorInfo = { code: 'process/not-found', message: 'The gateway does not know this process any more; showing the cached copy (verified to nonce 13).', details: { check: 'cached-copy' } }
const crossCheck = (cu: string, nonce: number): NodeErrorInfo => ({ code: 'network/unreachable', message: `cross-check with ${cu}: HTTP 404 at nonce ${nonce}`, details: { cu, nonce } })
const other = (i: number): NodeErrorInfo => ({ code: 'storage/quota', message: `evicted ${i}`, details: { evicted: i } })

function fold(ws: NodeErrorInfo[]): SessionWarnings {
  return ws.reduce(addWarning, NO_WARNINGS)
}

describe('process page warnings', () => {
  it('keeps the cached-copy warning however many warnings follow (the status line reads it)', () => {
    const s = fold([cachedCopy, ...Array.from({ length: 30 }, (_, i) => other(i))])
    expect(s.cachedCopy).toEqual(cachedCopy)
    expect(s.list).toHaveLength(MAX_WARNINGS)
    expect(s.list.at(-1)!.message).toBe('evicted 29')
  })

  it('counts one CU failing many cross-checks as one warning, newest reason last', () => {
    const s = fold([crossCheck('http://cu-a', 1), other(1), crossCheck('http://cu-a', 2), crossCheck('http://cu-b', 2), crossCheck('http://cu-a', 3)])
    expect(s.list.map((w) => w.details['cu'] ?? 'other')).toEqual(['other', 'http://cu-b', 'http://cu-a'])
    const a = s.list.at(-1)!
    expect(a.details['repeats']).toBe(3)
    expect(warningText(a)).toBe('cross-check with http://cu-a: HTTP 404 at nonce 3 (3 messages so far)')
    expect(warningText(s.list[1]!)).toBe('cross-check with http://cu-b: HTTP 404 at nonce 2')
    expect(s.cachedCopy).toBeNull()
  })

  it('a later cached-copy warning replaces the earlier one (re-opened: unreachable, then not found)', () => {
    const unreachable: NodeErrorInfo = { ...cachedCopy, code: 'network/unreachable' }
    expect(fold([unreachable, cachedCopy]).cachedCopy).toBe(cachedCopy)
  })
})
