/**
 * The log the `verify` bench checks: a real devnet process (aos, token transfers, overdrafts,
 * Eval errors, outbox pushes signed by the MU; test/e2e/support/proof-log.ts `fillProcess`),
 * read back from the devnet SU exactly as served. Building it costs ~0.25-0.4 s per message on
 * 2 cores, so the log is cached in the OS temp dir (not committed: ~4 KB per edge) together with
 * what the checker needs (process id, SU address, hash-chain flag).
 *
 * `node --experimental-wasm-memory64 --import tsx bench/verify-log.ts [messages]` builds it ahead.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDevnet } from '../test/devnet/devnet'
import { fillProcess, readLog } from '../test/e2e/support/proof-log'
import type { SuEdge } from '../src/protocol/su-types'

/** Devnet ports of the verify bench (H2's range). */
export const VERIFY_DEVNET_PORT = 13200

export interface VerifyLog {
  processId: string
  /** the Scheduler tag: who must sign every assignment */
  suAddress: string
  edges: SuEdge[]
  /** messages sent by fillProcess (the log also holds the spawn and the MU's pushes) */
  sent: number
}

export function verifyLogFile(messages: number): string {
  return join(tmpdir(), 'aolight-bench', `devnet-log-${messages}.json`)
}

export async function devnetLog(messages: number, log: (s: string) => void = () => undefined): Promise<VerifyLog> {
  const file = verifyLogFile(messages)
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as VerifyLog
  const devnet = await startDevnet({ basePort: VERIFY_DEVNET_PORT })
  try {
    const t0 = performance.now()
    const { processId } = await fillProcess(devnet, { messages })
    const edges = await readLog(devnet.urls.su, processId)
    log(`verify: devnet log of ${edges.length} edges built in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)
    const out: VerifyLog = { processId, suAddress: devnet.suAddress, edges, sent: messages }
    mkdirSync(join(tmpdir(), 'aolight-bench'), { recursive: true })
    writeFileSync(file, JSON.stringify(out))
    return out
  } finally {
    await devnet.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000)
  const l = await devnetLog(n, (s) => process.stderr.write(s))
  process.stderr.write(`verify: ${l.edges.length} edges in ${verifyLogFile(n)}\n`)
}
