/**
 * Node settings: endpoint presets, validation, and persistence.
 *
 * Persistence goes through `KeyValueStorage` (localStorage today) so it can move to IndexedDB
 * (src/store/settings-store.ts) without touching callers. Stored data is re-validated on load:
 * anything unreadable falls back to defaults instead of breaking the app.
 */
import { NodeError, type Endpoints, type PresetName, type Settings, type SnapshotPolicy } from './contract'

/** The reference MU's `UPLOADER_URL` default (ao servers/mu/src/config.js). */
export const REFERENCE_UPLOADER = 'https://up.arweave.net'

/**
 * The uploader for a gateway when none is given: arweave.net's bundler is up.arweave.net (the
 * reference MU's default); any other gateway (the local devnet's) is taken to accept uploads itself.
 */
export function defaultUploaderFor(gateway: string): string {
  return gateway === 'https://arweave.net' ? REFERENCE_UPLOADER : gateway
}

export const PRESETS: Readonly<Record<Exclude<PresetName, 'custom'>, { label: string; endpoints: Endpoints }>> = {
  local: {
    label: 'Local network',
    endpoints: {
      gateway: 'http://127.0.0.1:5000',
      mu: 'http://127.0.0.1:5002',
      su: 'http://127.0.0.1:5003',
      suIsRouter: false,
      cus: ['http://127.0.0.1:5004'],
      uploader: 'http://127.0.0.1:5000',
    },
  },
  testnet: {
    label: 'ao testnet',
    endpoints: {
      gateway: 'https://arweave.net',
      mu: 'https://mu.ao-testnet.xyz',
      su: 'https://su-router.ao-testnet.xyz',
      suIsRouter: true,
      cus: ['https://cu.ao-testnet.xyz'],
      uploader: REFERENCE_UPLOADER,
    },
  },
}

export const PRESET_LABELS: Readonly<Record<PresetName, string>> = {
  local: PRESETS.local.label,
  testnet: PRESETS.testnet.label,
  custom: 'Custom',
}

/**
 * The aos CLI's `.load-blueprint NAME` reads `blueprints/NAME.lua` shipped in the aos package
 * (permaweb/aos `src/commands/blueprints.js`), i.e. the aos repository's `blueprints/` folder;
 * a browser reads the same files from the repository.
 */
export const AOS_BLUEPRINT_BASE = 'https://raw.githubusercontent.com/permaweb/aos/main/blueprints'

export const DEFAULT_SNAPSHOTS: SnapshotPolicy = { everyMessages: 100, everySeconds: 30, keepPerProcess: 3 }
export const MAX_CROSS_CHECK_CUS = 5

export function defaultSettings(): Settings {
  return structuredClone({ version: 1, preset: 'local', endpoints: PRESETS.local.endpoints, snapshots: DEFAULT_SNAPSHOTS, crank: true, relayRoute: 'mu', blueprintBase: AOS_BLUEPRINT_BASE })
}

/** Settings switched to a preset's endpoints, keeping the other choices. */
export function withPreset(s: Settings, preset: Exclude<PresetName, 'custom'>): Settings {
  return { ...structuredClone(s), preset, endpoints: structuredClone(PRESETS[preset].endpoints) }
}

/** The preset whose endpoints equal these, else `custom`. */
export function presetOf(endpoints: Endpoints): PresetName {
  for (const name of ['local', 'testnet'] as const) {
    if (JSON.stringify(PRESETS[name].endpoints) === JSON.stringify(endpoints)) return name
  }
  return 'custom'
}

/**
 * Normalises an endpoint URL: http(s) only, no credentials, query or fragment, no trailing slash.
 * Throws `input/bad-url` naming the field.
 */
export function normalizeEndpoint(text: string, field: string): string {
  const raw = text.trim()
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new NodeError('input/bad-url', `${field}: "${raw}" is not a URL (expected e.g. https://arweave.net).`, { field })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeError('input/bad-url', `${field}: only http and https URLs are allowed, not "${url.protocol}".`, { field })
  }
  if (url.username || url.password) {
    throw new NodeError('input/bad-url', `${field}: a URL must not contain a user name or password.`, { field })
  }
  if (url.search || url.hash) {
    throw new NodeError('input/bad-url', `${field}: a base URL must not have a query or fragment.`, { field })
  }
  return url.href.replace(/\/+$/, '')
}

