/**
 * The tamper suites' rig: a devnet with a real aos process (12 messages by default), its log
 * captured and re-served by our tamper SU, and a gateway proxy that points the process's
 * Scheduler-Location at that SU and can alter the module bytes. Tests switch what is served.
 */
import { startDevnet, type Devnet } from '../../devnet/devnet'
import { fillProcess } from './proof-log'
import { captureLog, startGatewayProxy, startTamperSu, type CapturedLog, type RawEdge, type RunningServer } from './tamper-su'

export interface TamperRig {
  devnet: Devnet
  log: CapturedLog
  su: RunningServer
  gateway: RunningServer
  /** what the tamper SU serves from now on (initially the untouched log) */
  serve(edges: RawEdge[]): void
  /** whether the gateway proxy alters the module bytes */
  alterModule(on: boolean): void
  close(): Promise<void>
}

export async function startTamperRig(devnetPort: number, messages = 12): Promise<TamperRig> {
  const devnet = await startDevnet({ basePort: devnetPort })
  const { processId } = await fillProcess(devnet, { messages })
  const log = await captureLog(devnet.urls.su, processId)
  let served = log.edges
  let alter = false
  const su = await startTamperSu(log, () => served)
  const gateway = await startGatewayProxy({ upstream: devnet.urls.gateway, moduleId: devnet.moduleIds.aos64, alterModule: () => alter, suUrlFrom: devnet.urls.su, suUrlTo: () => su.url })
  return {
    devnet, log, su, gateway,
    serve: (edges) => void (served = edges),
    alterModule: (on) => void (alter = on),
    async close() {
      await su.close()
      await gateway.close()
      await devnet.stop()
    },
  }
}
