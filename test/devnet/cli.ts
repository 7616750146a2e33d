/**
 * `npm run devnet [-- --port N] [--log] [--seed [--demo-out PATH]]`: start the devnet, print its
 * URLs and module ids, stop on SIGINT/SIGTERM. `--seed` spawns and drives the demo processes
 * (seed.ts); `--demo-out` writes their list as JSON for the app.
 */
import { resolve } from 'node:path'
import { startDevnet } from './devnet'
import { seedDemo, writeDemoFile } from './seed'

interface Args {
  port: number
  log: boolean
  seed: boolean
  demoOut?: string
}

function parseArgs(argv: string[]): Args {
  let port = 5000
  let log = false
  let seed = false
  let demoOut: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--port') {
      const v = Number(argv[++i])
      if (!Number.isInteger(v) || v < 1 || v > 65531) throw new Error(`--port needs an integer in 1..65531, got ${argv[i]}`)
      port = v
    } else if (a === '--log') log = true
    else if (a === '--seed') seed = true
    else if (a === '--demo-out') {
      demoOut = argv[++i]
      if (!demoOut) throw new Error('--demo-out needs a file path')
    } else throw new Error(`unknown argument ${a} (use --port N, --log, --seed, --demo-out PATH)`)
  }
  if (demoOut && !seed) throw new Error('--demo-out needs --seed')
  return { port, log, seed, ...(demoOut ? { demoOut } : {}) }
}

const { port, log, seed, demoOut } = parseArgs(process.argv.slice(2))
const started = performance.now()
const devnet = await startDevnet({ basePort: port, log })
console.log(`aolight devnet ready in ${Math.round(performance.now() - started)} ms`)
console.log(`  gateway  ${devnet.urls.gateway}`)
console.log(`  MU       ${devnet.urls.mu}`)
console.log(`  SU       ${devnet.urls.su}`)
console.log(`  CU       ${devnet.urls.cu}`)
console.log(`  scheduler (SU wallet)  ${devnet.suAddress}`)
console.log(`  authority (MU wallet)  ${devnet.authority}`)
console.log(`  module aos64   ${devnet.moduleIds.aos64}`)
console.log(`  module aos32   ${devnet.moduleIds.aos32}`)
console.log(`  module sqlite  ${devnet.moduleIds.sqlite}`)

if (seed) {
  const t0 = performance.now()
  try {
    const demo = await seedDemo(devnet)
    console.log(`seeded ${demo.processes.length} demo processes in ${Math.round(performance.now() - t0)} ms`)
    for (const p of demo.processes) console.log(`  ${p.kind.padEnd(13)} ${p.id}  ${p.name}`)
    if (demoOut) {
      writeDemoFile(resolve(demoOut), demo)
      console.log(`  demo list written to ${resolve(demoOut)}`)
    }
  } catch (e) {
    console.error('seeding the demo processes failed:', e)
    await devnet.stop()
    process.exit(1)
  }
}

let stopping = false
const stop = (signal: string) => {
  if (stopping) return
  stopping = true
  console.log(`\n${signal}: stopping devnet`)
  devnet.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e)
      process.exit(1)
    },
  )
}
process.on('SIGINT', () => stop('SIGINT'))
process.on('SIGTERM', () => stop('SIGTERM'))
