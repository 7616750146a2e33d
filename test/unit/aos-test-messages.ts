/** Synthetic, CU-shaped process and messages for runtime tests that drive aos modules directly. */
import type { AoEnv, AoMessage } from '../../src/wasm/types'

export const W64 = 'wasm64-unknown-emscripten-draft_2024_02_15' as const
export const W32 = 'wasm32-unknown-emscripten4' as const
export const P = 'P'.repeat(43)
export const O = 'O'.repeat(43)
export const processTags = [
  { name: 'Data-Protocol', value: 'ao' }, { name: 'Variant', value: 'ao.TN.1' }, { name: 'Type', value: 'Process' },
  { name: 'Module', value: 'M'.repeat(43) }, { name: 'Scheduler', value: 'S'.repeat(43) }, { name: 'Authority', value: O },
]
export const env: AoEnv = { Process: { Id: P, Owner: O, Tags: processTags }, Module: { Id: 'M'.repeat(43), Owner: O, Tags: [] } }
export const base = { Signature: 'x', Owner: O, From: O, Target: P, Anchor: '', Epoch: 0, 'Block-Height': 1, 'Hash-Chain': 'h', Cron: false, 'Read-Only': false }
export const spawn: AoMessage = { ...base, Id: P, Data: '', Tags: processTags, Nonce: 0, Timestamp: 1700000000000 }
export const evalMsg = (n: number, code: string): AoMessage => ({ ...base, Id: String(n).padStart(43, 'E'), Data: code, Tags: [{ name: 'Action', value: 'Eval' }], Nonce: n, Timestamp: 1700000000000 + n })
