/**
 * Generates the devnet's throwaway RSA-4096 test keys once (they are committed, so a devnet
 * always has the same SU address and module ids). Run:
 *   node --import tsx test/devnet/keys/generate-keys.ts
 * Existing files are kept; delete one to regenerate it. These keys guard nothing real.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Arweave from 'arweave'

const here = dirname(fileURLToPath(import.meta.url))
// su: signs assignments and the Scheduler-Location record; module-publisher: signs module items;
// wallet-a / wallet-b: test users (a spawner and a second signer) so tests skip 1-4 s of keygen;
// demo: owns the processes `cli.ts --seed` spawns for `npm start`.
const NAMES = ['su', 'module-publisher', 'wallet-a', 'wallet-b', 'demo'] as const

const arweave = Arweave.init({})
for (const name of NAMES) {
  const file = join(here, `${name}.json`)
  if (existsSync(file)) continue
  const jwk = await arweave.wallets.generate()
  writeFileSync(file, JSON.stringify(jwk, null, 2) + '\n')
  console.log(`${name}: ${await arweave.wallets.jwkToAddress(jwk)}`)
}
