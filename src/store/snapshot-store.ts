/**
 * Snapshots of a process's linear memory in IndexedDB: full (the non-zero pages) or incremental
 * (XOR deltas of the pages changed since a base snapshot, zero-run packed), each link checked by its
 * own content digest which chains to its base (snapshot-codec.ts). Chains are kept short (a
 * full snapshot after `maxDepth` incrementals). Restore checks every link, rebuilds the memory, and
 * on a mismatch marks the snapshot corrupt and falls back to an older one.
 *
 * The page image (copies of the non-zero pages, ~2 MB for aos) of each process's newest written or
 * restored snapshot stays in RAM: an incremental needs it (exact comparison and XOR), so without it
 * (a fresh store that restored nothing, or a base that isn't the cached one) the write is full.
 */
import type { StoreDb } from './db'
import type { Ordinate, SnapshotRecord } from './records'
import { snapshotsToPrune, type EvictedSnapshot } from './snapshot-eviction'
import type { PageImage } from './snapshot-image'
import type { SparseMemory } from '../wasm/sparse-memory'
import { StoreError, isStoreError } from './errors'
import { checkOrdinate, ordinateText } from './ordinate'
import { READABLE_SNAPSHOT_FORMATS, SNAPSHOT_FORMAT, encodeSnapshot, openLink, rebuildMemory, rebuildSparse, sha256Hex, type OpenLinkOptions, type SnapshotLink, type StoredLink } from './snapshot-codec'

export interface WriteSnapshotOptions {
  /** 'auto' (default): incremental on the newest usable snapshot at or below the ordinate; 'full': always full */
  mode?: 'auto' | 'full'
  /** incrementals allowed on top of a full snapshot before the next full one (default 8) */
  maxDepth?: number
  /** hex SHA-256 of `memory` if the caller already has it; recorded as the snapshot's `sha256` */
  sha256?: string
  /** compute the whole-memory SHA-256 for an incremental too (~100 ms for aos; default false) */
  hashWholeMemory?: boolean
  /**
   * write only if the process record is still stored (checked in the write transaction): a
   * snapshot encoded while another tab cleared the process's cache is dropped with
   * `store/not-found` (details `cacheCleared`), instead of landing as a stray in the emptied store
   */
  requireProcess?: boolean
}

export interface WrittenSnapshot {
  snapshot: SnapshotRecord
  /** old snapshots deleted to make room (quota) */
  evicted: EvictedSnapshot[]
  /**
   * ms: encodeMs = base lookup + scan + compression + hashing (scanMs: finding and copying pages,
   * and XORing them for a dense memory; compressHashMs: deflate (full) or XOR + packing (a sparse
   * incremental) and digests), writeMs = the IndexedDB transaction
   */
  timings: { encodeMs: number; writeMs: number; scanMs: number; compressHashMs: number }
}

export interface ReadSnapshotOptions {
  /**
   * Also hash the rebuilt memory and compare it with the recorded whole-memory `sha256` when there
   * is one (~100–250 ms for aos). Off by default: the link digests already cover every stored byte.
   */
  checkWholeMemory?: boolean
  /** keep the cached base for the next incremental as it is (default: this snapshot becomes it) */
  keepBase?: boolean
}

export interface RestoredSnapshot<M = Uint8Array> {
  snapshot: SnapshotRecord
  memory: M
  /** newer snapshots that failed their check and were passed over */
  skipped: { id: number; ordinate: Ordinate; error: StoreError }[]
  /** ms of the read that succeeded: IndexedDB read, links opened (decompressed, checked), memory built */
  timings?: RestoreTimings
}

export interface RestoreTimings { readMs: number; openMs: number; buildMs: number }

const now = (): number => performance.now()

/** The newest snapshot of a process this store wrote or restored: what an incremental on it needs. */
interface CachedBase {
  id: number
  ordinate: Ordinate
  depth: number
  contentSha256: string
  image: PageImage
  /** its chain, itself first (protected from eviction while writing on top of it) */
  chain: number[]
}

const atOrBelow = (a: Ordinate, b: Ordinate): boolean => a.nonce < b.nonce || (a.nonce === b.nonce && a.cron <= b.cron)

export class SnapshotStore {
  private readonly bases = new Map<string, CachedBase>()

  constructor(private readonly db: StoreDb) {}

