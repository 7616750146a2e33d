/**
 * The devnet SU's core: one log per process, nonces 0,1,2,… with the Process itself at nonce 0,
 * each entry an [assignment, message] pair where the assignment is a real ANS-104 item signed by
 * the SU key with the reference tags in the reference order (ao servers/su builder.rs
 * gen_assignment) and the legacynet hash chain.
 */
import type { DataItem } from 'arbundles'
import { randomBytes } from 'node:crypto'
import { pushDeepHash } from './push-deep-hash'
import { now } from './clock'
import { signItem, tagValue, type Tag } from './data-item'
import type { GatewayStore } from './gateway-store'
import { hashChainSeed, nextHashChain } from './hash-chain'
import type { DevnetKey } from './keys'

export interface ScheduledEntry {
  processId: string
  nonce: number
  epoch: number
  /** SU clock, ms. */
  timestamp: number
  blockHeight: number
  hashChain: string
  /** The message id (for an assignment of an existing item: its `Message` tag). */
  messageId: string
  /** The item exactly as its signer made it; null for an assignment of an existing item. */
  message: DataItem | null
  assignment: DataItem
  /** `Exclude` values of an assignment (fields the CU must not hydrate). */
  exclude: string[]
}

export interface ProcessLog {
  processId: string
  process: DataItem
  entries: ScheduledEntry[]
}

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError'
  constructor(
    readonly status: 400 | 404 | 409 | 501,
    message: string,
  ) {
    super(message)
  }
}

/** 12-digit zero padding, as the SU writes heights (`/timestamp`, Block-Height tags). */
export function padHeight(height: number): string {
  return String(height).padStart(12, '0')
}

