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
function start(cmd, args, name) {
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  child.stdout.on('data', (d) => process.stdout.write(`[${name}] ${d}`))
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[aolight] ${name} stopped unexpectedly (${signal ?? 'exit ' + code}); shutting down.`)
      stop(1)
    }
  })
  return child
}
let stopping = false
function stop(code = 0) {
  stopping = true
  for (const c of children) c.kill('SIGTERM')
  setTimeout(() => process.exit(code), 500).unref()
}
process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))

start(process.execPath, ['--experimental-wasm-memory64', '--import', 'tsx', 'test/devnet/cli.ts', '--port', String(devnetPort), '--seed', '--demo-out', 'dist/demo-processes.json'], 'devnet')
start('npx', ['vite', 'preview', '--port', String(appPort), '--strictPort', '--logLevel', 'warn'], 'app')

// Print the URL once the app server answers.
const url = `http://127.0.0.1:${appPort}/`
for (let i = 0; i < 120 && !stopping; i++) {
  try {
    const r = await fetch(url)
    if (r.ok) break
  } catch {}
  await new Promise((r) => setTimeout(r, 250))
}
if (!stopping) console.log(`\n[aolight] ready: open ${url}\n[aolight] local ao network: gateway http://127.0.0.1:${devnetPort} (Ctrl-C stops everything)\n`)