  /**
   * Store a snapshot of `memory` (the whole linear memory after evaluating `ordinate`). The
   * memory is read during this call only, but must not change until the returned promise settles.
   */
  async write(processId: string, ordinate: Ordinate, memory: Uint8Array | SparseMemory, opts: WriteSnapshotOptions = {}): Promise<WrittenSnapshot> {
    const where = `writing snapshot of process ${processId} at ${ordinateText(ordinate)}`
    checkOrdinate(ordinate, where)
    const maxDepth = opts.maxDepth ?? 8
    const t0 = now()
    // Any snapshot at or below the ordinate is a valid base, so the cached one is used without a
    // lookup; the write transaction checks it still exists and isn't marked corrupt.
    const cached = this.bases.get(processId)
    const base = opts.mode !== 'full' && cached && cached.depth < maxDepth && atOrBelow(cached.ordinate, ordinate) ? cached : undefined
    const enc = await encodeSnapshot(memory, base ? { contentSha256: base.contentSha256, image: base.image } : null, {
      ...(opts.sha256 !== undefined && { sha256: opts.sha256 }), ...(opts.hashWholeMemory && { hashWholeMemory: true }),
    })
    const t1 = now()
    const meta: Omit<SnapshotRecord, 'id'> = {
      processId, nonce: ordinate.nonce, cron: ordinate.cron, kind: enc.kind,
      baseId: base ? base.id : null, depth: base ? base.depth + 1 : 0, byteLength: enc.byteLength, format: SNAPSHOT_FORMAT,
      sha256: enc.sha256, contentSha256: enc.contentSha256, pages: enc.pages,
      rawSize: enc.rawSize, compressedSize: enc.compressedSize, createdAt: Date.now(),
    }
    let written: { value: number; evicted: EvictedSnapshot[] }
    try {
      written = await this.db.write(['snapshots', 'snapshotData', 'processes'], where, async (tx) => {
        if (opts.requireProcess && !(await tx.objectStore('processes').get(processId))) {
          throw new StoreError('store/not-found', `${where}: process ${processId} is not stored (its cache was cleared); the snapshot is dropped`, { processId, cacheCleared: true })
        }
        if (base) {
          const b = await tx.objectStore('snapshots').get(base.id)
          if (!b || b.corrupt) {
            throw new StoreError('store/not-found', `${where}: base snapshot ${base.id} ${b ? 'was marked corrupt' : 'is gone (evicted or cleared)'}`, { baseId: base.id, baseGone: true })
          }
        }
        const key = await tx.objectStore('snapshots').add(meta as SnapshotRecord)
        await tx.objectStore('snapshotData').put({ id: key, blob: enc.blob })
        return key
      }, { protectSnapshots: base ? base.chain : [] })
    } catch (e) {
      // Start a new chain rather than fail on the same base again; the memory is still unchanged
      // (the caller's contract), so a vanished base costs one full snapshot, not a failed one.
      if (base && this.bases.get(processId) === base) this.bases.delete(processId)
      if (isStoreError(e, 'store/not-found') && e.details.baseGone) return this.write(processId, ordinate, memory, { ...opts, mode: 'full' })
      throw e
    }
    const { value: id, evicted } = written
    this.bases.set(processId, { id, ordinate, depth: meta.depth, contentSha256: enc.contentSha256, image: enc.image, chain: [id, ...(base ? base.chain : [])] })
    return { snapshot: { ...meta, id }, evicted, timings: { encodeMs: t1 - t0, writeMs: now() - t1, ...enc.timings } }
  }

  /** The newest snapshot not marked corrupt with ordinate <= the given one. */
  newestAtOrBelow(processId: string, o: Ordinate): Promise<SnapshotRecord | undefined> {
    return this.db.read(['snapshots'], `finding the newest snapshot of ${processId} at or below ${ordinateText(o)}`, async (tx) => {
      const range = IDBKeyRange.bound([processId, 0, 0], [processId, o.nonce, o.cron])
      let c = await tx.objectStore('snapshots').index('by-ordinate').openCursor(range, 'prev')
      while (c && c.value.corrupt) c = await c.continue()
      return c?.value
    })
  }

  /** All snapshot metadata of a process, in write order. */
  async list(processId: string): Promise<SnapshotRecord[]> {
    const all = await this.db.read(['snapshots'], `listing snapshots of ${processId}`,
      (tx) => tx.objectStore('snapshots').index('by-ordinate').getAll(IDBKeyRange.bound([processId, 0, 0], [processId, Infinity, Infinity])))
    return all.sort((a, b) => a.id - b.id)
  }

