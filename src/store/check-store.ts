/** Cross-checks of local results against remote CUs: agreed, or diverged with the fields that differ. */
import type { StoreDb } from './db'
import type { CheckRecord, Ordinate } from './records'
import { StoreError } from './errors'
import { checkOrdinate, ordinateText } from './ordinate'

export class CheckStore {
  constructor(private readonly db: StoreDb) {}

  /**
   * Store (or replace) the check of one result against one remote CU. A check that could not be
   * done (`error`) does not replace a verdict the same CU gave before (`agreed`/`diverged`): the CU
   * being down or having forgotten the process says nothing about the result. Returns whether
   * the record was written.
   */
  async put(c: CheckRecord): Promise<boolean> {
    const where = `storing the check of ${c.processId} ${ordinateText(c)} against ${c.remote}`
    checkOrdinate(c, where)
    if (!c.remote) throw new StoreError('store/invalid', `${where}: remote URL is empty`)
    if (c.verdict === 'diverged' && c.divergences.length === 0) {
      throw new StoreError('store/invalid', `${where}: a divergence must name at least one field`)
    }
    const { value } = await this.db.write(['checks'], where, async (tx) => {
      const store = tx.objectStore('checks')
      if (c.verdict === 'error') {
        const old = await store.get([c.processId, c.nonce, c.cron, c.remote])
        if (old && old.verdict !== 'error') return false
      }
      await store.put(c)
      return true
    })
    return value
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
