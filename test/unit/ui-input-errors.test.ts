import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { LoggedMessage, Verification } from '../../src/node/contract'
import { processIdFromInput } from '../../src/ui/process-id-input'
import { checkTags, findTagProblem, MESSAGE_ADDED_TAG_COUNT } from '../../src/ui/tags'
import { messageItem, spawnAddedTagCount, spawnItem } from '../../src/relay/item-builder'
import { dataSizeProblem, pendingCronCount, processVerification, showInvisible } from '../../src/ui/format'
import { settingsErrorText } from '../../src/ui/settings-error-text'
import { notOwnerWarning } from '../../src/ui/console/owner-warning'

const ID = 'oEj2bKQuL8LUNrN6XJPwWsmYOfa2yMqcsTqvC-QdnXk'
const OTHER = 'abcdefghijABCDEFGHIJ0123456789-_abcdefghijk'
const id43 = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)

describe('opening a process from what was pasted', () => {
  it('takes a bare id, the hint\'s own #/process/<id>, the address-bar URL and explorer links', () => {
    for (const text of [
      ID,
      `  ${ID}\n`,
      `#/process/${ID}`,
      `#/process/${ID}/console`,
      `http://127.0.0.1:26200/#/process/${ID}`,
      `https://aolight.example/app/#/process/${ID}?tab=log`,
      `https://ao.link/#/entity/${ID}`,
      `https://www.ao.link/#/process/${ID}`,
      `https://explorer.example/process/${ID}`,
      `https://explorer.example/?id=${ID}`,
    ]) {
      expect(processIdFromInput(text), text).toEqual({ ok: true, id: ID })
    }
  })
  it('prefers the hash route over the path (an app served under an id-like path)', () => {
    expect(processIdFromInput(`https://h.example/${OTHER}/#/process/${ID}`)).toEqual({ ok: true, id: ID })
  })
  it('finds the id in any app link (property)', () => {
    fc.assert(fc.property(id43, fc.constantFrom('log', 'console', 'flow'), (id, tab) => {
      const r = processIdFromInput(`http://localhost:4173/#/process/${id}/${tab}`)
      return r.ok && r.id === id
    }))
  })
  it('says precisely what is wrong when there is no id', () => {
    expect(processIdFromInput('#/process/<id>')).toEqual({
      ok: false,
      reason: 'No 43-character process id in "#/process/<id>". Paste a process id, or a link whose path or #-route holds one (like #/process/<id>).',
    })
    const r = processIdFromInput(`https://ao.link/#/entity/${ID.slice(0, 40)}`)
    expect(r.ok).toBe(false)
    // a bare id keeps the character/length reasons
    expect(processIdFromInput(ID.slice(1))).toEqual({ ok: false, reason: 'A process id is 43 characters long; this one has 42.' })
    expect(processIdFromInput(`${ID.slice(1)}!`)).toMatchObject({ ok: false, reason: expect.stringMatching(/found "!" at position 43/) })
    expect(processIdFromInput('')).toEqual({ ok: false, reason: 'Enter a process id.' })
  })
})

describe('tag checks in the forms', () => {
  it('an empty value is refused in the person\'s numbering, with the tag\'s name', () => {
    expect(checkTags([{ name: 'Action', value: '' }], { added: MESSAGE_ADDED_TAG_COUNT })).toBe('Tag 1 (Action): the value is empty.')
    expect(checkTags([{ name: 'Action', value: 'Eval' }, { name: 'X', value: '' }])).toBe('Tag 2 (X): the value is empty.')
    expect(checkTags([{ name: 'Action', value: '' }], { label: 'Cron tag' })).toBe('Cron tag 1 (Action): the value is empty.')
  })
  it('counts the tags the item builder adds: 124 user tags fit a message, 125 do not', () => {
    const user = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `T${i}`, value: 'v' }))
    expect(MESSAGE_ADDED_TAG_COUNT).toBe(messageItem({ target: ID }).tags!.length)
    expect(checkTags(user(124), { added: MESSAGE_ADDED_TAG_COUNT })).toBeNull()
    expect(messageItem({ target: ID, tags: user(124) }).tags!.length).toBe(128)
    expect(checkTags(user(125), { added: MESSAGE_ADDED_TAG_COUNT })).toBe(
      'Too many tags: 125 here and 4 that aolight adds make 129; an item may have at most 128, so remove 1.',
    )
  })
  it('spawnAddedTagCount is what spawnItem adds for the same fields', () => {
    const specs = [
      {},
      { memoryLimit: '1-gb' },
      { authorities: [OTHER, ID] },
      { cron: { interval: '10-minutes', tags: [{ name: 'Action', value: 'Cron' }, { name: 'X', value: 'y' }] } },
      { authorities: [ID], memoryLimit: '512-mb', cron: { interval: '5-blocks', tags: [] } },
    ]
    for (const f of specs) {
      const user = [{ name: 'Name', value: 'n' }, { name: 'A', value: 'b' }]
      expect(spawnItem({ module: ID, scheduler: OTHER, ...f, tags: user }).tags!.length, JSON.stringify(f)).toBe(spawnAddedTagCount(f) + user.length)
    }
  })
  it('refuses every tag name the item builder refuses, before signing', () => {
    for (const name of ['Data-Protocol', 'Variant', 'Type', 'SDK', 'From-Process', 'From-Module', 'Pushed-For']) {
      expect(checkTags([{ name, value: 'x' }]), name).toBe(`Tag 1 (${name}): aolight sets this tag itself.`)
      expect(() => messageItem({ target: ID, tags: [{ name, value: 'x' }] }), name).toThrow()
    }
    expect(checkTags([{ name: 'Module', value: OTHER }], { reserved: ['Module'] })).toBe('Tag 1 (Module): this tag is set by its own field of the form.')
    expect(checkTags([{ name: 'Module', value: OTHER }])).toBeNull()
  })
})

