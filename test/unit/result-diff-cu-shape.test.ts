import { describe, expect, it } from 'vitest'
import { asReportedByCu, diffResults } from '../../src/compute/result-diff'

describe('results compared in the shape a reference CU reports them (mergeOutput)', () => {
  it('an absent or null Output is "" (aos on an Error returns none; the reference CU reports "")', () => {
    expect(diffResults({ Error: 'boom', Messages: [] }, { Output: '', Error: 'boom', Messages: [], Spawns: [], Assignments: [] })).toEqual([])
    expect(diffResults({ Output: '', Error: 'boom' }, { Error: 'boom', Messages: [], Spawns: [], Assignments: [] })).toEqual([])
    expect(diffResults({ Output: null }, { Output: '' })).toEqual([])
  })
  it('a numeric Output is its string; missing outbox lists are empty', () => {
    expect(asReportedByCu({ Output: 7 })).toEqual({ Output: '7', Messages: [], Spawns: [], Assignments: [] })
    expect(diffResults({ Output: 7 }, { Output: '7' })).toEqual([])
  })
  it('still reports a real difference: Output text, or an Error on one side only', () => {
    expect(diffResults({ Output: 'a' }, {})).toEqual([{ field: 'Output', local: '"a"', remote: '""' }])
    expect(diffResults({ Error: 'x' }, { Output: '' })).toEqual([{ field: 'Error', local: '"x"', remote: '(absent)' }])
  })
})
