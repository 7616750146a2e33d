/**
 * Cron for a process (ao-protocol.md §3): ask an MU to monitor it (`POST /monitor/{P}` with a
 * signed item; `DELETE` stops), or, when cranking here, poll the CU's `/cron/{P}` results from a
 * cursor and push each cron outbox through the crank (no `Pushed-For`: crons have no origin id).
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
  private stopped = false

  constructor(
    private readonly opts: {
      cuUrl: string
      http?: HttpClient
      crank: Crank
      origin: Omit<CrankOrigin, 'messageId' | 'pushedFor'>
      intervalMs?: number
      onReport?: (r: CrankReport) => void
      onError?: (e: unknown) => void
    },
  ) {}

  /** One poll; returns how many cron results were cranked. */
  async poll(): Promise<number> {
    const http = this.opts.http ?? new HttpClient()
    const url = joinUrl(this.opts.cuUrl, `/cron/${this.opts.origin.processId}`, { from: this.cursor, limit: 50 })
    const page = (await http.json({ url }, (v) => v as CronPage)) ?? { hasNextPage: false, edges: [] }
    for (const edge of page.edges ?? []) {
      const report = await this.opts.crank.crank(edge.node, { ...this.opts.origin, messageId: `cron:${edge.cursor}`, pushedFor: null })
      this.opts.onReport?.(report)
      this.cursor = edge.cursor
    }
    return page.edges?.length ?? 0
  }

  start(): void {
    this.stopped = false
    const tick = async () => {
      try {
        await this.poll()
      } catch (e) {
        this.opts.onError?.(e)
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs ?? 500)
    }
    void tick()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }
}
