/** Messages between the wasm-exact harness page and its Worker (test/e2e/wasm-exact.spec.ts). */
import type { ModuleName } from '../../fixtures/runtime-logs/modules'

export interface WasmExactRequest {
  module: ModuleName
  moduleUrl: string
  /** SHA-256 of linear memory after message i when i % hashEvery === 0, and after the last */
  hashEvery: number
}

export interface WasmExactStep {
  /** JSON of {Output, Messages, Spawns, Assignments, Error}, or {thrown: true} */
  outcome: string
  memoryByteLength: number
  /** hex SHA-256 of the whole linear memory, at the hash points only */
  sha256?: string
}

export type WasmExactReply =
  | { ok: true; steps: WasmExactStep[]; ms: number; memoryGrowTakesBigInt: boolean }
  | { ok: false; error: string }
