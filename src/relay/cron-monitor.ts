/**
 * Cron for a process (ao-protocol.md §3): ask an MU to monitor it (`POST /monitor/{P}` with a
 * signed item; `DELETE` stops), or, when cranking here, poll the CU's `/cron/{P}` results from a
 * cursor and push each cron outbox through the crank (no `Pushed-For`: crons have no origin id),
 * as the reference MU's monitor does (it polls `/cron` every 500 ms from a saved cursor).
 * Exactly once across reloads: the cursor is persisted after each cranked result, and each outbox
 * entry is keyed by (P, `cron:<cursor>`, kind, index) in the crank's persistent `pushed` record, so
 * a result re-read after a crash between the two is not pushed again.
 */
import { HttpClient, joinUrl } from '../protocol/http'
import type { CuMessage } from '../protocol/cu-client'
import { MuClient } from '../protocol/mu-client'
import { messageItem } from './item-builder'
import type { ItemSigner } from './signer'
import type { Crank, CrankOrigin, CrankReport, OutboxResult } from './crank'

/** Asks the MU to crank P's crons; the item is signed by `signer` (the MU checks it). */
export async function requestMonitor(mu: MuClient, signer: ItemSigner, processId: string, stop = false): Promise<string> {
  const signed = await signer.sign(messageItem({ target: processId, tags: [{ name: 'Action', value: stop ? 'Unmonitor' : 'Monitor' }] }))
  return stop ? mu.unmonitor(processId, signed.bytes) : mu.monitor(processId, signed.bytes)
}

export interface CronPage {
  hasNextPage: boolean
  edges: { cursor: string; node: OutboxResult & { Messages?: CuMessage[] } }[]
}

/** Polls `GET {cu}/cron/{P}?from=<cursor>&limit=` and cranks every new cron result once. */
export class CronMonitor {
  private cursor: string | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = true
  private polling: Promise<void> | undefined

  constructor(
    private readonly opts: {
      cuUrl: string
      http?: HttpClient
      crank: Crank
      origin: Omit<CrankOrigin, 'messageId' | 'pushedFor'>
      intervalMs?: number
      /** where the cursor survives a reload (the relay's settings store) */
      cursorStore?: { get(): Promise<string | undefined>; set(cursor: string): Promise<void> }
      onReport?: (r: CrankReport) => void
      onError?: (e: unknown) => void
    },
  ) {}

  /** One poll; returns how many cron results were cranked completely. */
  async poll(): Promise<number> {
    const http = this.opts.http ?? new HttpClient()
    if (this.cursor === undefined && this.opts.cursorStore) this.cursor = await this.opts.cursorStore.get()
    const url = joinUrl(this.opts.cuUrl, `/cron/${this.opts.origin.processId}`, { from: this.cursor, limit: 50 })
    const page = (await http.json({ url }, (v) => v as CronPage)) ?? { hasNextPage: false, edges: [] }
    let done = 0
    for (const edge of page.edges ?? []) {
      const report = await this.opts.crank.crank(edge.node, { ...this.opts.origin, messageId: `cron:${edge.cursor}`, pushedFor: null })
      this.opts.onReport?.(report)
      // A result whose crank failed somewhere (a target check or a push refused) is cranked again on
      // the next poll (what was pushed is remembered, so only the rest goes out): the cursor stays.
      if (report.errors.length > 0) return done
      this.cursor = edge.cursor
      await this.opts.cursorStore?.set(edge.cursor)
      done++
    }
    return done
  }

  get running(): boolean {
    return !this.stopped
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    const tick = async () => {
      try {
        await this.poll()
      } catch (e) {
        this.opts.onError?.(e)
      }
      if (!this.stopped) this.timer = setTimeout(() => void (this.polling = tick()), this.opts.intervalMs ?? 500)
    }
    this.polling = tick()
  }

  /** Stops polling; resolves once a poll in flight has finished (its pushes are done). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.polling
  }
}
