/**
 * `.load-blueprint NAME`: our own demo blueprints (the devnet's files, bundled) resolve first;
 * other names are fetched from the configurable base (Settings `blueprintBase`), here from a real
 * local HTTP server; failures are typed and say what failed where.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BlueprintError, describeOrigin, loadBlueprint, OWN_BLUEPRINT_NAMES, resolveBlueprint } from '../../src/ui/console/blueprints'
import { parseConsoleInput } from '../../src/ui/console/commands'
import { AOS_BLUEPRINT_BASE, defaultSettings, validateSettings } from '../../src/node/settings'
import { blueprint } from '../devnet/seed'
import { startServer, type TestServer } from './http-test-server'

const DEVNET_DIR = new URL('../devnet/blueprints/', import.meta.url)

describe('blueprint resolution', () => {
  it('our own are exactly the devnet blueprint files, and load byte-for-byte what the devnet seeds', async () => {
    const files = readdirSync(DEVNET_DIR).filter((f) => f.endsWith('.lua')).map((f) => f.slice(0, -4)).sort()
    expect(files.length).toBeGreaterThan(0)
    expect(OWN_BLUEPRINT_NAMES).toEqual(files)
    const token = await loadBlueprint('token', 'http://127.0.0.1:9/never-asked', { fetch: () => Promise.reject(new Error('must not fetch')) })
    expect(token.origin).toEqual({ kind: 'aolight', name: 'token' })
    expect(token.code).toBe(blueprint('token'))
    expect(token.code).toBe(readFileSync(new URL('token.lua', DEVNET_DIR), 'utf8'))
    expect(describeOrigin(token.origin)).toBe('aolight demo blueprint "token" (bundled with this app)')
  })

  it('other names go to BASE/NAME.lua; the default base is the aos repository', () => {
    expect(defaultSettings().blueprintBase).toBe(AOS_BLUEPRINT_BASE)
    expect(resolveBlueprint('chatroom', AOS_BLUEPRINT_BASE)).toEqual({ kind: 'remote', name: 'chatroom', url: 'https://raw.githubusercontent.com/permaweb/aos/main/blueprints/chatroom.lua' })
    expect(resolveBlueprint('credUtils', 'https://example.org/bp/')).toEqual({ kind: 'remote', name: 'credUtils', url: 'https://example.org/bp/credUtils.lua' })
    expect(resolveBlueprint('token', 'https://example.org/bp', [])).toMatchObject({ kind: 'remote', url: 'https://example.org/bp/token.lua' })
    expect(parseConsoleInput('.load-blueprint credUtils')).toEqual({ kind: 'load-blueprint', name: 'credUtils' })
    expect(parseConsoleInput('.load-blueprint a/b').kind).toBe('invalid')
  })

  it('settings: blueprintBase is validated and normalised; settings saved before it existed get the default', () => {
    const old = { ...defaultSettings() } as Partial<ReturnType<typeof defaultSettings>>
    delete old.blueprintBase
    expect(validateSettings(old).blueprintBase).toBe(AOS_BLUEPRINT_BASE)
    expect(validateSettings({ ...defaultSettings(), blueprintBase: ' http://127.0.0.1:8080/bp/ ' }).blueprintBase).toBe('http://127.0.0.1:8080/bp')
    for (const bad of ['ftp://x.org/bp', 'not a url', 'https://x.org/bp?ref=main', '']) {
      const err = (() => {
        try {
          validateSettings({ ...defaultSettings(), blueprintBase: bad })
        } catch (e) {
          return e as { code: string; details: { field: string }; message: string }
        }
        return null
      })()
      expect(err, bad).not.toBeNull()
      expect(err!.details.field).toBe('blueprintBase')
      expect(err!.message).toMatch(/^blueprintBase: /)
    }
  })
})

describe('fetching from the base', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.path === '/bp/voting.lua') return res.end('Votes = Votes or {}\n')
      if (req.path === '/bp/blank.lua') return res.end('  \n')
      res.statusCode = 404
      res.end('not found')
    })
  })
  afterAll(() => server.close())

  it('loads a remote blueprint and says where it came from', async () => {
    const bp = await loadBlueprint('voting', `${server.url}/bp`)
    expect(bp).toEqual({ origin: { kind: 'remote', name: 'voting', url: `${server.url}/bp/voting.lua` }, code: 'Votes = Votes or {}\n' })
    expect(describeOrigin(bp.origin)).toBe(`blueprint "voting" from ${server.url}/bp/voting.lua`)
  })

  it('a 404, an empty file, an unreachable base and an offline browser are typed errors naming the URL', async () => {
    const fail = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as BlueprintError)
    const missing = await fail(loadBlueprint('nope', `${server.url}/bp`))
    expect(missing).toBeInstanceOf(BlueprintError)
    expect(missing).toMatchObject({ code: 'blueprint/http', details: { name: 'nope', status: 404, url: `${server.url}/bp/nope.lua` } })
    expect(missing!.message).toContain('no blueprint of that name there')
    expect(await fail(loadBlueprint('blank', `${server.url}/bp`))).toMatchObject({ code: 'blueprint/empty' })
    const down = await fail(loadBlueprint('voting', 'http://127.0.0.1:9/bp'))
    expect(down).toMatchObject({ code: 'blueprint/unreachable', details: { url: 'http://127.0.0.1:9/bp/voting.lua' } })
    expect(down!.message).toMatch(/^Could not fetch blueprint "voting" from http:\/\/127\.0\.0\.1:9\/bp\/voting\.lua: the network is unreachable/)
    const offline = await fail(loadBlueprint('voting', 'http://127.0.0.1:9/bp', { online: false }))
    expect(offline!.message).toContain('this browser is offline')
    expect(offline!.message).toContain('token')
  })
})
