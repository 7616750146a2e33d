/** The devnet gateway's HTTP routes: the parts of arweave.net ao clients use (ao-protocol.md §6). */
import { now } from './clock'
import type { GatewayStore } from './gateway-store'
import { createGraphql } from './gateway-graphql'
import { HttpError, jsonBody, route, type Req } from './http'
import { BadItemError, parseVerifiedItem } from './data-item'

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
    // The bundler upload the reference MU uses for pushes to non-process targets (ao servers/mu
    // clients/uploader.js: POST {UPLOADER_URL}/tx/arweave, raw signed ANS-104, JSON answer with
    // the id). The item is verified, then mined like any devnet item: GraphQL and /raw serve it.
    // A repeat of a known id answers the same receipt (bundlers are idempotent by id).
    route('POST', '/tx/:currency', async (req) => {
      if (req.params.currency !== 'arweave') throw new HttpError(400, `upload: currency ${req.params.currency} is not supported (only arweave)`)
      if (req.body.length === 0) throw new HttpError(400, 'upload: body must be a signed ANS-104 data item')
      const item = await parseVerifiedItem(req.body).catch((e: unknown) => {
        throw e instanceof BadItemError ? new HttpError(400, `upload: ${e.message}`) : e
      })
      store.put([item])
      const stored = store.get(item.id)!
      return { json: { id: item.id, timestamp: stored.block.timestamp * 1000, block: stored.block.height, owner: stored.ownerAddress } }
    }),
    route('GET', '/tx_anchor', () => ({ body: store.blocks.at(-1)?.id ?? '' })),
    route('GET', '/price/:bytes', () => ({ body: '0' })),
    route('GET', '/price/:bytes/:target', () => ({ body: '0' })),
    route('GET', '/wallet/:address/balance', () => ({ body: '0' })),
    route('GET', '/raw/:id', data),
    route('GET', '/:id', data),
  ]
}
