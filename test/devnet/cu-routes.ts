/** The devnet CU's HTTP routes, shaped like the reference CU (ao-protocol.md §2). */
import { cu } from 'wao/test'
import { now } from './clock'
import type { DevnetCompute, Evaluation } from './compute'
import { HttpError, jsonBody, route, type Req } from './http'
import type { DryRunBody } from './reference-mapping'
import type { SchedulerLog } from './scheduler-log'

type Sort = 'ASC' | 'DESC'

/** The reference cursor: base64 of {timestamp, ordinate, cron, sort} (cu domain/utils.js evaluationToCursor). */
function cursorOf(e: Evaluation, sort: Sort): string {
  return Buffer.from(JSON.stringify({ timestamp: e.timestamp, ordinate: e.ordinate, cron: e.cron, sort })).toString('base64')
}

interface Position {
  timestamp: number
  ordinate?: number
  cron?: string
}

/** Evaluations sort by (timestamp, ordinate, cron), a scheduled message before its crons. */
function compare(e: Evaluation, p: Position): number {
  if (e.timestamp !== p.timestamp) return Math.sign(e.timestamp - p.timestamp)
  if (p.ordinate === undefined) return 0
  const o = Number(e.ordinate)
  if (o !== p.ordinate) return Math.sign(o - p.ordinate)
  const a = e.cron ?? ''
  const b = p.cron ?? ''
  return a === b ? 0 : a < b ? -1 : 1
}

/** A `from`/`to` bound: a reference cursor or a bare timestamp (maybeParseCursor). */
function parseBound(raw: string | null): { position: Position; sort?: Sort } | undefined {
  if (raw === null || raw === '') return undefined
  if (/^\d+$/.test(raw)) return { position: { timestamp: Number(raw) } }
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as { timestamp?: unknown; ordinate?: unknown; cron?: unknown; sort?: unknown }
    const timestamp = Number(c.timestamp)
    const ordinate = Number(c.ordinate)
    if (Number.isFinite(timestamp) && Number.isFinite(ordinate)) {
      return {
        position: { timestamp, ordinate, ...(typeof c.cron === 'string' ? { cron: c.cron } : {}) },
        ...(c.sort === 'ASC' || c.sort === 'DESC' ? { sort: c.sort } : {}),
      }
    }
  } catch {
    // fall through
  }
  throw new HttpError(400, `bad cursor ${JSON.stringify(raw)}: expected a timestamp or a base64 {timestamp, ordinate, cron, sort}`)
}

function parseLimit(req: Req, fallback: number, max: number): number {
  const limit = Number(req.query.get('limit') ?? fallback)
  if (!Number.isInteger(limit) || limit < 1) throw new HttpError(400, `limit must be a positive integer, got ${req.query.get('limit')}`)
  return Math.min(limit, max)
}

/** gatherResults.js: from exclusive, to inclusive, errored evaluations dropped. */
function page(all: readonly Evaluation[], req: Req, opts: { sort: Sort; limit: number; onlyCron: boolean }) {
  const from = parseBound(req.query.get('from'))
  const to = parseBound(req.query.get('to'))
  const sort = opts.sort
  const dir = sort === 'ASC' ? 1 : -1
  let rows = all.filter((e) => (!opts.onlyCron || e.cron !== undefined) && !e.result.Error)
  if (sort === 'DESC') rows = [...rows].reverse()
  rows = rows.filter((e) => (!from || compare(e, from.position) * dir > 0) && (!to || compare(e, to.position) * dir <= 0))
  const edges = rows.slice(0, opts.limit).map((e) => {
    const { Messages = [], Assignments = [], Spawns = [], Patches = [], Output, Error } = e.result
    return { cursor: cursorOf(e, sort), node: { Messages, Assignments, Spawns, Output, Patches, Error } }
  })
  return { json: { pageInfo: { hasNextPage: rows.length > opts.limit }, edges } }
}

