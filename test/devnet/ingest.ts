/**
 * The write path shared by the MU's and the SU's `POST /`: verify the ANS-104 item, check it the
 * way the reference SU does (flows.rs write_item), then schedule and evaluate it through wao.
 */
import { BadItemError, parseVerifiedItem, tagValue } from './data-item'
import { HttpError } from './http'
import type { ScheduledEntry, SchedulerLog } from './scheduler-log'
import type { WaoCompute } from './wao-compute'

export async function ingest(body: Uint8Array, scheduler: SchedulerLog, compute: WaoCompute): Promise<ScheduledEntry> {
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
    await compute.spawn(item)
    const entry = scheduler.find(item.id, item.id)
    if (!entry) throw new HttpError(500, `process ${item.id} was not scheduled`)
    return entry
  }
  if (type === 'Message') {
    if (!item.rawTarget.length) throw new HttpError(400, `message ${item.id}: no target process`)
    const pid = item.target
    if (!scheduler.process(pid)) throw new HttpError(404, `message ${item.id}: target process ${pid} is not on this SU`)
    await compute.message(item, pid)
    const entry = scheduler.find(pid, item.id)
    if (!entry) throw new HttpError(500, `message ${item.id} was not scheduled on ${pid}`)
    return entry
  }
  throw new HttpError(400, `item ${item.id}: Type must be Process or Message, got ${JSON.stringify(type ?? null)}`)
}
