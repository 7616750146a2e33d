/**
 * The write path shared by the MU's and the SU's `POST /`: verify the ANS-104 item, check it the
 * way the reference SU does (flows.rs write_item), then schedule and evaluate it (devnet CU + MU crank).
 */
import type { DevnetCompute } from './compute'
import { BadItemError, parseVerifiedItem, tagValue } from './data-item'
import { HttpError } from './http'
import { ScheduleError, type ScheduledEntry, type SchedulerLog } from './scheduler-log'

/** SU refusals (duplicate push, unknown process…) become their HTTP status. */
export function toHttp(e: unknown): never {
  throw e instanceof ScheduleError ? new HttpError(e.status, e.message) : e
}

/** `?process-id=P&assign=TX[&base-layer][&exclude=a,b]`: the assignment query, or undefined. */
export function assignQuery(query: URLSearchParams): { processId: string; messageId: string; baseLayer: boolean; exclude: string[] } | undefined {
  const processId = query.get('process-id')
  const messageId = query.get('assign')
  if (processId === null && messageId === null) return undefined
  if (!processId || !messageId) throw new HttpError(400, 'If sending assign or process-id, you must send both.')
  const exclude = query.get('exclude')
  return { processId, messageId, baseLayer: query.has('base-layer'), exclude: exclude ? exclude.split(',') : [] }
}

export async function ingest(body: Uint8Array, scheduler: SchedulerLog, compute: DevnetCompute): Promise<ScheduledEntry> {
  if (body.length === 0) throw new HttpError(400, 'empty body: expected a binary ANS-104 data item')
  const item = await parseVerifiedItem(body).catch((e: unknown) => {
    throw e instanceof BadItemError ? new HttpError(400, e.message) : e
  })
  const tags = item.tags
  if (tagValue(tags, 'Data-Protocol') !== 'ao') throw new HttpError(400, `item ${item.id}: Data-Protocol tag must be "ao"`)
  const type = tagValue(tags, 'Type')
  if (tags.some((t) => t.name.endsWith('+link'))) throw new HttpError(400, `item ${item.id}: +link tags are not accepted`)
  if (type === 'Process') {
    if (!tagValue(tags, 'Module')) throw new HttpError(400, `process ${item.id}: missing Module tag`)
    const sched = tagValue(tags, 'Scheduler')
    if (!sched) throw new HttpError(400, `process ${item.id}: missing Scheduler tag`)
    if (sched !== scheduler.address) throw new HttpError(400, `process ${item.id}: Scheduler ${sched} is not this SU (${scheduler.address})`)
    return await compute.spawn(item).catch(toHttp)
  }
  if (type === 'Message') {
    if (!item.rawTarget.length) throw new HttpError(400, `message ${item.id}: no target process`)
    const pid = item.target
    if (!scheduler.process(pid)) throw new HttpError(404, `message ${item.id}: target process ${pid} is not on this SU`)
    return await compute.message(item, pid).catch(toHttp)
  }
  throw new HttpError(400, `item ${item.id}: Type must be Process or Message, got ${JSON.stringify(type ?? null)}`)
}
