/**
 * Cranking like the reference MU (ao `servers/mu/src/domain/lib/build-tx.js`, `spawn-process.js`,
 * `pull-result.js`): after a message M of process P is evaluated, its outbox is pushed on:
 * - each Message with Target, Anchor and Tags becomes an item to Target, re-signed by the tab's relay
 *   key, Anchor and Data kept, tags = original minus `Data-Protocol`/`Type`/`From-Process`/
 *   `From-Module`/`Assignments`, then `Data-Protocol: ao`, `Type: Message`, `From-Process: P`,
 *   `From-Module: <P's Module tag>`, and `Pushed-For: <the id that started the cascade>`;
 *   an `Assignments` tag becomes an assignment of the pushed item to those processes;
 * - each Spawn becomes a `Type: Process` item: original minus `Data-Protocol`/`Type`/`Variant`, then
 *   `Data-Protocol: ao`, `Type: Process`, `Variant: ao.TN.1`, `From-Process: P`, `Pushed-For`;
 *   a missing `Scheduler` is P's scheduler; `From-Module` values become P's module;
 * - each Assignment `{Processes, Message}` becomes `POST {su of each}/?process-id=&assign=`;
 * and then the same for the results of what was pushed (recursively), when a result source is given.
 * A Message whose Target is not a process (a wallet: a token's Debit-Notice to its sender) is not
 * pushed to any SU, which would refuse it (404): like the reference MU (`build-tx.js` isWallet, then
 * `clients/uploader.js`), it is signed the same way and handed to the queue as an *upload* (to the
 * configured uploader, `uploader.ts`), reported in `uploaded` (and in `notAProcess`). Without an
 * uploader it is only reported `notAProcess` (and remembered, so it is neither an error nor
 * retried). Its `Assignments` tag is not acted on (the reference assigns only scheduled pushes).
 * Pushes go straight to the target's SU through the persistent queue (never to an MU, which would
 * crank them again). Idempotent: each outbox entry is pushed at most once per (P, M, kind, index),
 * remembered in `pushed`; a push that the network's MU also made is dropped by the SU's / CU's
 * deep-hash dedupe (content equal, `Pushed-For` ignored), so "crank here" never double-delivers.
 */
import type { ItemInput, Tag } from '../protocol/ans104'
import type { CuMessage } from '../protocol/cu-client'
import { isProtocolError } from '../protocol/errors'
import type { MuClient } from '../protocol/mu-client'
import { RelayError, reasonOf } from './errors'
import type { ItemSigner } from './signer'
import { SUPERSEDED_PREFIX, type SendQueue } from './send-queue'

export interface OutboxResult {
  Messages?: readonly CuMessage[]
  Spawns?: readonly CuMessage[]
  Assignments?: readonly unknown[]
}

/** Who produced a result, for the rewriting. */
export interface CrankOrigin {
  /** P: the process that evaluated the message */
  processId: string
  /** P's `Module` tag (`From-Module`) */
  moduleId: string
  /** P's `Scheduler` tag (for spawns without one) */
  schedulerAddress: string
  /** M: the evaluated message */
  messageId: string
  /** the id that started the cascade (`Pushed-For`); null for cron results, which have none */
  pushedFor: string | null
}

export interface AssignmentCall {
  processId: string
  messageId: string
}

/** The outbox of one result as unsigned items and assignment calls, in outbox order. */
export interface CrankPlan {
  messages: { index: number; input: ItemInput; assignTo: string[] }[]
  spawns: { index: number; input: ItemInput }[]
  assignments: AssignmentCall[]
  /** outbox messages the reference MU would not forward (no Target, Anchor or Tags) */
  skipped: number
}

/** Stored in `pushed` for an outbox Message whose target is not a process (never an item id: ids are 43 chars). */
export const NOT_A_PROCESS = 'not-a-process'

const MESSAGE_DROPPED = new Set(['Data-Protocol', 'Type', 'From-Process', 'From-Module', 'Assignments'])
const SPAWN_DROPPED = new Set(['Data-Protocol', 'Type', 'Variant'])

