/**
 * The tamper suite's network: a real SU log captured from a devnet process, served again by our
 * own HTTP SU with exactly one fault, plus a gateway proxy in front of the devnet gateway.
 *
 * Faults (each at one nonce k):
 * - `data-bit-flip`: one bit of the message data flipped (signature no longer covers it);
 * - `tag-change`: one message tag value changed;
 * - `foreign-signature`: the message keeps its owner but carries a signature made by another key
 *   over the same content; its id follows the new signature and the SU re-signs the assignments
 *   (Message tag, and the hash chain from k on) with the real SU key, so *only* the message
 *   signature is wrong;
 * - `swapped-order`: edges k and k+1 swapped;
 * - `nonce-gap`: edge k removed;
 * - `duplicate`: edge k served twice;
 * - `broken-hash-chain`: assignment k's Hash-Chain replaced, re-signed with the real SU key;
 * - `wrong-su-key`: assignment k re-signed by a key that is not the SU's;
 * - `module-bytes`: the gateway proxy serves the module with one byte changed.
 * The gateway proxy also rewrites the Scheduler-Location `Url` to point at the tamper SU (a
 * gateway and SU colluding), so a light node that locates the SU normally reads the faulty log.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ArweaveSigner } from 'arbundles'
import { signItem } from '../../devnet/data-item'
import { loadKey, type KeyName } from '../../devnet/keys'
import { nextHashChain } from '../../../src/protocol/hash-chain'
import type { ProtocolErrorCode } from '../../../src/protocol/errors'

export interface RawTag {
  name: string
  value: string
}

export interface RawItem {
  id: string
  owner: { address: string; key: string }
  tags: RawTag[]
  signature: string
  anchor?: string | null
  target?: string | null
  data?: string | null
}

export interface RawEdge {
  cursor: string
  node: { message: RawItem | null; assignment: RawItem }
}

/** A process's SU data exactly as the devnet SU served it. */
export interface CapturedLog {
  processId: string
  process: Record<string, unknown>
  edges: RawEdge[]
  timestamp: Record<string, unknown>
  suUrl: string
}

export type LogFault =
  | 'data-bit-flip'
  | 'tag-change'
  | 'foreign-signature'
  | 'swapped-order'
  | 'nonce-gap'
  | 'duplicate'
  | 'broken-hash-chain'
  | 'wrong-su-key'

export const LOG_FAULTS: readonly LogFault[] = ['data-bit-flip', 'tag-change', 'foreign-signature', 'swapped-order', 'nonce-gap', 'duplicate', 'broken-hash-chain', 'wrong-su-key']

