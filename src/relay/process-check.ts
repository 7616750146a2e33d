/**
 * Is an outbox message's Target a process? The reference MU asks before pushing (ao
 * `servers/mu/src/domain/lib/build-tx.js` + `clients/gateway.js` isWallet: a gateway `HEAD /{id}`
 * that succeeds means "a transaction, so a process"); a push to anything else (a wallet, for a
 * token's Debit-Notice) is not scheduled anywhere: the reference uploads it to Arweave instead.
 *
 * We answer more exactly than a HEAD (which also succeeds for a message or a module id):
 * 1. gateway GraphQL by id: found with `Type: Process` → a process; found with another Type (or
 *    none) → not one (what the id names is settled);
 * 2. not indexed (a wallet, or a process too fresh for the gateway's index): the SU that would
 *    own it answers `GET /processes/{id}`: 200 → a process, 404 → not one.
 * Answers are final for an id, so they are cached for the life of the checker. Network failures
 * are thrown, never guessed: the crank records an error and tries again on the next crank.
 */
import { isProtocolError } from '../protocol/errors'
import type { GatewayClient } from '../protocol/gateway-client'
import type { SuClient } from '../protocol/su-client'
import { tagValue } from '../protocol/wire-types'

export type TargetKind = 'process' | 'not-a-process'

export interface ProcessCheckDeps {
  gateway: GatewayClient
  /** the SU that would own process `id` (located, or the configured SU / router) */
  suFor: (id: string) => Promise<SuClient>
}

export class ProcessCheck {
  private readonly known = new Map<string, TargetKind>()
  private readonly inFlight = new Map<string, Promise<TargetKind>>()

  constructor(private readonly deps: ProcessCheckDeps) {}

  async kindOf(id: string, signal?: AbortSignal): Promise<TargetKind> {
    const cached = this.known.get(id)
    if (cached) return cached
    let p = this.inFlight.get(id)
    if (!p) {
      p = this.lookup(id, signal)
        .then((kind) => {
          this.known.set(id, kind)
          return kind
        })
        .finally(() => this.inFlight.delete(id))
      this.inFlight.set(id, p)
    }
    return p
  }

  async isProcess(id: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.kindOf(id, signal)) === 'process'
  }

  private async lookup(id: string, signal?: AbortSignal): Promise<TargetKind> {
    const tx = await this.deps.gateway.transaction(id, signal)
    if (tx) return tagValue(tx.tags, 'Type') === 'Process' ? 'process' : 'not-a-process'
    const su = await this.deps.suFor(id)
    try {
      await su.getProcess(id, signal)
      return 'process'
    } catch (e) {
      if (isProtocolError(e, 'http/not-found')) return 'not-a-process'
      throw e
    }
  }
}
