import { describe, expect, it } from 'vitest'
import { protectedSnapshotIds } from '../../src/store/snapshot-eviction'
import type { SnapshotRecord } from '../../src/store/records'

const snap = (id: number, processId: string, nonce: number, baseId: number | null, corrupt = false) =>
  ({ id, processId, nonce, cron: 0, baseId, corrupt }) as SnapshotRecord

describe('eviction protection', () => {
  it('keeps the newest usable snapshot of each process and its whole base chain', () => {
    const metas = [
      snap(1, 'A', 10, null), snap(2, 'A', 20, 1), snap(3, 'A', 30, null), snap(4, 'A', 40, 3), snap(5, 'A', 50, 4),
      snap(6, 'B', 5, null), snap(7, 'B', 9, 6, true),
    ]
    expect([...protectedSnapshotIds(metas)].sort()).toEqual([3, 4, 5, 6])
  })
  it('orders by ordinate, not by write order (a resumed process may write an older ordinate later)', () => {
    expect([...protectedSnapshotIds([snap(1, 'A', 90, null), snap(2, 'A', 40, null)])]).toEqual([1])
  })
})