export function pushTags(msg: CuMessage, origin: CrankOrigin): Tag[] {
  const tags: Tag[] = msg.Tags.filter((t) => !MESSAGE_DROPPED.has(t.name)).map((t) => ({ name: t.name, value: t.value }))
  tags.push(
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Type', value: 'Message' },
    { name: 'From-Process', value: origin.processId },
    { name: 'From-Module', value: origin.moduleId },
  )
  if (origin.pushedFor) tags.push({ name: 'Pushed-For', value: origin.pushedFor })
  return tags
}

export function spawnTags(spawn: CuMessage, origin: CrankOrigin): Tag[] {
  const tags: Tag[] = spawn.Tags.filter((t) => !SPAWN_DROPPED.has(t.name)).map((t) => ({
    name: t.name,
    value: t.name === 'From-Module' ? origin.moduleId : t.value,
  }))
  tags.push(
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Type', value: 'Process' },
    { name: 'Variant', value: 'ao.TN.1' },
    { name: 'From-Process', value: origin.processId },
  )
  if (origin.pushedFor) tags.push({ name: 'Pushed-For', value: origin.pushedFor })
  if (!tags.some((t) => t.name === 'Scheduler')) tags.push({ name: 'Scheduler', value: origin.schedulerAddress })
  if (!tags.some((t) => t.name === 'Module')) throw new RelayError('crank/bad-outbox', `spawn from ${origin.processId} (message ${origin.messageId}) has no Module tag`, { processId: origin.processId })
  return tags
}

/** Pure: what the reference MU would push for this result. */
export function planCrank(result: OutboxResult, origin: CrankOrigin): CrankPlan {
  const plan: CrankPlan = { messages: [], spawns: [], assignments: [], skipped: 0 }
  ;(result.Messages ?? []).forEach((msg, index) => {
    if (!msg.Target || !msg.Anchor || !Array.isArray(msg.Tags)) {
      plan.skipped++
      return
    }
    const assignTag = msg.Tags.find((t) => t.name === 'Assignments')?.value
    plan.messages.push({
      index,
      input: { target: msg.Target, anchor: msg.Anchor, tags: pushTags(msg, origin), data: dataOf(msg) },
      assignTo: assignTag ? splitList(assignTag) : [],
    })
  })
  ;(result.Spawns ?? []).forEach((spawn, index) => {
    plan.spawns.push({ index, input: { tags: spawnTags(spawn, origin), data: dataOf(spawn) } })
  })
  for (const a of result.Assignments ?? []) {
    const o = a as { Processes?: unknown; Message?: unknown }
    if (!Array.isArray(o.Processes) || typeof o.Message !== 'string') {
      throw new RelayError('crank/bad-outbox', `result of ${origin.messageId} has an Assignment without Processes[] and Message`, { messageId: origin.messageId })
    }
    for (const p of o.Processes) if (typeof p === 'string') plan.assignments.push({ processId: p, messageId: o.Message })
  }
  return plan
}

export interface CrankDeps {
  /** the tab's relay key */
  signer: ItemSigner
  queue: SendQueue
  /** `POST {su}/?process-id=P&assign=M` at the SU of P (same wire shape as the MU's) */
  assignAt: (processId: string) => Promise<MuClient>
  /** (P, M, kind, index) → pushed item id; persisted so a restart does not push again */
  pushed: { get(key: string): Promise<string | undefined>; set(key: string, id: string): Promise<void> }
  /** the result of a pushed message, when this tab (or a trusted CU) computes it; enables recursion */
  resultOf?: (messageId: string, processId: string) => Promise<OutboxResult | null>
  /** whether a Message's Target is a process (`ProcessCheck`); false: not pushed, reported `notAProcess` */
  isProcess: (id: string) => Promise<boolean>
  /** P's Module and Scheduler tags */
  processInfo: (processId: string) => Promise<{ moduleId: string; schedulerAddress: string }>
  maxDepth?: number
}

