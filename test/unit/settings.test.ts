import { describe, expect, it } from 'vitest'
import { isNodeError } from '../../src/node/contract'
import {
  defaultSettings, loadSettings, normalizeEndpoint, presetOf, PRESETS, saveSettings, SETTINGS_KEY, validateSettings, withPreset,
} from '../../src/node/settings'

function memoryStorage() {
  const m = new Map<string, string>()
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), map: m }
}

describe('settings', () => {
  it('defaults to the local network preset with the documented ports', () => {
    const s = defaultSettings()
    expect(s.preset).toBe('local')
    expect(s.endpoints).toEqual({ gateway: 'http://127.0.0.1:5000', mu: 'http://127.0.0.1:5002', su: 'http://127.0.0.1:5003', suIsRouter: false, cus: ['http://127.0.0.1:5004'], uploader: 'http://127.0.0.1:5000' })
    expect(withPreset(s, 'testnet').endpoints).toEqual({
      gateway: 'https://arweave.net', mu: 'https://mu.ao-testnet.xyz', su: 'https://su-router.ao-testnet.xyz', suIsRouter: true, cus: ['https://cu.ao-testnet.xyz'], uploader: 'https://up.arweave.net',
    })
  })

  it('the uploader: validated like an endpoint; absent or empty (settings saved before it existed) = the gateway\'s', () => {
    const { uploader: _, ...old } = PRESETS.testnet.endpoints
    const fromOld = validateSettings({ ...defaultSettings(), endpoints: old })
    expect(fromOld.endpoints.uploader).toBe('https://up.arweave.net') // the reference MU's UPLOADER_URL
    expect(fromOld.preset).toBe('testnet')
    const local = validateSettings({ ...defaultSettings(), endpoints: { ...PRESETS.local.endpoints, gateway: 'http://127.0.0.1:7000', uploader: ' ' } })
    expect(local.endpoints.uploader).toBe('http://127.0.0.1:7000')
    expect(validateSettings({ ...defaultSettings(), endpoints: { ...PRESETS.local.endpoints, uploader: 'https://bundler.example/' } }).endpoints.uploader).toBe('https://bundler.example')
    try {
      validateSettings({ ...defaultSettings(), endpoints: { ...PRESETS.local.endpoints, uploader: 'ftp://x.org' } })
      expect.unreachable()
    } catch (e) {
      expect(isNodeError(e, 'input/bad-url')).toBe(true)
      expect((e as Error).message).toMatch(/^uploader: only http and https/)
      expect((e as { details: { field: string } }).details.field).toBe('uploader')
    }
  })

  it('normalises endpoints and rejects what is not an http(s) base URL, naming the field', () => {
    expect(normalizeEndpoint(' https://cu.example.org/ ', 'cus[0]')).toBe('https://cu.example.org')
    expect(normalizeEndpoint('http://127.0.0.1:5004/path/', 'cu')).toBe('http://127.0.0.1:5004/path')
    const bad: [string, RegExp][] = [
      ['nope', /gateway: "nope" is not a URL/],
      ['ftp://x.org', /only http and https/],
      ['https://u:p@x.org', /user name or password/],
      ['https://x.org/?a=1', /query or fragment/],
    ]
    for (const [url, msg] of bad) {
      try {
        normalizeEndpoint(url, 'gateway')
        expect.unreachable(url)
      } catch (e) {
        expect(isNodeError(e, 'input/bad-url')).toBe(true)
        expect((e as Error).message).toMatch(msg)
      }
    }
  })

  it('derives the preset from the endpoints and dedupes CUs', () => {
    const s = validateSettings({ ...defaultSettings(), endpoints: { ...PRESETS.testnet.endpoints, cus: ['https://cu.ao-testnet.xyz/', 'https://cu.ao-testnet.xyz'] } })
    expect(s.endpoints.cus).toEqual(['https://cu.ao-testnet.xyz'])
    expect(s.preset).toBe('testnet')
    expect(presetOf({ ...PRESETS.local.endpoints, mu: 'http://127.0.0.1:9999' })).toBe('custom')
  })

  it('rejects bad numbers and too many CUs', () => {
    expect(() => validateSettings({ ...defaultSettings(), snapshots: { everyMessages: 0, everySeconds: 30, keepPerProcess: 3 } })).toThrow(/snapshots.everyMessages: expected a whole number from 1/)
    expect(() => validateSettings({ ...defaultSettings(), snapshots: { everyMessages: 1.5, everySeconds: 30, keepPerProcess: 3 } })).toThrow(/got 1.5/)
    const cus = Array.from({ length: 6 }, (_, i) => `https://cu${i}.example`)
    expect(() => validateSettings({ ...defaultSettings(), endpoints: { ...PRESETS.local.endpoints, cus } })).toThrow(/at most 5 CUs/)
  })

  it('persists, reloads, and falls back to defaults (saying why) when storage holds garbage', () => {
    const st = memoryStorage()
    expect(loadSettings(st)).toEqual({ settings: defaultSettings(), problem: null })
    const saved = saveSettings(st, { ...withPreset(defaultSettings(), 'testnet'), crank: false })
    expect(loadSettings(st).settings).toEqual(saved)
    expect(saved.crank).toBe(false)
    st.map.set(SETTINGS_KEY, '{"version":1,"endpoints":{"gateway":"javascript:alert(1)"}}')
    const r = loadSettings(st)
    expect(r.settings).toEqual(defaultSettings())
    expect(r.problem).toMatch(/reset to defaults.*gateway: only http and https/)
    st.map.set(SETTINGS_KEY, '{not json')
    expect(loadSettings(st).problem).toMatch(/unreadable/)
  })
})
