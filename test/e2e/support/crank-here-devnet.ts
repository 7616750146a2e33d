/**
 * A devnet for this spec file whose own crank is switched off (test/devnet/crank-off.ts), so every
 * push a test sees is the tab's "crank here". Registers the file's beforeAll/afterAll; call at the
 * top level and read `.devnet` inside tests.
 */
import { test } from '@playwright/test'
import { startDevnet, type Devnet } from '../../devnet/devnet'
import { switchOffDevnetCrank } from '../../devnet/crank-off'

export function crankHereDevnet(basePort: number): { readonly devnet: Devnet } {
  let devnet: Devnet | null = null
  let restoreCrank = () => {}
  test.beforeAll(async () => {
    restoreCrank = switchOffDevnetCrank()
    devnet = await startDevnet({ basePort })
  })
  test.afterAll(async () => {
    await devnet?.stop()
    restoreCrank()
  })
  return {
    get devnet() {
      if (!devnet) throw new Error(`devnet on base port ${basePort} is not running`)
      return devnet
    },
  }
}
