/**
 * A minimal ao client over plain HTTP for devnet scripts and tests: sign an item with a devnet
 * key (arbundles) and post it to the MU, like aoconnect's legacy mode does, plus the MU's
 * `/monitor` and `?assign=` calls. Errors name the URL and the status.
 */
import type { DataItem } from 'arbundles'
import { signItem, type Tag } from './data-item'
import type { DevnetKey } from './keys'

export class AoHttpError extends Error {
  override readonly name = 'AoHttpError'
  constructor(
    readonly url: string,
    readonly status: number,
    body: string,
  ) {
    super(`${url} answered ${status}: ${body.slice(0, 300)}`)
  }
}

async function call(url: string, init: RequestInit): Promise<unknown> {
  const res = await fetch(url, init)
  const text = await res.text()
  if (!res.ok) throw new AoHttpError(url, res.status, text)
  return text ? (JSON.parse(text) as unknown) : undefined
}

export function postItem(url: string, item: DataItem): Promise<unknown> {
  return call(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(item.getRaw()) })
}

export interface SpawnInput {
  module: string
  scheduler: string
  tags?: Tag[]
  data?: string
}

/** Spawns a process through the MU; resolves with its id once the devnet has evaluated it. */
export async function spawnProcess(muUrl: string, key: DevnetKey, input: SpawnInput): Promise<string> {
  const item = await signItem(key.signer, {
    data: input.data ?? '1984',
    tags: [
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Variant', value: 'ao.TN.1' },
      { name: 'Type', value: 'Process' },
      { name: 'Module', value: input.module },
      { name: 'Scheduler', value: input.scheduler },
      { name: 'Content-Type', value: 'text/plain' },
      ...(input.tags ?? []),
    ],
  })
  await postItem(`${muUrl}/`, item)
  return item.id
}

/** Sends a message through the MU; resolves with its id once it (and its cascade) is evaluated. */
export async function sendMessage(muUrl: string, key: DevnetKey, processId: string, tags: Tag[], data = ''): Promise<string> {
  const item = await signItem(key.signer, {
    target: processId,
    data,
    tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' }, { name: 'Type', value: 'Message' }, ...tags],
  })
  await postItem(`${muUrl}/`, item)
  return item.id
}

/** MU `POST|DELETE /monitor/{pid}` with a signed item as the body (aoconnect's monitor shape). */
export async function monitor(muUrl: string, key: DevnetKey, processId: string, method: 'POST' | 'DELETE'): Promise<void> {
  const item = await signItem(key.signer, {
    target: processId,
    data: ' ',
    tags: [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' }, { name: 'Type', value: 'Message' }],
  })
  await call(`${muUrl}/monitor/${processId}`, { method, headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(item.getRaw()) })
}
