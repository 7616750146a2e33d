/**
 * The gateway's item index: every data item the devnet publishes (modules, the
 * Scheduler-Location record, processes, messages, SU assignments, MU outbox records) is
 * "mined" into a block here, so GraphQL and `/raw/{id}` can serve it as arweave.net would.
 */
import { createHash } from 'node:crypto'
import type { DataItem } from 'arbundles'
import { toB64Url } from '../../src/protocol/base64url'
import { now } from './clock'
import type { Tag } from './data-item'
import { addressOfOwner } from './keys'

/**
 * Heights start above 1,440,000: the reference CU only checks the hash chain of processes
 * spawned at or above that height, and devnet processes should get the full check.
 */
export const GENESIS_HEIGHT = 1_500_000

export interface Block {
  id: string
  height: number
  /** Seconds, as Arweave block timestamps are. */
  timestamp: number
  previous: string
}

export interface StoredItem {
  id: string
  item: DataItem
  block: Block
  /** Insertion order, used as the GraphQL cursor and for sorting within a block. */
  seq: number
  tags: Tag[]
  /** Address of the signer. */
  ownerAddress: string
}

export class GatewayStore {
  readonly blocks: Block[] = []
  private readonly items = new Map<string, StoredItem>()
  private readonly ordered: StoredItem[] = []

  constructor() {
    this.mine()
  }

  get height(): number {
    return this.tip.height
  }

  private get tip(): Block {
    const tip = this.blocks[this.blocks.length - 1]
    if (!tip) throw new Error('gateway has no genesis block')
    return tip
  }

  private mine(): Block {
    const previous = this.blocks[this.blocks.length - 1]
    const height = previous ? previous.height + 1 : GENESIS_HEIGHT
    const id = toB64Url(createHash('sha384').update(`devnet-block-${height}-${previous?.id ?? ''}`).digest())
    const block: Block = { id, height, timestamp: Math.floor(now() / 1000), previous: previous?.id ?? '' }
    this.blocks.push(block)
    return block
  }

  /**
   * Mines an empty block when the tip is at least `ageMs` old: while crons are monitored the
   * devnet keeps producing blocks (for block-based crons) even when no item arrives.
   */
  mineIfOlderThan(ageMs: number): Block | undefined {
    return now() - this.tip.timestamp * 1000 >= ageMs ? this.mine() : undefined
  }

  /** Stores items in one new block (already known ids are skipped); returns the new block. */
  put(items: readonly DataItem[]): Block | undefined {
    const fresh = items.filter((i) => !this.items.has(i.id))
    if (fresh.length === 0) return undefined
    const block = this.mine()
    for (const item of fresh) {
      const stored: StoredItem = {
        id: item.id,
        item,
        block,
        seq: this.ordered.length,
        tags: item.tags,
        ownerAddress: addressOfOwner(item.owner),
      }
      this.items.set(stored.id, stored)
      this.ordered.push(stored)
    }
    return block
  }

  get(id: string): StoredItem | undefined {
    return this.items.get(id)
  }

  /** All items, oldest first. */
  all(): readonly StoredItem[] {
    return this.ordered
  }
}
