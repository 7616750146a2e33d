/** The devnet CU's HTTP routes, shaped like the reference CU (ao-protocol.md §2), over wao's evaluations. */
import { cu } from 'wao/test'
import { now } from './clock'
import { HttpError, jsonBody, route, type Req } from './http'
import type { DryRunBody } from './reference-mapping'
import type { ScheduledEntry, SchedulerLog } from './scheduler-log'
import type { WaoCompute } from './wao-compute'

/** The reference cursor: base64 of {timestamp, ordinate, cron, sort} (cu domain/utils.js). */
function cursorOf(e: ScheduledEntry, sort: 'ASC' | 'DESC'): string {
  return Buffer.from(JSON.stringify({ timestamp: e.timestamp, ordinate: String(e.nonce), cron: undefined, sort })).toString('base64')
}

/** A `from`/`to` bound: a cursor (compared by nonce) or a bare timestamp. */
function bound(raw: string | null): ((e: ScheduledEntry) => number) | undefined {
  if (raw === null || raw === '') return undefined
  if (/^\d+$/.test(raw)) {
    const ts = Number(raw)
    return (e) => Math.sign(e.timestamp - ts)
  }
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { ordinate?: string }
    const n = Number(c.ordinate)
    if (Number.isInteger(n)) return (e) => Math.sign(e.nonce - n)
  } catch {
    // fall through
  }
  throw new HttpError(400, `bad cursor ${JSON.stringify(raw)}`)
}

export function cuRoutes(scheduler: SchedulerLog, compute: WaoCompute) {
  const loadedProcess = (pid: string | null | undefined, where: string): string => {
    if (!pid) throw new HttpError(400, `process-id is required on ${where}`)
    if (!compute.isLoaded(pid)) throw new HttpError(404, `process ${pid} not found on this CU`)
    return pid
  }
  const messageId = (req: Req, pid: string): string => {
    const mid = req.params.mid!
    if (!/^\d+$/.test(mid)) return mid
    // wao lets /result take a slot number; keep that, as a nonce.
    const entry = scheduler.process(pid)?.entries[Number(mid)]
    if (!entry) throw new HttpError(404, `no message at nonce ${mid} on process ${pid}`)
    return entry.message.id
  }
  const result = (req: Req) => {
    const pid = loadedProcess(req.query.get('process-id'), `/result/${req.params.mid}`)
    const mid = messageId(req, pid)
    const res = compute.result(mid)
    if (res) return { json: res }
    const failed = compute.evaluated.get(mid)?.error
    if (failed) throw new HttpError(500, `evaluation of ${mid} on ${pid} failed: ${failed}`)
    throw new HttpError(404, `no result for message ${mid} on process ${pid}`)
  }
  return [
    route('GET', '/', () => ({ json: { timestamp: now(), address: cu.addr } })),
    route('GET', '/result/:mid', result),
    route('POST', '/result/:mid', result),
    route('GET', '/results/:pid', (req) => {
      const pid = loadedProcess(req.params.pid, `/results/${req.params.pid}`)
      const sort = req.query.get('sort') === 'DESC' ? 'DESC' : 'ASC'
      const limit = Number(req.query.get('limit') ?? 25)
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, `limit must be in 1..1000`)
      const from = bound(req.query.get('from'))
      const to = bound(req.query.get('to'))
      let rows = (scheduler.process(pid)?.entries ?? []).filter((e) => {
        const res = compute.result(e.message.id)
        return res !== undefined && !res.Error
      })
      if (sort === 'DESC') rows = rows.reverse()
      const dir = sort === 'ASC' ? 1 : -1
      rows = rows.filter((e) => (!from || from(e) * dir > 0) && (!to || to(e) * dir <= 0))
      const edges = rows.slice(0, limit).map((e) => {
        const { Messages, Assignments, Spawns, Output, Error } = compute.result(e.message.id)!
        return { cursor: cursorOf(e, sort), node: { Messages, Assignments, Spawns, Output, Error } }
      })
      return { json: { pageInfo: { hasNextPage: rows.length > limit }, edges } }
    }),
    route('POST', '/dry-run', async (req) => {
      const pid = loadedProcess(req.query.get('process-id'), '/dry-run')
      const body = jsonBody(req) as DryRunBody
      if (body.Tags !== undefined && !Array.isArray(body.Tags)) throw new HttpError(400, 'dry-run Tags must be an array of {name,value}')
      const res = await compute.dryRun(pid, body)
      if (!res) throw new HttpError(500, `dry-run on ${pid} failed: ${compute.evaluated.get(body.Id ?? '')?.error ?? 'see devnet log'}`)
      const { Memory: _memory, ...rest } = res as { Memory?: unknown }
      return { json: rest }
    }),
    route('GET', '/state/:pid', (req) => {
      const pid = loadedProcess(req.params.pid, `/state/${req.params.pid}`)
      const memory = compute.memory(pid)
      const last = scheduler.process(pid)?.entries.at(-1)
      if (!memory || !last) throw new HttpError(404, `process ${pid} has no memory yet`)
      return {
        body: memory,
        headers: {
          'content-type': 'application/octet-stream',
          'last-timestamp': String(last.timestamp),
          'last-ordinate': String(last.nonce),
          'last-block-height': String(last.blockHeight),
        },
      }
    }),
    // Devnet only: the exact msg/env `handle` received, so a cross-check can name a mismatch's cause.
    route('GET', '/devnet/evaluated/:mid', (req) => {
      const ev = compute.evaluated.get(req.params.mid!)
      if (!ev) throw new HttpError(404, `message ${req.params.mid} was not evaluated here`)
      return { json: ev }
    }),
  ]
}
