/** The devnet gateway's HTTP routes: the parts of arweave.net ao clients use (ao-protocol.md §6). */
import { now } from './clock'
import type { GatewayStore } from './gateway-store'
import { createGraphql } from './gateway-graphql'
import { HttpError, jsonBody, route, type Req } from './http'

export function gatewayRoutes(store: GatewayStore) {
  const graphql = createGraphql(store)
  const info = () => ({
    json: {
      network: 'aolight.devnet',
      version: 5,
      release: 1,
      height: store.height,
      current: store.blocks.at(-1)?.id ?? '',
      blocks: store.blocks.length,
      peers: 0,
      queue_length: 0,
      node_state_latency: 0,
      timestamp: now(),
    },
  })
  const data = (req: Req) => {
    const s = store.get(req.params.id!)
    if (!s) throw new HttpError(404, `transaction ${req.params.id} not found`)
    const type = s.tags.find((t) => t.name === 'Content-Type')?.value ?? 'application/octet-stream'
    return { body: s.item.rawData, headers: { 'content-type': type } }
  }
  return [
    route('GET', '/', info),
    route('GET', '/info', info),
    route('POST', '/graphql', async (req) => {
      const body = jsonBody(req)
      if (typeof body.query !== 'string') throw new HttpError(400, 'graphql body needs a "query" string')
      const res = await graphql(body.query, (body.variables ?? undefined) as Record<string, unknown> | undefined)
      return { status: res.errors?.length && !res.data ? 400 : 200, json: res }
    }),
    route('GET', '/tx_anchor', () => ({ body: store.blocks.at(-1)?.id ?? '' })),
    route('GET', '/price/:bytes', () => ({ body: '0' })),
    route('GET', '/price/:bytes/:target', () => ({ body: '0' })),
    route('GET', '/wallet/:address/balance', () => ({ body: '0' })),
    route('GET', '/raw/:id', data),
    route('GET', '/:id', data),
  ]
}
