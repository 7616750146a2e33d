/**
 * Local dry-run: a read-only message evaluated on a copy of the current state. Nothing is stored,
 * sent or fetched: the copy is the hot instance's current memory (a host checkpoint) loaded into a
 * throwaway runtime worker under the same watchdog, which is dropped afterwards, so the process's
 * own state never advances.
 */
import { RuntimeHost, type SpawnRuntimeWorker } from './runtime-host'
import type { DryRunRequest, MessageResult } from '../node/contract'
import type { MappedMessage } from '../protocol/message-mapping'
import { removeInvalidTags } from '../protocol/message-mapping'
import type { AoEnv, RuntimeOptions } from '../wasm/types'
import type { SparseMemory } from '../wasm/sparse-memory'
import { ComputeError } from './compute-errors'
import { toMessageResult } from './logged-message'

/** The owner of a dry-run without a wallet: a fixed, obviously synthetic 43-character address. */
export const ANONYMOUS_OWNER = '1111111111111111111111111111111111111111111'

/** The reference CU's dry-run message shape: `Read-Only`, no signature, Target = the process. */
export function dryRunMessage(processId: string, req: DryRunRequest, at: { timestamp: number; blockHeight: number }): MappedMessage {
  const owner = req.owner ?? ANONYMOUS_OWNER
  return {
    Id: 'dry-run-' + at.timestamp.toString(36),
    Owner: owner,
    From: owner,
    Target: processId,
    Data: req.data ?? '',
    Tags: removeInvalidTags(req.tags),
    Timestamp: at.timestamp,
    'Block-Height': at.blockHeight,
    Cron: false,
    'Read-Only': true,
  }
}

export async function runDryRun(
  memory: Uint8Array | SparseMemory,
  module: { bytes: Uint8Array; options: RuntimeOptions },
  spawnWorker: SpawnRuntimeWorker,
  msg: MappedMessage,
  env: AoEnv,
  timeoutMs = 10_000,
): Promise<MessageResult> {
  const host = await RuntimeHost.start({ bytes: module.bytes, options: { ...module.options, memory }, spawnWorker, timeoutMs, checkpointEvery: 1_000_000 })
  try {
    const outcome = await host.handle(msg, env)
    if (outcome.kind === 'error') throw new ComputeError('compute/evaluation', `dry-run: ${outcome.error.message}`, { check: outcome.error.code })
    return toMessageResult(outcome.result)
  } finally {
    host.close()
  }
}
