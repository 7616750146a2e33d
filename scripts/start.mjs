#!/usr/bin/env node
/**
 * `npm start`: the one command for a newcomer. Installs what is missing, builds the app, starts the
 * local ao network (test/devnet) and serves the built PWA, then prints the URL. Ctrl-C stops all.
 * Plain JS on purpose: it must run before dependencies (tsx, vite) are installed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const appPort = Number(process.env.AOLIGHT_PORT ?? 4173)
const devnetPort = Number(process.env.DEVNET_PORT ?? 5000)

function run(cmd, args, what) {
  console.log(`[aolight] ${what}…`)
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(`[aolight] ${what} failed (exit ${r.status}). Fix the error above and run npm start again.`)
    process.exit(r.status ?? 1)
  }
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  // `npm ci` can refuse the lock when the registry lacks other platforms' optional packages;
  // `npm install` then installs the same locked versions (see .ci/run).
  console.log('[aolight] installing dependencies…')
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (ci.status !== 0) run('npm', ['install', '--no-audit', '--no-fund'], 'installing dependencies (npm install)')
}
run('npx', ['vite', 'build', '--logLevel', 'warn'], 'building the app')

const children = []
/** Each child leads its own process group, so stopping reaches its grandchildren (vite's esbuild). */
function start(cmd, args, name, onLine) {
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  children.push(child)
  child.stdout.on('data', (d) => {
    process.stdout.write(`[${name}] ${d}`)
    onLine?.(String(d))
  })
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[aolight] ${name} stopped unexpectedly (${signal ?? 'exit ' + code}); shutting down.`)
      stop(1)
    }
  })
  return child
}
let stopping = false
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {} // already gone
}
function stop(code = 0) {
  if (stopping) return
  stopping = true
  for (const c of children) signalGroup(c, 'SIGTERM')
  // A devnet busy in a long evaluation cannot handle SIGTERM; don't leave it holding the ports.
  setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) signalGroup(c, 'SIGKILL')
    process.exit(code)
  }, 3000)
}
process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))

let seeded
const seedingDone = new Promise((resolve) => (seeded = resolve))
let devnetOut = ''
start(process.execPath, ['--experimental-wasm-memory64', '--import', 'tsx', 'test/devnet/cli.ts', '--port', String(devnetPort), '--seed', '--demo-out', 'dist/demo-processes.json'], 'devnet', (text) => {
  devnetOut = (devnetOut + text).slice(-4096) // a line may arrive in two chunks
  if (devnetOut.includes('demo list written')) seeded()
})
// vite's own bin, not the npx wrapper: a signal to npx would not reach the server.
start(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'preview', '--port', String(appPort), '--strictPort', '--logLevel', 'warn'], 'app')

// Print the URL once the app server answers and the demo processes exist (the home page lists them).
const url = `http://127.0.0.1:${appPort}/`
for (let i = 0; i < 120 && !stopping; i++) {
  try {
    const r = await fetch(url)
    if (r.ok) break
  } catch {}
  await new Promise((r) => setTimeout(r, 250))
}
await seedingDone
if (!stopping) console.log(`\n[aolight] ready: open ${url}\n[aolight] local ao network: gateway http://127.0.0.1:${devnetPort} (Ctrl-C stops everything)\n`)