export interface CrankReport {
  pushed: { id: string; target: string; kind: 'message' | 'spawn'; depth: number }[]
  assigned: AssignmentCall[]
  alreadyPushed: number
  /** pushes the SU already had from another MU (equal deep hash) */
  superseded: number
  /** outbox Messages to a target that is not a process (a wallet): not pushed to any SU */
  notAProcess: { target: string; messageId: string; index: number }[]
  /** of those, the items handed to the uploader (delivered: the uploader's receipt is in the queue) */
  uploaded: { id: string; target: string; uploader: string; depth: number }[]
  skipped: number
  errors: { where: string; error: string }[]
}

export class Crank {
  /** keys being pushed or uploaded right now, and when that ends */
  private readonly inflight = new Map<string, Promise<void>>()

  constructor(private readonly deps: CrankDeps) {}

  /**
   * Two cranks of the same hop can run at once in one relay: the tab's own evaluation of a pushed
   * message and the recursion from the CU's result of it. One key is worked on by one of them at a
   * time, so the second finds the first's record (`alreadyPushed`) instead of signing it again.
   */
  private async exclusive<T>(key: string, f: () => Promise<T>): Promise<T> {
    for (let busy = this.inflight.get(key); busy; busy = this.inflight.get(key)) await busy
    let release!: () => void
    this.inflight.set(key, new Promise<void>((r) => (release = r)))
    try {
      return await f()
    } finally {
      this.inflight.delete(key)
      release()
    }
  }

  /** Pushes the outbox of `result`, then (with `resultOf`) the outboxes of what it pushed. */
  async crank(result: OutboxResult, origin: CrankOrigin, report: CrankReport = emptyReport(), depth = 0): Promise<CrankReport> {
    if (depth > (this.deps.maxDepth ?? 32)) {
      report.errors.push({ where: `message ${origin.messageId}`, error: `cascade deeper than ${this.deps.maxDepth ?? 32} pushes: stopped` })
      return report
    }
    const plan = planCrank(result, origin)
    report.skipped += plan.skipped
    const next: { id: string; target: string }[] = []
    for (const m of plan.messages) {
      const key = `${origin.processId}:${origin.messageId}:message:${m.index}`
      const target = m.input.target as string
      const kind = await this.targetKind(key, target, report)
      if (kind !== 'process') {
        if (kind === NOT_A_PROCESS) {
          report.notAProcess.push({ target, messageId: origin.messageId, index: m.index })
          if (this.deps.queue.canUpload) await this.exclusive(key, () => this.upload(key, m.input, report, depth))
        }
        continue
      }
      const id = await this.exclusive(key, () => this.push(key, m.input, report, 'message', depth))
      if (!id) continue
      next.push({ id, target: m.input.target as string })
      for (const p of m.assignTo) plan.assignments.push({ processId: p, messageId: id })
    }
    for (const s of plan.spawns) {
      const key = `${origin.processId}:${origin.messageId}:spawn:${s.index}`
      const id = await this.exclusive(key, () => this.push(key, s.input, report, 'spawn', depth))
      if (id) next.push({ id, target: id })
    }
    for (const a of plan.assignments) {
      const key = `${origin.processId}:${origin.messageId}:assign:${a.processId}:${a.messageId}`
      if (await this.deps.pushed.get(key)) continue
      try {
        await (await this.deps.assignAt(a.processId)).postAssignment(a.processId, a.messageId)
        await this.deps.pushed.set(key, a.messageId)
        report.assigned.push(a)
      } catch (e) {
        report.errors.push({ where: `assignment of ${a.messageId} to ${a.processId}`, error: reasonOf(e) })
      }
    }
    if (!this.deps.resultOf) return report
    for (const n of next) {
      try {
        const r = await this.deps.resultOf(n.id, n.target)
        if (!r) continue
        const info = await this.deps.processInfo(n.target)
        await this.crank(r, { processId: n.target, moduleId: info.moduleId, schedulerAddress: info.schedulerAddress, messageId: n.id, pushedFor: origin.pushedFor }, report, depth + 1)
      } catch (e) {
        report.errors.push({ where: `result of pushed ${n.id} on ${n.target}`, error: reasonOf(e) })
      }
    }
    return report
  }