export function cuRoutes(scheduler: SchedulerLog, compute: DevnetCompute) {
  const loadedProcess = (pid: string | null | undefined, where: string): string => {
    if (!pid) throw new HttpError(400, `process-id is required on ${where}`)
    if (!compute.isLoaded(pid)) throw new HttpError(404, `process ${pid} not found on this CU`)
    return pid
  }
  const messageId = (req: Req, pid: string): string => {
    const mid = req.params.mid!
    if (!/^\d+$/.test(mid)) return mid
    // wao let /result take a slot number; keep that, as a nonce.
    const entry = scheduler.process(pid)?.entries[Number(mid)]
    if (!entry) throw new HttpError(404, `no message at nonce ${mid} on process ${pid}`)
    return entry.messageId
  }
  const result = async (req: Req) => {
    const pid = loadedProcess(req.query.get('process-id'), `/result/${req.params.mid}`)
    const mid = messageId(req, pid)
    // A lazy CU folds up to the message's nonce first (an unknown id folds nothing).
    const scheduled = scheduler.find(pid, mid)
    if (compute.lazy && scheduled) await compute.settle(pid, scheduled.nonce)
    const ev = compute.result(pid, mid)
    if (ev) return { json: ev.result }
    const skipped = compute.skipped.get(`${pid}:${mid}`)
    if (skipped) throw new HttpError(404, `message ${mid} was not evaluated on ${pid}: ${skipped}`)
    const failed = compute.evaluated.get(`${pid}:${mid}`)?.error
    if (failed) throw new HttpError(500, `evaluation of ${mid} on ${pid} failed: ${failed}`)
    throw new HttpError(404, `no result for message ${mid} on process ${pid}`)
  }
  return [
    route('GET', '/', () => ({ json: { timestamp: now(), address: cu.addr } })),
    route('GET', '/result/:mid', result),
    route('POST', '/result/:mid', result),
    route('GET', '/results/:pid', async (req) => {
      const pid = loadedProcess(req.params.pid, `/results/${req.params.pid}`)
      // The reference reads state up to now first, so crons due by now are included.
      await compute.catchUpToNow(pid)
      const sort: Sort = req.query.get('sort') === 'DESC' ? 'DESC' : 'ASC'
      const cursorSort = parseBound(req.query.get('from'))?.sort ?? parseBound(req.query.get('to'))?.sort
      return page(compute.evaluations(pid), req, { sort: cursorSort ?? sort, limit: parseLimit(req, 25, 1000), onlyCron: false })
    }),
    route('GET', '/cron/:pid', async (req) => {
      const pid = loadedProcess(req.params.pid, `/cron/${req.params.pid}`)
      await compute.catchUpToNow(pid)
      // readCronResults.js: ascending only, whatever the cursor says.
      return page(compute.evaluations(pid), req, { sort: 'ASC', limit: parseLimit(req, 500, 1000), onlyCron: true })
    }),
    route('POST', '/dry-run', async (req) => {
      const pid = loadedProcess(req.query.get('process-id'), '/dry-run')
      const body = jsonBody(req) as DryRunBody
      if (body.Tags !== undefined && !Array.isArray(body.Tags)) throw new HttpError(400, 'dry-run Tags must be an array of {name,value}')
      try {
        return { json: await compute.dryRun(pid, body) }
      } catch (e) {
        throw new HttpError(500, `dry-run on ${pid} failed: ${(e as Error).message}`)
      }
    }),
    route('GET', '/state/:pid', async (req) => {
      const pid = loadedProcess(req.params.pid, `/state/${req.params.pid}`)
      await compute.settle(pid)
      const memory = compute.memory(pid)
      const last = compute.evaluations(pid).at(-1)
      if (!memory || !last) throw new HttpError(404, `process ${pid} has no memory yet`)
      return {
        body: memory,
        headers: {
          'content-type': 'application/octet-stream',
          'last-timestamp': String(last.timestamp),
          'last-ordinate': last.ordinate,
          'last-block-height': String(last.blockHeight),
        },
      }
    }),
    // Devnet only: the exact msg/env `handle` received, so a cross-check can name a mismatch's cause.
    route('GET', '/devnet/evaluated/:mid', (req) => {
      const pid = req.query.get('process-id')
      const ev = compute.evaluated.get(pid ? `${pid}:${req.params.mid}` : req.params.mid!)
      if (!ev) throw new HttpError(404, `message ${req.params.mid} was not evaluated here`)
      return { json: ev }
    }),
  ]
}