function row(level: Verification, cron: boolean, i: number): LoggedMessage {
  return { id: `m${i}`, nonce: cron ? null : i, timestamp: i, blockHeight: 1, from: 'f', owner: 'o', tags: [], cron, verification: level }
}
const agreed: Verification = { level: 'agreed' }
const computed: Verification = { level: 'computed' }
const diverged: Verification = { level: 'diverged', cu: 'http://cu', fields: ['Output'] }

describe('process verification in the header', () => {
  const messages = [row(agreed, false, 0), row(agreed, false, 1)]
  it('shows a cron divergence even when every message agreed', () => {
    expect(processVerification(agreed, [...messages, row(agreed, true, 2), row(diverged, true, 3)], 2)).toEqual(diverged)
    // before every message is loaded too
    expect(processVerification(agreed, [messages[0]!, row(diverged, true, 3)], 2)).toEqual(diverged)
  })
  it('is not "agreed" while crons are still only computed', () => {
    const rows = [...messages, ...Array.from({ length: 18 }, (_, i) => row(computed, true, 10 + i))]
    expect(processVerification(agreed, rows, 2)).toEqual({ level: 'computed' })
    expect(pendingCronCount(rows)).toBe(18)
    expect(processVerification(agreed, [...messages, row(agreed, true, 5)], 2)).toEqual(agreed)
    expect(pendingCronCount([...messages, row(agreed, true, 5), row(diverged, true, 6)])).toBe(0)
  })
  it('falls back to the summary until every logged message is loaded', () => {
    expect(processVerification({ level: 'chained' }, [messages[0]!], 2)).toEqual({ level: 'chained' })
  })
})

describe('console: Eval from someone who is not the owner', () => {
  it('warns with the owner\'s short id, and only then', () => {
    expect(notOwnerWarning(OTHER, ID)).toBe('You are not the owner (oEj2b…dnXk); aos only runs Evals from its owner: this goes to its Inbox.')
    expect(notOwnerWarning(ID, ID)).toBeNull()
    expect(notOwnerWarning(null, ID)).toBeNull()
    expect(notOwnerWarning(OTHER, null)).toBeNull()
  })
})

describe('untrusted text shows its invisible characters', () => {
  it('a right-to-left override is visible instead of reversing "evil" into "live"', () => {
    expect(showInvisible('\u202Elive')).toBe('⟨U+202E⟩live')
    expect(showInvisible('a\u200Bb\u2066c\u2069\u0000d\u007f')).toBe('a⟨U+200B⟩b⟨U+2066⟩c⟨U+2069⟩⟨U+0000⟩d⟨U+007F⟩')
    // ordinary text, newlines, tabs and right-to-left scripts stay as they are
    expect(showInvisible('line 1\n\tשלום مرحبا é 🚀')).toBe('line 1\n\tשלום مرحبا é 🚀')
  })
})

describe('form error texts', () => {
  it('settings errors name the field by its label', async () => {
    const { validateSettings, defaultSettings } = await import('../../src/node/settings')
    const { isNodeError } = await import('../../src/node/contract')
    const texts: string[] = []
    const base = defaultSettings()
    for (const bad of [
      { ...base, endpoints: { ...base.endpoints, cus: ['http://127.0.0.1:1', 'nope'] } },
      { ...base, snapshots: { ...base.snapshots, keepPerProcess: 0 } },
      { ...base, endpoints: { ...base.endpoints, mu: 'ftp://x' } },
    ]) {
      try {
        validateSettings(bad)
        texts.push('accepted')
      } catch (e) {
        if (!isNodeError(e)) throw e
        texts.push(settingsErrorText(String(e.details.field ?? ''), e.message))
      }
    }
    expect(texts[0]).toBe('Compute unit 2: "nope" is not a URL (expected e.g. https://arweave.net).')
    expect(texts[1]).toMatch(/^Snapshots kept per process: expected a whole number from 1 to 100, got 0\.$/)
    expect(texts[2]).toMatch(/^Messenger Unit \(MU\): only http and https URLs/)
  })
  it('the data size refusal is a sentence', () => {
    expect(dataSizeProblem(20_000_000, 10 * 1024 * 1024)).toBe('The data is 20.0 MB; an item may be at most 10 MiB.')
    expect(dataSizeProblem(10 * 1024 * 1024, 10 * 1024 * 1024)).toBeNull()
  })
  it('a tag problem says which row and input', () => {
    expect(findTagProblem([{ name: 'A', value: 'b' }, { name: 'Action', value: '' }])).toEqual({ text: 'Tag 2 (Action): the value is empty.', index: 1, part: 'value' })
  })
})