  /**
   * Rebuild the memory of snapshot `id`, checking every link of its chain; a mismatch marks it
   * corrupt ('store/corrupt'). Its page image becomes the base for the process's next incremental.
   */
  async read(id: number, opts: ReadSnapshotOptions = {}): Promise<{ snapshot: SnapshotRecord; memory: Uint8Array; timings: RestoreTimings }> {
    return this.rebuild(id, opts, async (chain, where, top) => {
      const { memory, image } = rebuildMemory(chain)
      if (opts.checkWholeMemory && top.sha256 !== null) await checkWhole(memory, top, where)
      return { memory, image }
    })
  }

  /**
   * `read` without building the whole memory: its non-zero pages (~2 MB for aos instead of 110 MB),
   * what the runtime loads on a warm open.
   */
  async readSparse(id: number, opts: ReadSnapshotOptions = {}): Promise<{ snapshot: SnapshotRecord; memory: SparseMemory; timings: RestoreTimings }> {
    // incrementals' deltas stay packed: rebuildSparse XORs only their literal words in
    return this.rebuild(id, { ...opts, packedDeltas: !opts.checkWholeMemory }, async (chain, where, top) => {
      const { memory, image } = rebuildSparse(chain)
      if (opts.checkWholeMemory && top.sha256 !== null) await checkWhole(rebuildMemory(chain).memory, top, where)
      return { memory, image }
    })
  }

  private async rebuild<M>(id: number, opts: ReadSnapshotOptions & OpenLinkOptions, build: (chain: SnapshotLink[], where: string, top: SnapshotRecord) => Promise<{ memory: M; image: PageImage }>): Promise<{ snapshot: SnapshotRecord; memory: M; timings: RestoreTimings }> {
    const where = `reading snapshot ${id}`
    const t0 = now()
    const { metas, blobs } = await this.db.read(['snapshots', 'snapshotData'], where, async (tx) => {
      const metas: SnapshotRecord[] = []
      const blobs: (Blob | undefined)[] = []
      for (let next: number | null = id; next !== null;) {
        const m: SnapshotRecord | undefined = await tx.objectStore('snapshots').get(next)
        if (!m) {
          if (next === id) throw new StoreError('store/not-found', `${where}: no such snapshot`, { snapshotId: id })
          metas.push({ id: next } as SnapshotRecord) // a missing base, reported below
          blobs.push(undefined)
          break
        }
        metas.push(m)
        blobs.push((await tx.objectStore('snapshotData').get(next))?.blob)
        next = m.baseId
      }
      return { metas, blobs }
    })
    const top = metas[0]!
    const t1 = now()
    try {
      const links: StoredLink[] = []
      for (let i = metas.length - 1; i >= 0; i--) {
        const m = metas[i]!
        const blob = blobs[i]
        if (!m.processId || !blob) {
          throw new StoreError('store/corrupt', `${where}: ${m.processId ? 'pages' : 'metadata'} of snapshot ${m.id} in its chain are missing`, { snapshotId: id, missing: m.id })
        }
        if (m.corrupt) throw new StoreError('store/corrupt', `${where}: base snapshot ${m.id} is marked corrupt`, { snapshotId: id, base: m.id })
        if (m.format === undefined || !READABLE_SNAPSHOT_FORMATS.includes(m.format)) {
          throw new StoreError('store/corrupt', `${where}: snapshot ${m.id} was written in snapshot format ${m.format ?? 1}, this build reads formats ${READABLE_SNAPSHOT_FORMATS.join(' and ')}`, { snapshotId: id, format: m.format ?? 1 })
        }
        const baseContentSha256 = i === metas.length - 1 ? null : metas[i + 1]!.contentSha256
        links.push({ id: m.id, kind: m.kind, byteLength: m.byteLength, pages: m.pages, contentSha256: m.contentSha256, baseContentSha256, blob, format: m.format })
      }
      // Links decompress and hash concurrently (CompressionStream and WebCrypto work off the JS thread's critical path).
      const chain = await Promise.all(links.map((l) => openLink(l, where, { packedDeltas: opts.packedDeltas ?? false })))
      const t2 = now()
      const { memory, image } = await build(chain, where, top)
      if (!opts.keepBase) this.bases.set(top.processId, { id: top.id, ordinate: { nonce: top.nonce, cron: top.cron }, depth: top.depth, contentSha256: top.contentSha256, image, chain: metas.map((m) => m.id) })
      return { snapshot: top, memory, timings: { readMs: t1 - t0, openMs: t2 - t1, buildMs: now() - t2 } }
    } catch (e) {
      if (isStoreError(e, 'store/corrupt')) {
        await this.markCorrupt(id)
        if (this.bases.get(top.processId)?.chain.includes(id)) this.bases.delete(top.processId)
      }
      throw e
    }
  }

