/**
 * The uploader a messenger unit hands non-process pushes to. The reference MU sends an outbox
 * message whose Target is not a process (a wallet: a token's Debit-Notice to its sender) straight to
 * Arweave instead of an SU: `POST {UPLOADER_URL}/tx/arweave` with the signed ANS-104 item as
 * `application/octet-stream` and `Accept: application/json`; a 2xx answers JSON with at least the
 * item's `id` (ao `servers/mu/src/domain/clients/uploader.js`; `UPLOADER_URL` defaults to
 * `https://up.arweave.net`, `servers/mu/src/config.js`).
 *
 * Writes are not retried here (the send queue decides, with its backoff); an answer naming another
 * id than the item's is an error, so a receipt always vouches for the exact bytes we signed.
 */
import { HttpClient, joinUrl } from '../protocol/http'
import { obj, optStr, str, sub, type Validate } from '../protocol/wire-types'
import { RelayError } from './errors'

export interface UploadReceipt {
  id: string
  /** the uploader's own acceptance time, when it says (ms or the bundler's string form) */
  timestamp?: string
  /** where the item went */
  uploader: string
}

export class UploaderClient {
  constructor(
    readonly url: string,
    private readonly http: HttpClient = new HttpClient(),
  ) {}

  /** Uploads one signed item whose id is `id`; resolves with the uploader's receipt. */
  async upload(id: string, item: Uint8Array, signal?: AbortSignal): Promise<UploadReceipt> {
    const url = joinUrl(this.url, '/tx/arweave')
    const answer = await this.http.json({ url, method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: item, signal }, uploadAnswer)
    if (answer.id !== id) {
      throw new RelayError('send/refused', `uploader ${url} answered for item ${answer.id}, not for the uploaded item ${id}`, { id, answered: answer.id })
    }
    return answer.timestamp === undefined ? { id, uploader: this.url } : { id, timestamp: answer.timestamp, uploader: this.url }
  }
}

const uploadAnswer: Validate<{ id: string; timestamp?: string }> = (v, f = '') => {
  const o = obj(v, f)
  const id = str(o.id, sub(f, 'id'))
  // Bundlers answer a number (ms); keep it as text so any form passes through unchanged.
  const ts = typeof o.timestamp === 'number' ? String(o.timestamp) : optStr(o.timestamp, sub(f, 'timestamp'))
  return ts === undefined ? { id } : { id, timestamp: ts }
}