function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new NodeError('input/bad-number', `${field}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`, { field })
  }
  return value
}

/** Validates untrusted settings (a form, or what storage returned) and returns a clean copy. */
export function validateSettings(input: unknown): Settings {
  const s = (input ?? {}) as Partial<Settings>
  if (s.version !== 1) throw new NodeError('input/bad-number', `settings: unknown version ${JSON.stringify(s.version)}.`, { field: 'version' })
  const e = (s.endpoints ?? {}) as Partial<Endpoints>
  const cusRaw = Array.isArray(e.cus) ? e.cus : []
  if (cusRaw.length > MAX_CROSS_CHECK_CUS) {
    throw new NodeError('input/bad-url', `cus: at most ${MAX_CROSS_CHECK_CUS} CUs to cross-check, got ${cusRaw.length}.`, { field: 'cus' })
  }
  const endpoints: Endpoints = {
    gateway: normalizeEndpoint(String(e.gateway ?? ''), 'gateway'),
    mu: normalizeEndpoint(String(e.mu ?? ''), 'mu'),
    su: normalizeEndpoint(String(e.su ?? ''), 'su'),
    suIsRouter: e.suIsRouter === true,
    cus: [...new Set(cusRaw.map((u, i) => normalizeEndpoint(String(u), `cus[${i}]`)))],
    uploader: '',
  }
  // Settings saved before the uploader existed (or left empty) read as the gateway's uploader.
  endpoints.uploader = e.uploader === undefined || String(e.uploader).trim() === '' ? defaultUploaderFor(endpoints.gateway) : normalizeEndpoint(String(e.uploader), 'uploader')
  const p = (s.snapshots ?? {}) as Partial<SnapshotPolicy>
  const snapshots: SnapshotPolicy = {
    everyMessages: checkInteger(p.everyMessages, 'snapshots.everyMessages', 1, 1_000_000),
    everySeconds: checkInteger(p.everySeconds, 'snapshots.everySeconds', 1, 86_400),
    keepPerProcess: checkInteger(p.keepPerProcess, 'snapshots.keepPerProcess', 1, 100),
  }
  // Settings saved before relayRoute existed read as 'mu' (the MU route, as before).
  const relayRoute = s.relayRoute === undefined || s.relayRoute === 'mu' ? 'mu' : s.relayRoute === 'su' ? 'su' : null
  if (relayRoute === null) throw new NodeError('input/bad-url', `relayRoute: expected "mu" or "su", got ${JSON.stringify(s.relayRoute)}.`, { field: 'relayRoute' })
  // Settings saved before blueprintBase existed read as the aos default.
  const blueprintBase = s.blueprintBase === undefined ? AOS_BLUEPRINT_BASE : normalizeEndpoint(String(s.blueprintBase), 'blueprintBase')
  return { version: 1, preset: presetOf(endpoints), endpoints, snapshots, crank: s.crank !== false, relayRoute, blueprintBase }
}

/** The subset of the Web Storage API we need; localStorage satisfies it, tests pass a Map-backed one. */
export interface KeyValueStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

export const SETTINGS_KEY = 'aolight.settings.v1'

export function loadSettings(storage: KeyValueStorage): { settings: Settings; problem: string | null } {
  const text = storage.getItem(SETTINGS_KEY)
  if (text === null) return { settings: defaultSettings(), problem: null }
  try {
    return { settings: validateSettings(JSON.parse(text)), problem: null }
  } catch (e) {
    // A broken entry must not lock anyone out of the app; say what was dropped.
    const why = e instanceof Error ? e.message : String(e)
    return { settings: defaultSettings(), problem: `Saved settings were unreadable and were reset to defaults (${why}).` }
  }
}

/** Validates and stores; returns what was stored. Throws NodeError on invalid input, `storage/quota` when full. */
export function saveSettings(storage: KeyValueStorage, next: Settings): Settings {
  const clean = validateSettings(next)
  try {
    storage.setItem(SETTINGS_KEY, JSON.stringify(clean))
  } catch (e) {
    throw new NodeError('storage/quota', `Could not save settings: ${e instanceof Error ? e.message : String(e)}.`, {}, { cause: e })
  }
  return clean
}
