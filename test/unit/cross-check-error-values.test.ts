/**
 * Cross-check of non-string Errors, with real results: aos puts an Eval's second return value in
 * `Error` unchanged (`return nil, {code = 7}` gives an object Error), and the reference CU reports
 * it unchanged on `/result`. Our runtime folds the devnet log; the local result goes through the
 * node's own path (toMessageResult, then a structured clone: the worker boundary) and is compared
 * with the devnet CU (real aos through the reference ao-loader).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSigner } from '@permaweb/aoconnect'
import { checkAgainst } from '../../src/compute/cross-check'
import { toMessageResult } from '../../src/compute/logged-message'
import { diffResults, errorAsReported } from '../../src/compute/result-diff'
import { CuClient } from '../../src/protocol/cu-client'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { loadKey } from '../devnet/keys'
import { aoFor, foldLocally, readLog } from '../e2e/support/proof-log'

// Helper 4's ports (13400-13490).
const DEVNET_PORT = 13400

const EVALS = {
  objectError: 'return nil, { message = "boom", code = 7 }',
  otherObjectError: 'return nil, { message = "boom", code = 8 }',
  nestedError: 'return nil, { reason = "nested", detail = { list = { 1, 2, 3 }, ok = false } }',
  stringError: 'error("plain string failure")',
  fine: 'return 6 * 7',
}
type Name = keyof typeof EVALS

describe('object Errors are compared as the reference CU presents them', () => {
  let devnet: Devnet
  let pid = ''
  const ids = {} as Record<Name, string>
  let local: Awaited<ReturnType<typeof foldLocally>>
  const localOf = (name: Name) => {
    const r = local.results.find((x) => x.messageId === ids[name])
    if (!r) throw new Error(`no local result for ${name}`)
    // What the compute worker hands the checker, after crossing the worker boundary.
    return { nonce: r.nonce, result: structuredClone(toMessageResult(r.result)) }
  }

  beforeAll(async () => {
    devnet = await startDevnet({ basePort: DEVNET_PORT })
    const ao = aoFor(devnet)
    const signer = createSigner(loadKey('wallet-a').jwk)
    pid = await ao.spawn({ module: devnet.moduleIds.aos64, scheduler: devnet.suAddress, signer, tags: [{ name: 'Authority', value: devnet.authority }] })
    for (const [name, data] of Object.entries(EVALS) as [Name, string][]) {
      ids[name] = await ao.message({ process: pid, signer, tags: [{ name: 'Action', value: 'Eval' }], data })
    }
    local = await foldLocally(devnet.urls.gateway, devnet.urls.su, pid, await readLog(devnet.urls.su, pid))
  }, 120_000)
  afterAll(async () => {
    await devnet?.stop()
  })

  it('aos really gives object Errors, and the devnet CU reports them as objects', async () => {
    const cu = new CuClient(devnet.urls.cu)
    expect(localOf('objectError').result.Error).toEqual({ message: 'boom', code: 7 })
    expect((await cu.result(ids.objectError, pid)).Error).toEqual({ message: 'boom', code: 7 })
    expect(localOf('nestedError').result.Error).toEqual({ reason: 'nested', detail: { list: [1, 2, 3], ok: false } })
    expect(typeof localOf('stringError').result.Error).toBe('string')
  })

  it('an object Error equal to the remote one is agreed (strings and error-free results too)', async () => {
    const cu = new CuClient(devnet.urls.cu)
    for (const name of Object.keys(EVALS) as Name[]) {
      const l = localOf(name)
      const o = await checkAgainst(cu, { processId: pid, messageId: ids[name], nonce: l.nonce, local: l.result })
      expect([name, o.verdict, o.verdict === 'diverged' ? o.divergences : []]).toEqual([name, 'agreed', []])
    }
  })

  it('a different object Error is a divergence naming the field Error, with both JSON values', async () => {
    // Our real result for `code = 7`, checked against the CU's real result for `code = 8`.
    const l = localOf('objectError')
    const o = await checkAgainst(new CuClient(devnet.urls.cu), { processId: pid, messageId: ids.otherObjectError, nonce: l.nonce, local: l.result })
    expect(o.verdict).toBe('diverged')
    if (o.verdict !== 'diverged') return
    expect(o.divergences.map((d) => d.field)).toEqual(['Error'])
    expect(o.divergences[0]).toMatchObject({ local: '{"code":7,"message":"boom"}', remote: '{"code":8,"message":"boom"}' })
  })

  it('an object Error against a string Error (the old stringified form) diverges on Error', async () => {
    const l = localOf('objectError')
    const stringified = { ...l.result, Error: JSON.stringify(l.result.Error) }
    const o = await checkAgainst(new CuClient(devnet.urls.cu), { processId: pid, messageId: ids.objectError, nonce: l.nonce, local: stringified })
    expect(o.verdict === 'diverged' ? o.divergences.map((d) => d.field) : o.verdict).toEqual(['Error'])
  })

  it('presentation rules: key order is irrelevant, a thrown JS Error is {} (its JSON), null is absent', () => {
    expect(diffResults({ Output: '', Error: { code: 7, message: 'boom' } }, { Output: '', Error: { message: 'boom', code: 7 } })).toEqual([])
    expect(errorAsReported(new Error('thrown'))).toEqual({})
    expect(errorAsReported(null)).toBeUndefined()
    expect(errorAsReported('')).toBe('')
  })
})