export class SchedulerLog {
  private readonly logs = new Map<string, ProcessLog>()
  /** `${processId}:${messageId}` → entry */
  private readonly byMessage = new Map<string, ScheduledEntry>()
  /** Assignment id → entry (GET /{id} accepts assignment ids too). */
  private readonly byAssignment = new Map<string, ScheduledEntry>()
  /** Per process: SU deep hashes of the pushes scheduled so far (see pushDeepHash). */
  private readonly pushHashes = new Map<string, Set<string>>()
  private tail: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly key: DevnetKey,
    private readonly gateway: GatewayStore,
    /** Refuse a push whose deep hash (ignoring Pushed-For) was already scheduled, like the real SU. */
    private readonly dedupePushes = true,
  ) {}

  get address(): string {
    return this.key.address
  }

  process(processId: string): ProcessLog | undefined {
    return this.logs.get(processId)
  }

  find(processId: string, messageId: string): ScheduledEntry | undefined {
    return this.byMessage.get(`${processId}:${messageId}`)
  }

  findAssignment(assignmentId: string): ScheduledEntry | undefined {
    return this.byAssignment.get(assignmentId)
  }

  /** Schedules a Process item at nonce 0 (idempotent by id). */
  scheduleProcess(item: DataItem): Promise<ScheduledEntry> {
    return this.serial(async () => {
      const known = this.logs.get(item.id)
      if (known) return known.entries[0]!
      const tags = item.tags
      if (tagValue(tags, 'Type') !== 'Process') throw new ScheduleError(400, `item ${item.id} is not Type=Process`)
      if (!tagValue(tags, 'Module')) throw new ScheduleError(400, `process ${item.id} has no Module tag`)
      if (!tagValue(tags, 'Scheduler')) throw new ScheduleError(400, `process ${item.id} has no Scheduler tag`)
      const log: ProcessLog = { processId: item.id, process: item, entries: [] }
      const entry = await this.append(log, item)
      this.logs.set(item.id, log)
      return entry
    })
  }

  /** Schedules a Message item on its target process (idempotent per process and id). */
  scheduleMessage(item: DataItem, processId: string): Promise<ScheduledEntry> {
    return this.serial(async () => {
      const known = this.byMessage.get(`${processId}:${item.id}`)
      if (known) return known
      const log = this.logs.get(processId)
      if (!log) throw new ScheduleError(404, `process ${processId} is not scheduled on this SU`)
      if (tagValue(item.tags, 'Type') !== 'Message') throw new ScheduleError(400, `item ${item.id} is not Type=Message`)
      const hash = this.dedupePushes ? pushDeepHash(item) : undefined
      const seen = this.pushHashes.get(processId) ?? new Set<string>()
      if (hash !== undefined && seen.has(hash)) {
        throw new ScheduleError(400, `message ${item.id}: a push with the same deep hash (ignoring Pushed-For) is already scheduled on process ${processId}`)
      }
      const entry = await this.append(log, item)
      if (hash !== undefined) this.pushHashes.set(processId, seen.add(hash))
      return entry
    })
  }

  /**
   * Assigns an existing item to a process (SU `POST /?process-id=P&assign=TX`): the item must
   * be known to the gateway (the SU's `gql_tx` check); with `base-layer` it must have at least
   * `Settlement-Depth` (default 20) confirmations, as the reference SU requires of L1 txs.
   */
  assign(processId: string, messageId: string, opts: { exclude?: string[]; baseLayer?: boolean } = {}): Promise<ScheduledEntry> {
    return this.serial(async () => {
      const log = this.logs.get(processId)
      if (!log) throw new ScheduleError(404, `assign: process ${processId} is not scheduled on this SU`)
      const stored = this.gateway.get(messageId)
      if (!stored) throw new ScheduleError(400, `assign: transaction ${messageId} is not available on the gateway`)
      if (opts.baseLayer) {
        const depth = Number.parseInt(tagValue(log.process.tags, 'Settlement-Depth') ?? '', 10)
        const threshold = Number.isInteger(depth) ? depth : 20
        const confirmations = this.gateway.height - stored.block.height
        if (confirmations < threshold) throw new ScheduleError(400, `assign: ${messageId} has ${confirmations} confirmations, Settlement-Depth needs ${threshold}`)
      }
      return this.append(log, null, messageId, opts.exclude ?? [])
    })
  }

  private async append(log: ProcessLog, message: DataItem | null, assignedId?: string, exclude: string[] = []): Promise<ScheduledEntry> {
    const messageId = message?.id ?? assignedId
    if (!messageId) throw new Error('append needs a message or an assigned id')
    const prev = log.entries[log.entries.length - 1]
    const nonce = log.entries.length
    const epoch = 0
    // The SU clock never goes backwards within a process (equal milliseconds are possible).
    const timestamp = Math.max(now(), prev?.timestamp ?? 0)
    const blockHeight = this.gateway.height
    const hashChain = prev ? nextHashChain(prev.assignment.id, prev.hashChain) : hashChainSeed(log.processId)
    const tags: Tag[] = [
      { name: 'Process', value: log.processId },
      { name: 'Epoch', value: String(epoch) },
      { name: 'Nonce', value: String(nonce) },
      { name: 'Hash-Chain', value: hashChain },
      { name: 'Block-Height', value: padHeight(blockHeight) },
      { name: 'Timestamp', value: String(timestamp) },
      { name: 'Data-Protocol', value: 'ao' },
      { name: 'Type', value: 'Assignment' },
      { name: 'Variant', value: 'ao.TN.1' },
    ]
    if (messageId !== log.processId) tags.push({ name: 'Message', value: messageId })
    for (const e of exclude) tags.push({ name: 'Exclude', value: e })
    // Like the real SU (bytes.rs DataItem::new), 32 random anchor bytes: its JSON shows them only
    // with `show-anchor`, so a client that doesn't ask cannot verify the assignment.
    const assignment = await signItem(this.key.signer, { tags, rawAnchor: randomBytes(32) })
    const entry: ScheduledEntry = {
      processId: log.processId,
      nonce,
      epoch,
      timestamp,
      blockHeight,
      hashChain,
      messageId,
      message,
      assignment,
      exclude,
    }
    log.entries.push(entry)
    // Like the real SU, the [assignment, message] pair is uploaded and so becomes queryable.
    this.gateway.put(message ? [message, assignment] : [assignment])
    this.byMessage.set(`${log.processId}:${messageId}`, entry)
    this.byAssignment.set(assignment.id, entry)
    return entry
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }
}
