/**
 * The devnet's SU and MU crank every item they schedule before answering; a real SU never cranks.
 * Tests of the tab's own "crank here" switch that off so the only pushes are the tab's: a
 * prototype patch on DevnetCompute's private `crank` (test-only), for every devnet started in this
 * Node process until the returned function restores it.
 */
import { DevnetCompute } from './compute'

type Cranking = { crank: (...a: unknown[]) => Promise<void> }

/** Makes the devnet's crank a no-op; returns the function that puts the real one back. */
export function switchOffDevnetCrank(): () => void {
  const proto = DevnetCompute.prototype as unknown as Cranking
  const devnetCrank = proto.crank
  proto.crank = async function () {}
  return () => {
    proto.crank = devnetCrank
  }
}
