/**
 * Client for a Messenger Unit (ao-protocol.md §3): submit signed ANS-104 items, relay
 * assignments, and start/stop cron monitoring. Writes are never retried automatically: an
 * item posted twice may be scheduled twice; the relay's outgoing queue decides on retries.
 */
import { HttpClient, joinUrl } from './http'
import { obj, optStr, str, sub, type Validate } from './wire-types'

export interface MuPostResult {
  id: string
  message?: string
  processId?: string
}

export interface AssignmentOptions {
  /** Assign an L1 transaction (`base-layer`). */
  baseLayer?: boolean
  /** Fields of the assigned tx to leave out of the evaluated message (e.g. `Data`). */
  exclude?: string[]
  signal?: AbortSignal
}

export class MuClient {
  constructor(
    readonly url: string,
    private readonly http: HttpClient = new HttpClient(),
  ) {}

  /** `POST /` with a signed item; the MU answers 202 `{message, id, processId?}`. */
  postItem(item: Uint8Array, signal?: AbortSignal): Promise<MuPostResult> {
    return this.http.json({ url: joinUrl(this.url, '/'), method: 'POST', headers: octet, body: item, signal }, muPostResult)
  }

  /** `POST /?process-id=P&assign=TX[&base-layer][&exclude=a,b]`. */
  postAssignment(processId: string, txId: string, opts: AssignmentOptions = {}): Promise<MuPostResult> {
    const url = joinUrl(this.url, '/', {
      'process-id': processId,
      assign: txId,
      'base-layer': opts.baseLayer ? '' : undefined,
      exclude: opts.exclude && opts.exclude.length > 0 ? opts.exclude.join(',') : undefined,
    })
    return this.http.json({ url, method: 'POST', signal: opts.signal }, muPostResult)
  }

  /** `POST /monitor/{P}` with a signed item: the MU starts cranking the process's crons. */
  async monitor(processId: string, signedItem: Uint8Array, signal?: AbortSignal): Promise<string> {
    return this.http.text({ url: joinUrl(this.url, `/monitor/${processId}`), method: 'POST', headers: octet, body: signedItem, signal })
  }

  /** `DELETE /monitor/{P}` with a signed item. Idempotent, so it may be retried. */
  async unmonitor(processId: string, signedItem: Uint8Array, signal?: AbortSignal): Promise<string> {
    return this.http.text({ url: joinUrl(this.url, `/monitor/${processId}`), method: 'DELETE', headers: octet, body: signedItem, signal })
  }
}

const octet = { 'content-type': 'application/octet-stream' }

const muPostResult: Validate<MuPostResult> = (v, f = '') => {
  const o = obj(v, f)
  const r: MuPostResult = { id: str(o.id, sub(f, 'id')) }
  const message = optStr(o.message, sub(f, 'message'))
  const processId = optStr(o.processId, sub(f, 'processId'))
  if (message !== undefined) r.message = message
  if (processId !== undefined) r.processId = processId
  return r
}
