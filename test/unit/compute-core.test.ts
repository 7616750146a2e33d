/**
 * Pure parts of the compute core, and the module check against real signed module items served by
 * the devnet gateway (GraphQL metadata + /raw bytes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { GatewayClient } from '../../src/protocol/gateway-client'
import { HttpClient } from '../../src/protocol/http'
import { ProtocolError } from '../../src/protocol/errors'
import { StoreError } from '../../src/store/errors'
import { RuntimeError } from '../../src/wasm/types'
import { verifyModuleBytes, anchorCandidates } from '../../src/compute/module-verify'
import { ComputeError, toNodeErrorInfo } from '../../src/compute/compute-errors'
import { ProgressMeter } from '../../src/compute/progress-meter'
import { checksHashChain, resumeStateFrom } from '../../src/compute/log-sync'
import { needsSyntheticFirstMessage, syntheticFirstMessage } from '../../src/compute/first-message'
import { toMessageResult } from '../../src/compute/logged-message'
import { dryRunMessage } from '../../src/compute/dry-run'
import { promptOf } from '../../src/compute/compute-service'
import type { SuEdge, SuProcess } from '../../src/protocol/su-types'
import type { LogRecord } from '../../src/store/index'

const BASE_PORT = 16920

describe('module bytes against the signed module item (devnet gateway)', () => {
  let devnet: Devnet
  let gateway: GatewayClient
  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
    gateway = new GatewayClient(devnet.urls.gateway, new HttpClient({ timeoutMs: 20_000, retry: { retries: 0 } }))
  })
  afterAll(async () => {
    await devnet?.stop()
  })

  it('accepts the published aos module and names the module when one byte is changed', async () => {
    const id = devnet.moduleIds.aos64
    const meta = (await gateway.transaction(id))!
    const bytes = await gateway.getRaw(id)
    await expect(verifyModuleBytes(meta, bytes)).resolves.toBeUndefined()
    const tampered = bytes.slice()
    tampered[tampered.length >> 1]! ^= 1
    const err = await verifyModuleBytes(meta, tampered).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ComputeError)
    expect((err as ComputeError).code).toBe('module/tampered')
    expect((err as ComputeError).message).toContain(id)
    expect(toNodeErrorInfo(err)).toMatchObject({ code: 'process/verification-failed', details: { moduleId: id, check: 'module/tampered' } })
  })

  it('refuses the bytes of another module under this module\'s metadata', async () => {
    const meta = (await gateway.transaction(devnet.moduleIds.aos64))!
    const other = await gateway.getRaw(devnet.moduleIds.aos32)
    await expect(verifyModuleBytes(meta, other)).rejects.toMatchObject({ code: 'module/tampered' })
    await expect(verifyModuleBytes({ ...meta, tags: meta.tags.slice(1) }, await gateway.getRaw(devnet.moduleIds.aos64))).rejects.toMatchObject({ code: 'module/tampered' })
  })
})

describe('errors across the worker boundary', () => {
  it('maps log failures to verification-failed with the nonce and check', () => {
    const e = new ProtocolError('log/hash-chain', 'process P nonce 7: Hash-Chain is x, expected y', { nonce: 7, processId: 'P', extra: { nested: true } })
    expect(toNodeErrorInfo(e)).toEqual({ code: 'process/verification-failed', message: e.message, details: { nonce: 7, processId: 'P', check: 'log/hash-chain' } })
  })
  it('maps network, store and runtime failures to their contract codes', () => {
    expect(toNodeErrorInfo(new ProtocolError('http/network', 'GET u: network error')).code).toBe('network/unreachable')
    expect(toNodeErrorInfo(new ProtocolError('http/status', 'GET u: 500')).code).toBe('network/status')
    expect(toNodeErrorInfo(new StoreError('store/quota', 'full')).code).toBe('storage/quota')
    expect(toNodeErrorInfo(new RuntimeError('runtime/unsupported-format', 'x')).code).toBe('process/module-unsupported')
    expect(toNodeErrorInfo(new ComputeError('compute/offline-no-cache', 'x')).code).toBe('network/unreachable')
  })
})

describe('progress meter', () => {
  it('smooths the rate and gives an ETA once the total is known', () => {
    const m = new ProgressMeter('evaluate', 0, { halfLifeMs: 1000, minWindowMs: 100 })
    m.add(10, 1000) // 10/s
    expect(m.snapshot(1000)).toMatchObject({ done: 10, total: null, etaSeconds: null })
    expect(m.snapshot(1000).ratePerSecond).toBeCloseTo(10)
    m.add(30, 2000) // 30/s over the next second: moves halfway with a 1 s half-life
    expect(m.snapshot(2000).ratePerSecond).toBeCloseTo(20)
    m.setTotal(60)
    expect(m.snapshot(2000).etaSeconds).toBeCloseTo(1)
    m.reset(60, 3000)
    expect(m.snapshot(3000)).toMatchObject({ done: 60, etaSeconds: 0 })
  })
})

const tags = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }))
const owner = { address: 'addr', key: 'k' }

describe('log sync resume state and the first message', () => {
  it('resumes the checker after the last stored edge (assignment id and Hash-Chain)', () => {
    const edge: SuEdge = { cursor: '4', node: { message: null, assignment: { id: 'A4', owner, signature: 's', tags: tags({ Nonce: '4', 'Hash-Chain': 'HC4' }) } } }
    const last = { processId: 'P', nonce: 4, messageId: 'm', timestamp: 1, level: 'chained', edge } as LogRecord
    expect(resumeStateFrom(last)).toEqual({ nonce: 4, lastAssignmentId: 'A4', lastHashChain: 'HC4' })
    expect(resumeStateFrom(undefined)).toEqual({ nonce: -1 })
    expect(checksHashChain('000001440000')).toBe(true)
    expect(checksHashChain('1439999')).toBe(false)
  })

  it('builds the synthetic first message only for logs that do not start with the process', () => {
    const pid = 'P'.repeat(43)
    const processEdge: SuEdge = { cursor: '0', node: { assignment: { id: 'a', owner, signature: 's', tags: [] }, message: { id: pid, owner, signature: 's', tags: tags({ Type: 'Process' }) } } }
    const msgEdge: SuEdge = { cursor: '0', node: { assignment: { id: 'a', owner, signature: 's', tags: [] }, message: { id: 'M'.repeat(43), owner, signature: 's', tags: tags({ Type: 'Message' }) } } }
    expect(needsSyntheticFirstMessage(pid, processEdge)).toBe(false)
    expect(needsSyntheticFirstMessage(pid, msgEdge)).toBe(true)
    expect(needsSyntheticFirstMessage(pid, undefined)).toBe(false)
    const record: SuProcess = { processId: pid, block: '1000', owner, tags: tags({ Type: 'Process', From: 'x', Module: 'm' }), timestamp: 1234, signature: 'sig' }
    const msg = syntheticFirstMessage({ id: pid, record, ownerAddress: 'OWNER' }, 'data text')
    expect(msg).toMatchObject({ Id: pid, Owner: 'OWNER', From: 'OWNER', Target: pid, Data: 'data text', Timestamp: 1234, 'Block-Height': 1000, Cron: false, Signature: 'sig' })
    expect(msg.Nonce).toBeUndefined()
    expect(msg.Tags.map((t) => t.name)).toEqual(['Type', 'Module'])
  })
})

describe('result and dry-run shapes', () => {
  it('keeps the CU result shape and a structured Error as the module gave it (the reference CU reports it unchanged)', () => {
    expect(toMessageResult({ Output: { data: '1' }, Messages: [{ Tags: [] }], Spawns: [], Assignments: [], Error: { e: 1 } })).toEqual({ Output: { data: '1' }, Messages: [{ Tags: [] }], Spawns: [], Assignments: [], Error: { e: 1 } })
    expect(toMessageResult({ Output: 'x' })).toEqual({ Output: 'x', Messages: [], Spawns: [], Assignments: [] })
    expect(promptOf({ data: { prompt: 'aos> ' } })).toBe('aos> ')
    expect(promptOf({ data: 'x', prompt: '> ' })).toBe('> ')
    expect(promptOf('x')).toBeNull()
  })
  it('marks dry-runs read-only, strips From/Owner tags, targets the process', () => {
    const m = dryRunMessage('P', { tags: tags({ Action: 'Balance', From: 'spoof', Owner: 'spoof' }), owner: 'me' }, { timestamp: 5, blockHeight: 7 })
    expect(m).toMatchObject({ Target: 'P', Owner: 'me', From: 'me', 'Read-Only': true, Cron: false, Timestamp: 5, 'Block-Height': 7 })
    expect(m.Tags).toEqual(tags({ Action: 'Balance' }))
  })
  it('reads a gateway anchor as base64url bytes or UTF-8', () => {
    expect(anchorCandidates('')).toEqual([undefined])
    const utf8 = 'a'.repeat(32)
    expect(anchorCandidates(utf8).map((a) => a?.length)).toEqual([32])
    expect(anchorCandidates('A'.repeat(43)).map((a) => a?.length)).toEqual([32])
  })
})
