/**
 * Evaluation results, keyed [processId, nonce, cron]. Results are written in the same
 * transaction that advances the process's evaluated head, so after a crash either both the
 * results and the head are stored or neither; replaying from an older snapshot re-offers results
 * at or below the head, which are skipped, so nothing is lost or stored twice.
 */
import { requestAll, type StoreDb } from './db'
import type { Ordinate, ResultRecord } from './records'
import { StoreError } from './errors'
import { checkOrdinate, compareOrdinates, decodeCursor, encodeCursor, ordinateText } from './ordinate'

export type NewResult = Omit<ResultRecord, 'processId'>

export interface PutResultsOutcome {
  written: number
  /** results at or below the evaluated head, already stored, left unchanged */
  skipped: number
  head: Ordinate | null
}

export interface ResultsPage {
  edges: { cursor: string; node: ResultRecord }[]
  hasNextPage: boolean
}

export interface PageOptions {
  sort?: 'ASC' | 'DESC'
  /** default 25 (as the CU's /results), at most 1000 */
  limit?: number
  /** continue after this cursor (exclusive), in the direction of `sort` */
  after?: string
  /** include evaluations that returned Error (the CU leaves them out); default false */
  includeErrors?: boolean
}

const MAX_ORD = [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]

export class ResultStore {
  constructor(private readonly db: StoreDb) {}

  /** Store results (ascending ordinates) and advance the evaluated head, atomically. */
  async putEvaluated(processId: string, results: readonly NewResult[]): Promise<PutResultsOutcome> {
    const where = `storing ${results.length} results of process ${processId}`
    results.forEach((r, i) => {
      checkOrdinate(r, `${where}: result ${i}`)
      const prev = results[i - 1]
      if (prev && compareOrdinates(r, prev) <= 0) {
        throw new StoreError('store/invalid', `${where}: result ${i} at ${ordinateText(r)} does not follow ${ordinateText(prev)}`, { processId, index: i })
      }
    })
    const { value } = await this.db.write(['processes', 'results'], where, async (tx) => {
      const p = await tx.objectStore('processes').get(processId)
      if (!p) throw new StoreError('store/not-found', `${where}: process is not stored`, { processId })
      const head = p.evaluatedHead
      const fresh = head ? results.filter((r) => compareOrdinates(r, head) > 0) : [...results]
      const last = fresh[fresh.length - 1]
      if (!last) return { written: 0, skipped: results.length, head }
      if (last.nonce > p.verifiedHead) {
        throw new StoreError('store/invalid',
          `${where}: result at ${ordinateText(last)} is beyond the verified log head ${p.verifiedHead}`,
          { processId, nonce: last.nonce, verifiedHead: p.verifiedHead })
      }
      const store = tx.objectStore('results')
      await requestAll(fresh, (r) => store.put({ ...r, processId }))
      const newHead = { nonce: last.nonce, cron: last.cron }
      await tx.objectStore('processes').put({ ...p, evaluatedHead: newHead, updatedAt: Date.now() })
      return { written: fresh.length, skipped: results.length - fresh.length, head: newHead }
    })
    return value
  }

  get(processId: string, o: Ordinate): Promise<ResultRecord | undefined> {
    return this.db.read(['results'], `reading result ${ordinateText(o)} of process ${processId}`,
      (tx) => tx.objectStore('results').get([processId, o.nonce, o.cron]))
  }

  byMessageId(processId: string, messageId: string): Promise<ResultRecord | undefined> {
    return this.db.read(['results'], `looking up the result of message ${messageId} of process ${processId}`,
      (tx) => tx.objectStore('results').index('by-message').get([processId, messageId]))
  }

  /** A page of results in ordinate order, shaped like the CU's `/results`. */
  page(processId: string, opts: PageOptions = {}): Promise<ResultsPage> {
    const sort = opts.sort ?? 'ASC'
    const limit = opts.limit ?? 25
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      throw new StoreError('store/invalid', `results page of process ${processId}: limit must be 1..1000, got ${String(limit)}`, { processId })
    }
    const after = opts.after === undefined ? undefined : decodeCursor(opts.after)
    const lower = sort === 'ASC' && after ? [processId, after.nonce, after.cron] : [processId, 0, 0]
    const upper = sort === 'DESC' && after ? [processId, after.nonce, after.cron] : [processId, ...MAX_ORD]
    const range = IDBKeyRange.bound(lower, upper, sort === 'ASC' && !!after, sort === 'DESC' && !!after)
    return this.db.read(['results'], `paging results of process ${processId}`, async (tx) => {
      const edges: ResultsPage['edges'] = []
      let cursor = await tx.objectStore('results').openCursor(range, sort === 'ASC' ? 'next' : 'prev')
      while (cursor) {
        const r = cursor.value
        if (opts.includeErrors || !r.error) {
          if (edges.length === limit) return { edges, hasNextPage: true }
          edges.push({ cursor: encodeCursor(r), node: r })
        }
        cursor = await cursor.continue()
      }
      return { edges, hasNextPage: false }
    })
  }
}
