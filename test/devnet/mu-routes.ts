/**
 * The devnet MU's HTTP routes (ao-protocol.md §3). The outbox crank runs inside the same call
 * (compute.ts); `/monitor/{pid}` ticks the process's crons through the devnet's one queue.
 */
import type { DevnetCompute } from './compute'
import { BadItemError, parseVerifiedItem } from './data-item'
import { HttpError, route, type Req } from './http'
import { assignQuery, ingest, toHttp } from './ingest'
import type { SchedulerLog } from './scheduler-log'

export function muRoutes(scheduler: SchedulerLog, compute: DevnetCompute) {
  /** The real MU takes a signed item as the monitor request; the devnet checks it the same way as any post. */
  const monitored = async (req: Req): Promise<string> => {
    const pid = req.params.pid!
    if (req.body.length > 0) {
      await parseVerifiedItem(req.body).catch((e: unknown) => {
        throw e instanceof BadItemError ? new HttpError(400, `monitor ${pid}: ${e.message}`) : e
      })
    } else throw new HttpError(400, `monitor ${pid}: body must be a signed ANS-104 data item`)
    if (!compute.isLoaded(pid)) throw new HttpError(404, `monitor: process ${pid} is not loaded on the devnet CU`)
    return pid
  }
  return [
    route('GET', '/', () => ({ body: 'ao messenger unit (aolight devnet)', headers: { 'content-type': 'text/plain' } })),
    route('POST', '/', async (req) => {
      const assign = assignQuery(req.query)
      if (assign) {
        const entry = await compute.assign(assign.processId, assign.messageId, assign).catch(toHttp)
        return { status: 202, json: { message: 'Processing Assignment', id: entry.assignment.id } }
      }
      const entry = await ingest(req.body, scheduler, compute)
      const processId = entry.processId === entry.messageId ? undefined : entry.processId
      // The real MU answers 202 before the SU has the item; the devnet answers after the SU has
      // scheduled it and (eager mode, the default) the CU has evaluated it and its outbox
      // cascade, which tests rely on. Lazy mode answers once the SU has scheduled it.
      return { status: 202, json: { message: 'Processing DataItem', id: entry.messageId, ...(processId ? { processId } : {}) } }
    }),
    route('POST', '/monitor/:pid', async (req) => {
      const pid = await monitored(req)
      compute.startMonitor(pid)
      return { json: { message: `Process ${pid} is now being monitored` } }
    }),
    route('DELETE', '/monitor/:pid', async (req) => {
      const pid = await monitored(req)
      const was = compute.stopMonitor(pid)
      return { json: { message: was ? `Process ${pid} is no longer being monitored` : `Process ${pid} was not being monitored` } }
    }),
  ]
}