/** What the verifier must report for each fault (code and nonce). */
export const EXPECTED_CODE: Record<LogFault, ProtocolErrorCode> = {
  'data-bit-flip': 'log/message-signature',
  'tag-change': 'log/message-signature',
  'foreign-signature': 'log/message-signature',
  'swapped-order': 'log/out-of-order',
  'nonce-gap': 'log/nonce-gap',
  duplicate: 'log/duplicate',
  'broken-hash-chain': 'log/hash-chain',
  'wrong-su-key': 'log/wrong-scheduler',
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url)
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}: ${(await res.text()).slice(0, 200)}`)
  return res.json()
}

/** Reads the whole log by nonce pages, unvalidated, so it can be served again unchanged. */
export async function captureLog(suUrl: string, processId: string): Promise<CapturedLog> {
  const process = (await getJson(`${suUrl}/processes/${processId}`)) as Record<string, unknown>
  const timestamp = (await getJson(`${suUrl}/timestamp?process-id=${processId}`)) as Record<string, unknown>
  const edges: RawEdge[] = []
  let from = -1
  for (;;) {
    const page = (await getJson(`${suUrl}/${processId}?process-id=${processId}&from-nonce=${from}&limit=100&show-anchor=true`)) as { page_info: { has_next_page: boolean }; edges: RawEdge[] }
    edges.push(...page.edges)
    const last = page.edges[page.edges.length - 1]
    if (!page.page_info.has_next_page || !last) break
    from = nonceOf(last)
  }
  return { processId, process, edges, timestamp, suUrl }
}

export function nonceOf(e: RawEdge): number {
  return Number(e.node.assignment.tags.find((t) => t.name === 'Nonce')?.value)
}

const tagOf = (item: RawItem, name: string) => item.tags.find((t) => t.name === name)?.value

/**
 * `binaryAnchor`: the anchor is base64url of raw bytes (an assignment captured with show-anchor:
 * the SU's 32 random bytes); otherwise it is the anchor's text.
 */
async function signRaw(key: KeyName, fields: { tags: RawTag[]; data?: string; anchor?: string | null; target?: string | null; binaryAnchor?: boolean }): Promise<{ id: string; signature: string; owner: string }> {
  const signer = new ArweaveSigner(loadKey(key).jwk as never)
  const item = await signItem(signer, {
    tags: fields.tags,
    data: fields.data ?? '',
    ...(fields.target ? { target: fields.target } : {}),
    ...(fields.anchor && !fields.binaryAnchor ? { anchor: fields.anchor } : {}),
    ...(fields.anchor && fields.binaryAnchor ? { rawAnchor: Buffer.from(fields.anchor, 'base64url') } : {}),
  })
  return { id: item.id, signature: item.signature, owner: item.owner }
}

/** Re-sign an assignment with `key` after replacing some of its tags. */
async function resignAssignment(a: RawItem, key: KeyName, replace: Record<string, string>): Promise<RawItem> {
  const tags = a.tags.map((t) => (t.name in replace ? { name: t.name, value: replace[t.name]! } : t))
  const s = await signRaw(key, { tags, anchor: a.anchor, target: a.target, binaryAnchor: true })
  const k = loadKey(key)
  return { ...a, id: s.id, signature: s.signature, owner: { address: k.address, key: s.owner }, tags }
}

/**
 * Re-sign assignments from index `from` on with the SU key, recomputing each Hash-Chain from its
 * predecessor, so a change at `from` leaves a consistent chain after it.
 */
async function rechain(edges: RawEdge[], from: number, firstReplace: Record<string, string>): Promise<void> {
  for (let i = from; i < edges.length; i++) {
    const e = edges[i]!
    const prev = edges[i - 1]!.node.assignment
    const replace: Record<string, string> = { 'Hash-Chain': nextHashChain(prev.id, tagOf(prev, 'Hash-Chain')!), ...(i === from ? firstReplace : {}) }
    e.node = { ...e.node, assignment: await resignAssignment(e.node.assignment, 'su', replace) }
  }
}

/** A copy of `log.edges` with one fault at nonce `k` (k ≥ 1, and k+1 must exist for swaps). */
export async function withFault(log: CapturedLog, fault: LogFault, k: number): Promise<RawEdge[]> {
  const edges: RawEdge[] = structuredClone(log.edges)
  const i = edges.findIndex((e) => nonceOf(e) === k)
  if (i < 1) throw new Error(`no edge with nonce ${k} (or it is the process edge)`)
  const e = edges[i]!
  const m = e.node.message
  switch (fault) {
    case 'data-bit-flip': {
      if (!m?.data) throw new Error(`nonce ${k} has no message data to flip`)
      // Flip the lowest bit of the first character: still valid UTF-8, one bit away.
      m.data = String.fromCharCode(m.data.charCodeAt(0) ^ 1) + m.data.slice(1)
      break
    }
    case 'tag-change': {
      if (!m) throw new Error(`nonce ${k} has no message`)
      const t = m.tags.find((x) => x.name === 'Action') ?? m.tags[m.tags.length - 1]!
      t.value = `${t.value}X`
      break
    }
    case 'foreign-signature': {
      if (!m) throw new Error(`nonce ${k} has no message`)
      // The same content signed by another wallet; the owner key stays the original signer's.
      const s = await signRaw('wallet-b', { tags: m.tags, data: m.data ?? '', anchor: m.anchor, target: m.target })
      e.node.message = { ...m, id: s.id, signature: s.signature }
      await rechain(edges, i, { Message: s.id })
      break
    }
    case 'swapped-order': {
      const next = edges[i + 1]
      if (!next) throw new Error(`no edge after nonce ${k} to swap with`)
      edges[i] = next
      edges[i + 1] = e
      break
    }
    case 'nonce-gap':
      edges.splice(i, 1)
      break
    case 'duplicate':
      edges.splice(i + 1, 0, structuredClone(e))
      break
    case 'broken-hash-chain': {
      const prev = edges[i - 1]!.node.assignment
      // A chain link computed from the wrong predecessor (its own id instead of the previous one).
      const wrong = nextHashChain(e.node.assignment.id, tagOf(prev, 'Hash-Chain')!)
      e.node = { ...e.node, assignment: await resignAssignment(e.node.assignment, 'su', { 'Hash-Chain': wrong }) }
      break
    }
    case 'wrong-su-key':
      e.node = { ...e.node, assignment: await resignAssignment(e.node.assignment, 'wallet-b', {}) }
      break
  }
  return edges
}

export interface RunningServer {
  url: string
  close(): Promise<void>
}

async function listenOn(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
}

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, POST, OPTIONS' }

/**
 * Our SU: the captured process record, clock and log, with `edges()` deciding what is served now
 * (so one server can switch faults). Paging: `from-nonce` starts after the first served edge with
 * that nonce (or after the last one below it), `limit` caps the page.
 */
export async function startTamperSu(log: CapturedLog, edges: () => RawEdge[], port = 0): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body)
      res.writeHead(status, { 'content-type': 'application/json', ...CORS })
      res.end(text)
    }
    if (req.method === 'OPTIONS') return send(204, {})
    const parts = u.pathname.split('/').filter(Boolean)
    if (parts.length === 0) return send(200, { timestamp: Date.now(), address: loadKey('su').address })
    if (parts[0] === 'timestamp') return send(200, log.timestamp)
    if (parts[0] === 'processes' && parts[1] === log.processId) return send(200, log.process)
    if (parts.length === 1 && parts[0] === log.processId) {
      const served = edges()
      const limit = Number(u.searchParams.get('limit') ?? 100)
      const fromNonce = u.searchParams.has('from-nonce') ? Number(u.searchParams.get('from-nonce')) : -1
      let start = 0
      if (fromNonce >= 0) {
        const exact = served.findIndex((e) => nonceOf(e) === fromNonce)
        if (exact >= 0) start = exact + 1
        else {
          const below = served.map(nonceOf).filter((n) => n < fromNonce).length
          start = below
        }
      }
      const page = served.slice(start, start + limit)
      return send(200, { page_info: { has_next_page: start + limit < served.length }, edges: page })
    }
    if (parts.length === 1 && u.searchParams.get('process-id') === log.processId) {
      const hit = edges().find((e) => e.node.message?.id === parts[0] || e.node.assignment.id === parts[0])
      return hit ? send(200, hit.node) : send(404, { error: `message ${parts[0]} not found` })
    }
    return send(404, { error: `no route ${u.pathname}` })
  })
  const url = await listenOn(server, port)
  return { url, close: closer(server) }
}

export interface GatewayProxyOptions {
  upstream: string
  /** Module whose bytes are altered when `alterModule()` is true. */
  moduleId: string
  alterModule: () => boolean
  /** Rewrite this SU URL in GraphQL answers (the Scheduler-Location `Url` tag)… */
  suUrlFrom: string
  /** …to this one. */
  suUrlTo: () => string
  port?: number
}

/** A gateway in front of the devnet's: passes everything through, optionally lying about the module and the SU. */
export async function startGatewayProxy(opts: GatewayProxyOptions): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        if (req.method === 'OPTIONS') {
          res.writeHead(204, CORS)
          return res.end()
        }
        const path = req.url ?? '/'
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
        const headers: Record<string, string> = {}
        if (req.headers['content-type']) headers['content-type'] = String(req.headers['content-type'])
        const up = await fetch(opts.upstream + path, { method: req.method ?? 'GET', headers, ...(body && req.method !== 'GET' ? { body } : {}) })
        let bytes = Buffer.from(await up.arrayBuffer())
        const isModule = path === `/raw/${opts.moduleId}` || path === `/${opts.moduleId}`
        if (isModule && up.ok && opts.alterModule()) {
          bytes = Buffer.from(bytes)
          // One byte inside the code, past the header: still a plausible module, not the signed one.
          const at = Math.floor(bytes.length / 2)
          bytes[at] = bytes[at]! ^ 0x01
        }
        if (path.startsWith('/graphql')) bytes = Buffer.from(bytes.toString('utf8').split(opts.suUrlFrom).join(opts.suUrlTo()))
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/octet-stream', ...CORS })
        res.end(bytes)
      })().catch((e: unknown) => {
        res.writeHead(502, CORS)
        res.end(`proxy: ${String(e)}`)
      })
    })
  })
  const url = await listenOn(server, opts.port ?? 0)
  return { url, close: closer(server) }
}
