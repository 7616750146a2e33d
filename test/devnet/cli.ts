/** `npm run devnet [-- --port N] [-- --log]`: start the devnet, print its URLs and module ids, stop on SIGINT/SIGTERM. */
import { startDevnet } from './devnet'

function parseArgs(argv: string[]): { port: number; log: boolean } {
  let port = 5000
  let log = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--port') {
      const v = Number(argv[++i])
      if (!Number.isInteger(v) || v < 1 || v > 65531) throw new Error(`--port needs an integer in 1..65531, got ${argv[i]}`)
      port = v
    } else if (a === '--log') log = true
    else throw new Error(`unknown argument ${a} (use --port N, --log)`)
  }
  return { port, log }
}

const { port, log } = parseArgs(process.argv.slice(2))
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
