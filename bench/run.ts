/**
 * `npm run bench [-- names...] [--quick]`: runs bench/<name>.bench.ts files in one process,
 * then prints the rows as JSON and as a table. Never part of `npm test`.
 */
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Bench, BenchRow } from './lib'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const wanted = args.filter((a) => !a.startsWith('--'))
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace('.bench.ts', '')))
  .sort()

const rows: BenchRow[] = []
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`)
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Bench }
  rows.push(...(await mod.default({ quick })))
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3))
const json = { date: new Date(performance.timeOrigin).toISOString(), node: process.version, quick, rows }
console.log(JSON.stringify(json, null, 2))
console.log('\n| group | measure | value | reference | ratio (>1 = ours better) |\n|---|---|---|---|---|')
for (const r of rows) {
  const ref = r.reference ? `${fmt(r.reference.value)} ${r.unit} (${r.reference.name})` : ''
  console.log(`| ${r.group} | ${r.name} | ${fmt(r.value)} ${r.unit} | ${ref} | ${r.ratio ? fmt(r.ratio) + '×' : ''} |${r.note ? ' ' + r.note : ''}`)
}
mkdirSync(join(here, 'results'), { recursive: true })
writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify(json, null, 2))
