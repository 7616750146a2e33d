/**
 * The contract of the ao module runtime (src/wasm). Everything above it (compute, workers,
 * tests, benches) codes against these types only.
 */

import type { AoMessage, EvaluationEnv } from '../protocol/message-mapping'
import type { SparseMemory } from './sparse-memory'

/** Module formats we run. Others fail with RuntimeError code 'runtime/unsupported-format'. */
export type ModuleFormat =
  | 'wasm32-unknown-emscripten2'
  | 'wasm32-unknown-emscripten3'
  | 'wasm32-unknown-emscripten4'
  | 'wasm64-unknown-emscripten-draft_2024_02_15'

export interface AoTag {
  name: string
  value: string
}

/** The message and env as the reference CU hands them to `handle` (ao-protocol.md §2), defined once with the mapping that builds them. */
export type { AoMessage }
export type AoEnv = EvaluationEnv

/** What `handle` returns: the module's JSON response, parsed, unchanged. */
export interface AoResult {
  Output: unknown
  Messages: unknown[]
  Spawns: unknown[]
  Assignments: unknown[]
  Error?: unknown
  GasUsed?: number
  [field: string]: unknown
}

/** WeaveDrive: where `/data/<txid>` reads come from (the gateway client in the app). */
export interface DataProvider {
  /** Bytes of an Arweave transaction or data item's data; undefined when it does not exist (the module sees no file). */
  getData(txId: string): Promise<Uint8Array | undefined>
}

export interface RuntimeOptions {
  format: ModuleFormat
  /** Bytes. Growth past it fails the allocation inside the module; the message errors and rolls back. */
  memoryLimit?: number
  computeLimit?: number
  extensions?: string[]
  dataProvider?: DataProvider
  /**
   * Start from this linear memory (a snapshot) instead of the module's fresh memory: the whole
   * memory, or only its non-zero pages (sparse-memory.ts; much cheaper to pass and to load).
   */
  memory?: Uint8Array | SparseMemory
}

export type RuntimeErrorCode =
  | 'runtime/unsupported-format'
  | 'runtime/bad-module'
  | 'runtime/missing-import'
  | 'runtime/memory-limit'
  | 'runtime/trap'
  | 'runtime/bad-output'
  | 'runtime/bad-snapshot'
  | 'runtime/timeout'
  | 'runtime/terminated'

export class RuntimeError extends Error {
  override readonly name = 'RuntimeError'
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** One live module instance holding one process's memory. */
export interface AoInstance {
  readonly format: ModuleFormat
  /**
   * Evaluate one message on the hot instance. When the result has `Error` (or the output says
   * "not enough memory for buffer allocation"), memory is rolled back to what it was before
   * the call, as the reference CU does.
   */
  handle(msg: AoMessage, env: AoEnv): Promise<AoResult>
  /** A copy of the whole linear memory (a snapshot). */
  snapshot(): Uint8Array
  /** The live linear memory; valid only until the next `handle`. Never keep it. */
  memoryView(): Uint8Array
  /** Current linear memory size in bytes. */
  readonly memoryByteLength: number
}
