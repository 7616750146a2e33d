/**
 * A fast builder of large aos processes for benches: the same spawn and message mix as
 * `fillProcess` (fill-mix.ts), but signed here with our own signer (src/protocol) several at a
 * time and posted straight to the devnet SU, in order, without waiting for evaluation. Meant for
 * a devnet started with `lazyCompute: true`, where a post only schedules; `settle` then makes
 * the CU fold the log (which pushes the self-Pings' outboxes) until the log stops growing.
 *
 * Items look like aoconnect's (Data-Protocol, Variant, Type first, SDK last; a data-less message
 * is " " with Content-Type text/plain); each has a 32-character anchor made of its index, so a
 * log is reproducible apart from signatures and SU timestamps.
 */
import type { Devnet } from '../../devnet/devnet'
import { loadKey } from '../../devnet/keys'
import { signDataItem, type SignedItem, type Tag } from '../../../src/protocol/ans104'
import { ArweaveJwkSigner, type Signer } from '../../../src/protocol/signing'
import { plannedMessage } from './fill-mix'

export interface FastFillPlan {
  /** Messages after the spawn, the token code first (≥ 1). */
  messages: number
  module?: 'aos64' | 'aos32'
  extraTags?: Tag[]
  /** Items being signed ahead of the one being posted (RSA-4096 signing runs on the thread pool). Default 16. */
  signAhead?: number
  /** Called every `progressEvery` posts. */
  onProgress?: (posted: number) => void
  progressEvery?: number
}

export interface FastFilled {
  processId: string
  /** Client message ids in post order (outbox pushes come later, when the CU folds). */
  sent: string[]
  /** Wall time of signing and posting everything, ms. */
  ms: number
}

export class FastFillError extends Error {
  override readonly name = 'FastFillError'
}

const SU_HEADERS = { 'content-type': 'application/octet-stream' }

async function postItem(suUrl: string, item: SignedItem, what: string): Promise<void> {
  const res = await fetch(`${suUrl}/`, { method: 'POST', headers: SU_HEADERS, body: item.bytes as Uint8Array<ArrayBuffer> })
  if (!res.ok) throw new FastFillError(`SU ${suUrl} refused ${what} (${item.id}): HTTP ${res.status} ${await res.text()}`)
}

const anchorOf = (i: number): string => `fast-fill-${i}`.padEnd(32, '.')

export async function fastFill(devnet: Devnet, plan: FastFillPlan): Promise<FastFilled> {
  if (!Number.isInteger(plan.messages) || plan.messages < 1) throw new FastFillError(`messages must be a positive integer, got ${plan.messages}`)
  const t0 = performance.now()
  const signers: Record<'a' | 'b', Signer> = {
    a: new ArweaveJwkSigner(loadKey('wallet-a').jwk),
    b: new ArweaveJwkSigner(loadKey('wallet-b').jwk),
  }
  const spawn = await signDataItem(
    {
      data: ' ',
      anchor: anchorOf(0),
      tags: [
        { name: 'Data-Protocol', value: 'ao' },
        { name: 'Variant', value: 'ao.TN.1' },
        { name: 'Type', value: 'Process' },
        { name: 'Module', value: devnet.moduleIds[plan.module ?? 'aos64'] },
        { name: 'Scheduler', value: devnet.suAddress },
        { name: 'Authority', value: devnet.authority },
        ...(plan.extraTags ?? []),
        { name: 'Content-Type', value: 'text/plain' },
        { name: 'SDK', value: 'aoconnect' },
      ],
    },
    signers.a,
  )
  await postItem(devnet.urls.su, spawn, 'the spawn')
  const processId = spawn.id

  const sign = (i: number): Promise<SignedItem> => {
    const m = plannedMessage(i)
    const tags: Tag[] = [{ name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' }, { name: 'Type', value: 'Message' }, ...m.tags]
    if (m.data === undefined) tags.push({ name: 'Content-Type', value: 'text/plain' })
    tags.push({ name: 'SDK', value: 'aoconnect' })
    return signDataItem({ target: processId, anchor: anchorOf(i + 1), data: m.data ?? ' ', tags }, signers[m.signer])
  }
  // Signing runs ahead (in parallel); posts go one by one so the SU order is the plan's order.
  const ahead = Math.max(1, plan.signAhead ?? 16)
  const pending: Promise<SignedItem>[] = []
  const sent: string[] = []
  for (let i = 0; i < plan.messages; i++) {
    while (pending.length < ahead && i + pending.length < plan.messages) pending.push(sign(i + pending.length))
    const item = await pending.shift()!
    await postItem(devnet.urls.su, item, `message ${i}`)
    sent.push(item.id)
    if (plan.onProgress && (i + 1) % (plan.progressEvery ?? 1000) === 0) plan.onProgress(i + 1)
  }
  return { processId, sent, ms: performance.now() - t0 }
}

/** The process's last nonce on the SU. */
export async function headNonce(suUrl: string, processId: string): Promise<number> {
  const res = await fetch(`${suUrl}/${processId}/latest`)
  if (!res.ok) throw new FastFillError(`SU ${suUrl}/${processId}/latest: HTTP ${res.status} ${await res.text()}`)
  const node = (await res.json()) as { assignment: { tags: Tag[] } }
  const nonce = Number(node.assignment.tags.find((t) => t.name === 'Nonce')?.value)
  if (!Number.isInteger(nonce)) throw new FastFillError(`SU ${suUrl}/${processId}/latest: assignment has no integer Nonce tag`)
  return nonce
}

export interface Settled {
  /** The final head nonce (everything up to it evaluated). */
  head: number
  /** The head when `settle` started, and the time the CU took to fold up to it (all steps). */
  first: { head: number; ms: number }
  /** Heads reached after each pass (a pass ends at the head read when it started). */
  passes: { head: number; ms: number }[]
}

/**
 * Makes the (lazy) devnet CU fold the process to its head through `/result/{nonce}`, `step`
 * nonces per request (a single request for 10,000 messages outlasts fetch's 300 s headers
 * timeout), and again while the fold pushed new messages to it (the MU cranks outboxes as they
 * are evaluated).
 */
export async function settle(devnet: Devnet, processId: string, opts: { step?: number; maxPasses?: number; onProgress?: (nonce: number, ms: number) => void } = {}): Promise<Settled> {
  const step = Math.max(1, opts.step ?? 500)
  const passes: Settled['passes'] = []
  let done = -1
  for (let p = 0; p < (opts.maxPasses ?? 10); p++) {
    const head = await headNonce(devnet.urls.su, processId)
    if (head === done) return { head, first: passes[0]!, passes }
    const t0 = performance.now()
    while (done < head) {
      const target = Math.min(head, done + step)
      const res = await fetch(`${devnet.urls.cu}/result/${target}?process-id=${processId}`)
      // An errored or skipped message still answers (200 with Error, 404 naming the skip).
      if (!res.ok && res.status !== 404) throw new FastFillError(`CU /result/${target} of ${processId}: HTTP ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
      done = target
      opts.onProgress?.(done, performance.now() - t0)
    }
    passes.push({ head, ms: performance.now() - t0 })
  }
  throw new FastFillError(`process ${processId} still growing after ${passes.length} passes (heads ${passes.map((r) => r.head).join(', ')})`)
}