  /**
   * The ao-compatible whole-memory SHA-256 of snapshot `id`, computed now if not recorded (rebuild
   * + hash, ~100–400 ms for aos: call it when idle) and then recorded. The cached base is untouched.
   */
  async wholeMemorySha256(id: number): Promise<string> {
    const { snapshot, memory } = await this.read(id, { keepBase: true })
    if (snapshot.sha256 !== null) return snapshot.sha256
    const sha = await sha256Hex(memory)
    await this.db.write(['snapshots'], `recording the whole-memory SHA-256 of snapshot ${id}`, async (tx) => {
      const m = await tx.objectStore('snapshots').get(id)
      if (m && m.sha256 === null) await tx.objectStore('snapshots').put({ ...m, sha256: sha })
    })
    return sha
  }

  /**
   * Resume point: the newest snapshot at or below `o` that rebuilds and checks out; newer broken
   * ones are marked corrupt and listed in `skipped`. Undefined when none is usable.
   */
  async restoreNewest(processId: string, o: Ordinate, opts: ReadSnapshotOptions = {}): Promise<RestoredSnapshot | undefined> {
    return this.restoreWith(processId, o, (id) => this.read(id, opts))
  }

  /** `restoreNewest` giving the memory's non-zero pages (readSparse). */
  async restoreNewestSparse(processId: string, o: Ordinate, opts: ReadSnapshotOptions = {}): Promise<RestoredSnapshot<SparseMemory> | undefined> {
    return this.restoreWith(processId, o, (id) => this.readSparse(id, opts))
  }

  private async restoreWith<M>(processId: string, o: Ordinate, read: (id: number) => Promise<{ snapshot: SnapshotRecord; memory: M; timings: RestoreTimings }>): Promise<RestoredSnapshot<M> | undefined> {
    const skipped: RestoredSnapshot['skipped'] = []
    for (;;) {
      const meta = await this.newestAtOrBelow(processId, o)
      if (!meta) return undefined
      try {
        const { snapshot, memory, timings } = await read(meta.id)
        return { snapshot, memory, skipped, timings }
      } catch (e) {
        if (!isStoreError(e, 'store/corrupt')) throw e
        skipped.push({ id: meta.id, ordinate: { nonce: meta.nonce, cron: meta.cron }, error: e })
      }
    }
  }

  /**
   * Keep the newest `keep` usable snapshots of a process (settings: snapshots.keepPerProcess) and
   * every snapshot their incremental chains need (and the chain of the base the next incremental
   * will be written on); delete the others, corrupt ones included. Log entries and results are
   * never touched. Returns what was deleted.
   */
  async prune(processId: string, keep: number): Promise<EvictedSnapshot[]> {
    if (!Number.isInteger(keep) || keep < 1) throw new StoreError('store/invalid', `pruning snapshots of ${processId}: keep must be a whole number >= 1, got ${keep}`)
    const where = `pruning snapshots of process ${processId} to the newest ${keep}`
    const cached = this.bases.get(processId)
    const { value } = await this.db.write(['snapshots', 'snapshotData'], where, async (tx) => {
      const metas = await tx.objectStore('snapshots').index('by-ordinate').getAll(IDBKeyRange.bound([processId, 0, 0], [processId, Infinity, Infinity]))
      const doomed = snapshotsToPrune(metas, keep, cached ? cached.chain : [])
      for (const m of doomed) {
        void tx.objectStore('snapshots').delete(m.id)
        void tx.objectStore('snapshotData').delete(m.id)
      }
      return doomed.map((m): EvictedSnapshot => ({ id: m.id, processId: m.processId, nonce: m.nonce, cron: m.cron, compressedSize: m.compressedSize }))
    })
    return value
  }

  private async markCorrupt(id: number): Promise<void> {
    await this.db.write(['snapshots'], `marking snapshot ${id} corrupt`, async (tx) => {
      const m = await tx.objectStore('snapshots').get(id)
      if (m && !m.corrupt) await tx.objectStore('snapshots').put({ ...m, corrupt: true })
    })
  }
}

async function checkWhole(memory: Uint8Array, top: SnapshotRecord, where: string): Promise<void> {
  const sha = await sha256Hex(memory)
  if (sha !== top.sha256) {
    throw new StoreError('store/corrupt', `${where}: SHA-256 of the rebuilt memory is ${sha}, recorded ${top.sha256}`,
      { snapshotId: top.id, expected: top.sha256, actual: sha })
  }
}
