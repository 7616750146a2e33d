/** Cross-checks of local results against remote CUs: agreed, or diverged with the fields that differ. */
import type { StoreDb } from './db'
import type { CheckRecord, Ordinate } from './records'
import { StoreError } from './errors'
import { checkOrdinate, ordinateText } from './ordinate'

export class CheckStore {
  constructor(private readonly db: StoreDb) {}

  /** Store (or replace) the check of one result against one remote CU. */
  async put(c: CheckRecord): Promise<void> {
    const where = `storing the check of ${c.processId} ${ordinateText(c)} against ${c.remote}`
    checkOrdinate(c, where)
    if (!c.remote) throw new StoreError('store/invalid', `${where}: remote URL is empty`)
    if (c.verdict === 'diverged' && c.divergences.length === 0) {
      throw new StoreError('store/invalid', `${where}: a divergence must name at least one field`)
    }
    await this.db.write(['checks'], where, async (tx) => { await tx.objectStore('checks').put(c) })
  }

  /** Every remote's check of one result. */
  forResult(processId: string, o: Ordinate): Promise<CheckRecord[]> {
    return this.db.read(['checks'], `reading checks of ${processId} ${ordinateText(o)}`,
      (tx) => tx.objectStore('checks').getAll(IDBKeyRange.bound([processId, o.nonce, o.cron, ''], [processId, o.nonce, o.cron, '\uffff'])))
  }

  /** All checks of a process with the given verdict, in ordinate order. */
  withVerdict(processId: string, verdict: CheckRecord['verdict']): Promise<CheckRecord[]> {
    return this.db.read(['checks'], `listing ${verdict} checks of ${processId}`,
      (tx) => tx.objectStore('checks').index('by-verdict').getAll([processId, verdict]))
  }
}
