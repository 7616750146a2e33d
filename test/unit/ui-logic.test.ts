import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { checkAoId } from '../../src/node/contract'
import { parseRoute, routeHash, type Route } from '../../src/ui/router/route'
import { parseConsoleInput } from '../../src/ui/console/commands'
import { InputHistory } from '../../src/ui/console/history'
import { outputPrompt, outputText, stripAnsi } from '../../src/ui/result-text'
import { checkTags } from '../../src/ui/tags'
import { formatDuration, formatRate } from '../../src/ui/format'
import { parseDemoProcesses } from '../../src/ui/demo-processes'

const ID = 'abcdefghijABCDEFGHIJ0123456789-_abcdefghijk'
const id43 = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)

describe('routes', () => {
  it('parses every view and round-trips through routeHash', () => {
    fc.assert(
      fc.property(id43, id43, fc.constantFrom('log', 'console', 'flow'), (a, b, tab) => {
        const routes: Route[] = [
          { name: 'home' }, { name: 'process', id: a, tab: tab as 'log' }, { name: 'message', id: a, processId: b },
          { name: 'message', id: a, processId: null }, { name: 'send', target: a }, { name: 'send', target: null },
          { name: 'spawn' }, { name: 'settings' }, { name: 'wallet' },
        ]
        for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r)
      }),
    )
  })
  it('names bad ids and unknown paths', () => {
    expect(parseRoute('#/process/abc')).toEqual({ name: 'bad-id', what: 'process', given: 'abc' })
    expect(parseRoute(`#/process/${ID}/nope`)).toEqual({ name: 'not-found', path: `/process/${ID}/nope` })
    expect(parseRoute('#/zzz')).toEqual({ name: 'not-found', path: '/zzz' })
    expect(parseRoute('')).toEqual({ name: 'home' })
    expect(parseRoute(`#/message/${ID}?process=short`)).toEqual({ name: 'message', id: ID, processId: null })
  })
  it('checkAoId explains what is wrong', () => {
    expect(checkAoId(` ${ID} `)).toEqual({ ok: true, id: ID })
    expect(checkAoId('a b')).toEqual({ ok: false, reason: 'An id uses only A–Z, a–z, 0–9, "-" and "_"; found " " at position 2.' })
    expect(checkAoId('x'.repeat(44), 'process id')).toEqual({ ok: false, reason: 'A process id is 43 characters long; this one has 44.' })
  })
})

describe('console', () => {
  it('parses commands', () => {
    expect(parseConsoleInput('  return 1 + 1  ')).toEqual({ kind: 'eval', code: '  return 1 + 1' })
    expect(parseConsoleInput('.load-blueprint token')).toEqual({ kind: 'load-blueprint', name: 'token' })
    expect(parseConsoleInput('.load-blueprint ../x').kind).toBe('invalid')
    expect(parseConsoleInput('.load-blueprint a b').kind).toBe('invalid')
    expect(parseConsoleInput('.dryrun return #Inbox')).toEqual({ kind: 'dryrun', code: 'return #Inbox' })
    expect(parseConsoleInput('.wat')).toEqual({ kind: 'invalid', reason: 'Unknown command .wat. Type .help for the list.' })
    expect(parseConsoleInput('   ')).toEqual({ kind: 'empty' })
  })
  it('walks history and keeps the draft', () => {
    const h = new InputHistory(['a', 'b'])
    expect(h.previous('draft')).toBe('b')
    expect(h.previous('b')).toBe('a')
    expect(h.previous('a')).toBeNull()
    expect(h.next()).toBe('b')
    expect(h.next()).toBe('draft')
    expect(h.next()).toBeNull()
    h.push('b')
    h.push('c')
    expect(h.entries).toEqual(['a', 'b', 'c'])
  })
})

describe('result text', () => {
  it('reads aos and plain outputs and strips terminal codes', () => {
    expect(outputText({ data: { output: '\u001b[32m42\u001b[0m', prompt: '\u001b[1maos> \u001b[0m' } })).toBe('42')
    expect(outputPrompt({ data: { output: '', prompt: '\u001b[1maos> \u001b[0m' } })).toBe('aos> ')
    expect(outputText({ data: 'hello' })).toBe('hello')
    expect(outputText('plain')).toBe('plain')
    expect(outputText({ data: { output: { a: 1 } } })).toBe('{\n  "a": 1\n}')
    expect(outputText(null)).toBe('')
    expect(stripAnsi('\u001b[31;1mred\u001b[0m')).toBe('red')
  })
})

describe('tags, formats, demo list', () => {
  it('checks ANS-104 tag limits and reserved names', () => {
    expect(checkTags([{ name: 'Action', value: 'Eval' }])).toBeNull()
    expect(checkTags([{ name: '', value: 'x' }])).toBe('Tag 1: the name is empty.')
    expect(checkTags([{ name: 'Type', value: 'x' }])).toBe('Tag 1 (Type): aolight sets this tag itself.')
    expect(checkTags([{ name: 'A', value: 'é'.repeat(1537) }])).toBe('Tag 1 (A): the value is 3074 bytes; the limit is 3072.')
    expect(checkTags(Array.from({ length: 126 }, (_, i) => ({ name: `T${i}`, value: 'v' })), { added: 3 })).toMatch(/^Too many tags: 126 here and 3/)
  })
  it('formats durations and rates', () => {
    expect(formatDuration(42.4)).toBe('42 s')
    expect(formatDuration(185)).toBe('3 min 05 s')
    expect(formatDuration(3720)).toBe('1 h 02 min')
    expect(formatDuration(null)).toBe('–')
    expect(formatRate(0)).toBe('– msg/s')
    expect(formatRate(12.34)).toBe('12.3 msg/s')
  })
  it('keeps only well-formed demo entries', () => {
    expect(parseDemoProcesses([{ id: ID, name: 'Counter' }, { id: 'bad', name: 'x' }, { name: 'no id' }, null])).toEqual([{ id: ID, name: 'Counter', description: '', kind: '' }])
    expect(parseDemoProcesses({ processes: [] })).toEqual([])
  })
})
