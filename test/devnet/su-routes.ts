/** The devnet SU's HTTP routes, shaped like the legacynet SU (ao-protocol.md §1). */
import { now } from './clock'
import type { GatewayStore } from './gateway-store'
import { HttpError, route, type Req } from './http'
import { assignQuery, ingest, toHttp } from './ingest'
import { PageQueryError, parsePageQuery, selectPage } from './schedule-page'
import { padHeight, type SchedulerLog } from './scheduler-log'
import { nodeJson, processJson, type PageJson } from './su-json'
import type { DevnetCompute } from './compute'

export function suRoutes(scheduler: SchedulerLog, gateway: GatewayStore, compute: DevnetCompute) {
  const requireProcessId = (req: Req): string => {
    const pid = req.query.get('process-id')
    if (!pid) throw new HttpError(400, `process-id query parameter is required on GET ${req.path}`)
    return pid
  }
  // The SU's routes pass `show-anchor` on as an Option: present with any value means show.
  const showAnchor = (req: Req): boolean => req.query.has('show-anchor')
  return [
    route('GET', '/', () => ({ json: { timestamp: now(), address: scheduler.address } })),
    route('GET', '/timestamp', () => ({ json: { timestamp: String(now()), block_height: padHeight(gateway.height) } })),
    route('GET', '/processes/:pid', (req) => {
      const log = scheduler.process(req.params.pid!)
      if (!log) throw new HttpError(404, `process ${req.params.pid} not found`)
      return { json: processJson(log) }
    }),
    route('GET', '/:pid/latest', (req) => {
      const log = scheduler.process(req.params.pid!)
      if (!log) throw new HttpError(404, `process ${req.params.pid} not found`)
      const last = log.entries[log.entries.length - 1]
      if (!last) throw new HttpError(404, `process ${req.params.pid} has no messages`)
      return { json: nodeJson(last, showAnchor(req)) }
    }),
    route('GET', '/:id', (req) => {
      const id = req.params.id!
      const pid = requireProcessId(req)
      const asProcess = scheduler.process(id)
      if (asProcess) {
        let q
        try {
          q = parsePageQuery(req.query)
        } catch (e) {
          if (e instanceof PageQueryError) throw new HttpError(400, e.message)
          throw e
        }
        const page = selectPage(asProcess.entries, q)
        const json: PageJson = {
          page_info: { has_next_page: page.hasNextPage },
          edges: page.entries.map((e) => ({ cursor: page.cursorOf(e), node: nodeJson(e, showAnchor(req)) })),
        }
        return { json }
      }
      const entry = scheduler.find(pid, id) ?? scheduler.findAssignment(id)
      if (!entry || entry.processId !== pid) throw new HttpError(404, `message ${id} not found on process ${pid}`)
      return { json: nodeJson(entry, showAnchor(req)) }
    }),
    route('POST', '/', async (req) => {
      const assign = assignQuery(req.query)
      if (assign) {
        // The reference answers with the assignment's id (flows.rs assignment_only).
        const entry = await compute.assign(assign.processId, assign.messageId, assign).catch(toHttp)
        return { json: { timestamp: entry.timestamp, id: entry.assignment.id } }
      }
      const entry = await ingest(req.body, scheduler, compute)
      return { json: { timestamp: entry.timestamp, id: entry.messageId } }
    }),
  ]
}