  /**
   * 'process', NOT_A_PROCESS (remembered under `key`, so a later crank neither asks again nor
   * counts it as pushed), or 'unknown' when the check failed (an error, tried again next crank).
   */
  private async targetKind(key: string, target: string, report: CrankReport): Promise<'process' | typeof NOT_A_PROCESS | 'unknown'> {
    const known = await this.deps.pushed.get(key)
    if (known === NOT_A_PROCESS) return NOT_A_PROCESS
    if (known) return 'process' // pushed before: push() counts it
    try {
      if (await this.deps.isProcess(target)) return 'process'
    } catch (e) {
      if (isProtocolError(e, 'http/aborted')) throw e
      report.errors.push({ where: `message ${key}: is ${target} a process?`, error: reasonOf(e) })
      return 'unknown'
    }
    await this.deps.pushed.set(key, NOT_A_PROCESS)
    return NOT_A_PROCESS
  }

  /** Signs an outbox Message to a non-process target and uploads it through the queue (once per key). */
  private async upload(key: string, input: ItemInput, report: CrankReport, depth: number): Promise<void> {
    const uploadKey = `${key}:upload`
    if (await this.deps.pushed.get(uploadKey)) {
      report.alreadyPushed++
      return
    }
    try {
      // Queued (persisted) before it is marked: a crash in between signs again, and the relay key's
      // Ed25519 signature is deterministic, so the same id is found in the queue.
      const signed = await this.deps.signer.sign(input)
      await this.deps.queue.enqueue(signed.bytes, { upload: true })
      await this.deps.pushed.set(uploadKey, signed.id)
      const done = await this.deps.queue.deliver(signed.id, { untilAssigned: true })
      const receipt = await this.deps.queue.uploadReceipt(done.id)
      report.uploaded.push({ id: signed.id, target: done.target, uploader: receipt?.uploader ?? '', depth })
    } catch (e) {
      if (isProtocolError(e, 'http/aborted')) throw e
      report.errors.push({ where: `upload ${key}`, error: reasonOf(e) })
    }
  }

  private async push(key: string, input: ItemInput, report: CrankReport, kind: 'message' | 'spawn', depth: number): Promise<string | null> {
    const known = await this.deps.pushed.get(key)
    if (known && known !== NOT_A_PROCESS) {
      report.alreadyPushed++
      // Walk on through it: a crank cut short after this hop still owes the next ones (their own
      // keys keep them from going out twice).
      const rec = await this.deps.queue.get(known)
      return rec && !(rec.lastError ?? '').startsWith(SUPERSEDED_PREFIX) ? known : null
    }
    try {
      const signed = await this.deps.signer.sign(input)
      await this.deps.pushed.set(key, signed.id)
      const rec = await this.deps.queue.submit(signed.bytes, { untilAssigned: true })
      if ((rec.lastError ?? '').startsWith(SUPERSEDED_PREFIX)) {
        report.superseded++ // another MU pushed the same content first; its push is the one evaluated
        return null
      }
      report.pushed.push({ id: signed.id, target: rec.target, kind, depth })
      return signed.id
    } catch (e) {
      if (isProtocolError(e, 'http/aborted')) throw e
      report.errors.push({ where: `${kind} ${key}`, error: reasonOf(e) })
      return null
    }
  }
}

export function emptyReport(): CrankReport {
  return { pushed: [], assigned: [], alreadyPushed: 0, superseded: 0, notAProcess: [], uploaded: [], skipped: 0, errors: [] }
}

function dataOf(m: CuMessage): string {
  if (m.Data === undefined || m.Data === null) return ''
  return typeof m.Data === 'string' ? m.Data : JSON.stringify(m.Data)
}

// The reference passes the tag's value through as the Processes list; aos writes a comma list.
function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean)
}
