/**
 * Where `.load-blueprint NAME` gets its Lua: aolight's own demo blueprints first (written for the
 * local network; the devnet seeds its demo processes from the same files), else
 * `{blueprintBase}/NAME.lua` (Settings; default the aos repository's `blueprints/`, as the aos CLI).
 *
 * One source for our own: the files in test/devnet/blueprints/ are bundled by Vite as lazy chunks
 * (`import.meta.glob`), so the app, the precache and the devnet cannot drift apart, and loading
 * one works offline once the app is cached.
 */

export type BlueprintOrigin =
  | { kind: 'aolight'; name: string }
  | { kind: 'remote'; name: string; url: string }

export interface LoadedBlueprint {
  origin: BlueprintOrigin
  code: string
}

export type BlueprintErrorCode = 'blueprint/unreachable' | 'blueprint/http' | 'blueprint/empty'

export class BlueprintError extends Error {
  override readonly name = 'BlueprintError'
  constructor(
    readonly code: BlueprintErrorCode,
    message: string,
    readonly details: { name: string; url?: string; status?: number },
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

type Loader = () => Promise<string>

const BUNDLED: Record<string, Loader> = Object.fromEntries(
  Object.entries(import.meta.glob<string>('../../../test/devnet/blueprints/*.lua', { query: '?raw', import: 'default' })).map(([path, load]) => [
    path.slice(path.lastIndexOf('/') + 1, -'.lua'.length),
    load,
  ]),
)

/** aolight's own demo blueprints, by name. */
export const OWN_BLUEPRINT_NAMES: readonly string[] = Object.keys(BUNDLED).sort()

/** Our own when the name matches, else the URL under `base` (a normalised base URL without trailing slash). */
export function resolveBlueprint(name: string, base: string, own: readonly string[] = OWN_BLUEPRINT_NAMES): BlueprintOrigin {
  if (own.includes(name)) return { kind: 'aolight', name }
  return { kind: 'remote', name, url: `${base.replace(/\/+$/, '')}/${encodeURIComponent(name)}.lua` }
}

/** What the console prints about where the code came from. */
export function describeOrigin(o: BlueprintOrigin): string {
  return o.kind === 'aolight' ? `aolight demo blueprint "${o.name}" (bundled with this app)` : `blueprint "${o.name}" from ${o.url}`
}

export interface LoadOptions {
  fetch?: typeof fetch
  own?: Readonly<Record<string, Loader>>
  /** false when the browser knows it is offline (navigator.onLine), for a clearer message */
  online?: boolean
}

export async function loadBlueprint(name: string, base: string, opts: LoadOptions = {}): Promise<LoadedBlueprint> {
  const own = opts.own ?? BUNDLED
  const origin = resolveBlueprint(name, base, Object.keys(own))
  if (origin.kind === 'aolight') {
    const load = own[name]!
    try {
      return { origin, code: await load() }
    } catch (e) {
      throw new BlueprintError('blueprint/unreachable', `Could not load the aolight demo blueprint "${name}": ${messageOf(e)}${opts.online === false ? ' (this browser is offline and the app is not cached yet)' : ''}.`, { name }, { cause: e })
    }
  }
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis)
  let res: Response
  try {
    res = await doFetch(origin.url)
  } catch (e) {
    const why = opts.online === false ? 'this browser is offline' : `the network is unreachable (${messageOf(e)})`
    throw new BlueprintError('blueprint/unreachable', `Could not fetch blueprint "${name}" from ${origin.url}: ${why}. Our own demo blueprints (${Object.keys(own).sort().join(', ')}) load without the network; the URL base is in Settings.`, { name, url: origin.url }, { cause: e })
  }
  if (!res.ok) {
    throw new BlueprintError('blueprint/http', `Blueprint "${name}": ${origin.url} answered HTTP ${res.status}${res.status === 404 ? ' (no blueprint of that name there)' : ''}.`, { name, url: origin.url, status: res.status })
  }
  const code = await res.text()
  if (code.trim() === '') throw new BlueprintError('blueprint/empty', `Blueprint "${name}": ${origin.url} answered an empty file.`, { name, url: origin.url, status: res.status })
  return { origin, code }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
