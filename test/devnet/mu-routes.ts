/** The devnet MU's HTTP routes (ao-protocol.md §3); wao cranks outboxes inside the same call. */
import { HttpError, route } from './http'
import { ingest } from './ingest'
import type { SchedulerLog } from './scheduler-log'
import type { WaoCompute } from './wao-compute'

export function muRoutes(scheduler: SchedulerLog, compute: WaoCompute) {
  const notYet = () => {
    throw new HttpError(501, 'cron monitoring is not implemented by the devnet MU yet')
  }
  return [
    route('GET', '/', () => ({ body: 'ao messenger unit (aolight devnet)', headers: { 'content-type': 'text/plain' } })),
    route('POST', '/', async (req) => {
      if (req.query.has('assign')) throw new HttpError(501, 'assignments (?assign=) are not supported by the devnet MU')
      const entry = await ingest(req.body, scheduler, compute)
      const processId = entry.processId === entry.message.id ? undefined : entry.processId
      // The real MU answers 202 before the SU has the item; the devnet answers after the SU has
      // scheduled it and the CU has evaluated it (and its outbox cascade), which tests rely on.
      return { status: 202, json: { message: 'Processing DataItem', id: entry.message.id, ...(processId ? { processId } : {}) } }
    }),
    route('POST', '/monitor/:pid', notYet),
    route('DELETE', '/monitor/:pid', notYet),
  ]
}
