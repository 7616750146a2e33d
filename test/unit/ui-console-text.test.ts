import { describe, expect, it } from 'vitest'
import { ansiPlain, parseAnsi } from '../../src/ui/console/ansi'
import { describeStage, foldProgress, type SendStage } from '../../src/ui/console/send-progress'
import { explainError } from '../../src/ui/console/error-text'
import { BlueprintError } from '../../src/ui/console/blueprints'
import { NodeError } from '../../src/node/contract'
import { errorText, outputPrompt, outputText } from '../../src/ui/result-text'

const E = '\u001b'

describe('ansi', () => {
  it('splits the aos prompt into coloured runs and drops the escapes', () => {
    const prompt = `${E}[32maolight-demo-token${E}[90m@${E}[34maos-2.0.4${E}[90m[Inbox:${E}[31m1${E}[90m]${E}[0m> `
    expect(parseAnsi(prompt)).toEqual([
      { text: 'aolight-demo-token', colour: 'green', bold: false },
      { text: '@', colour: 'bright-black', bold: false },
      { text: 'aos-2.0.4', colour: 'blue', bold: false },
      { text: '[Inbox:', colour: 'bright-black', bold: false },
      { text: '1', colour: 'red', bold: false },
      { text: ']', colour: 'bright-black', bold: false },
      { text: '> ', colour: null, bold: false },
    ])
    expect(ansiPlain(prompt)).toBe('aolight-demo-token@aos-2.0.4[Inbox:1]> ')
  })
  it('handles bold, combined codes, resets, 256 colours and non-colour escapes', () => {
    expect(parseAnsi(`${E}[1;31mboom${E}[22m red${E}[m plain`)).toEqual([
      { text: 'boom', colour: 'red', bold: true },
      { text: ' red', colour: 'red', bold: false },
      { text: ' plain', colour: null, bold: false },
    ])
    expect(ansiPlain(`a${E}[2Kb${E}]0;title${E}\\c${E}[38;5;208md${E}[39me`)).toBe('abcde')
    expect(parseAnsi(`${E}[38;5;208md`)).toEqual([{ text: 'd', colour: null, bold: false }])
    expect(parseAnsi('')).toEqual([])
    // markup stays text: the view puts runs in text nodes
    expect(ansiPlain('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>')
  })
})

describe('result text', () => {
  it('reads the aos 2 prompt at Output.prompt and keeps colours when asked', () => {
    const out = { data: `${E}[32m42${E}[0m`, prompt: `${E}[32mp${E}[0m> `, print: true }
    expect(outputPrompt(out)).toBe('p> ')
    expect(outputPrompt(out, { keepAnsi: true })).toBe(`${E}[32mp${E}[0m> `)
    expect(outputText(out)).toBe('42')
    expect(outputText(out, { keepAnsi: true })).toBe(`${E}[32m42${E}[0m`)
    expect(errorText(`${E}[31merror: ${E}[0mboom`)).toBe('error: boom')
    expect(errorText({ a: 1 })).toBe('{\n  "a": 1\n}')
  })
})

describe('send progress', () => {
  it('walks signing → queued → retry → sent in words, offline and online', () => {
    let s: SendStage = foldProgress({ stage: 'signing' }, { type: 'signing' })
    expect(describeStage(s, true)).toMatch(/^Signing/)
    s = foldProgress(s, { type: 'queued', id: 'ID', target: 'T' })
    expect(describeStage(s, false)).toBe('Signed ID. Queued — will send when online.')
    expect(describeStage(s, true)).toBe('Signed ID. Posting…')
    s = foldProgress(s, { type: 'retry', id: 'ID', target: 'T', attempt: 1, error: 'MU timed out after 30 s' })
    expect(describeStage(s, true)).toBe('Posting ID… (retry 2: MU timed out after 30 s)')
    expect(describeStage(s, false)).toBe('Signed ID. Queued — will send when online.')
    s = foldProgress(s, { type: 'sent', id: 'ID', target: 'T', postedTo: 'http://mu' })
    expect(describeStage(s, true)).toBe('Sent ID to http://mu; waiting for its result…')
    expect(foldProgress(s, { type: 'assigned', id: 'ID', target: 'T', nonce: 3 })).toEqual(s)
  })
})

describe('error text', () => {
  const target = 'oEj2bKQuL8LUNrN6XJPwWsmYOfa2yMqcsTqvC-QdnXk'
  it('a relay refusal for a wallet target is a sentence; the raw text is the details', () => {
    const raw = `http://127.0.0.1:13702 refused item abc: POST http://127.0.0.1:13702/ → 404 Not Found: {"error":"message abc: target process ${target} is not on this SU"}`
    const x = explainError(new NodeError('network/status', raw, { relayCode: 'send/refused' }), { target, route: 'su' })
    // Only what is known: this unit has no such process (not "it is a wallet").
    expect(x.text).toBe(`No process ${target} on the scheduler at 127.0.0.1:13702: it is not a process this network knows (a wallet, a message, or a process on another network).`)
    expect(x.text).not.toMatch(/is a wallet/)
    expect(x.details).toBe(raw)
    // on the MU route the unit that answered is the messenger, not a scheduler
    const mu = `http://127.0.0.1:24002 refused item abc: POST http://127.0.0.1:24002/ → 404 Not Found: {"error":"Process ${target} not found"}`
    expect(explainError(new NodeError('network/status', mu, { relayCode: 'send/refused' }), { target, route: 'mu' }).text).toBe(
      `No process ${target} on the messenger at 127.0.0.1:24002: it is not a process this network knows (a wallet, a message, or a process on another network).`,
    )
    expect(explainError(new NodeError('network/status', mu, { relayCode: 'send/refused' }), { target }).text).toMatch(/^No process \S+ on the scheduler or messenger at 127\.0\.0\.1:24002: /)
  })
  it('another refusal names the unit, the status and the reason without the JSON body', () => {
    const raw = `http://127.0.0.1:5002 refused item abc: POST http://127.0.0.1:5002/ → 400 Bad Request: {"error":"bad tags"}`
    expect(explainError(new NodeError('network/status', raw, { relayCode: 'send/refused' })).text).toBe('The 127.0.0.1:5002 unit refused the message (HTTP 400: bad tags). It was not sent.')
  })
  it('blueprint errors lose their class-name prefix', () => {
    const x = explainError(new BlueprintError('blueprint/http', 'Blueprint "nope": https://x/nope.lua answered HTTP 404 (no blueprint of that name there).', { name: 'nope', url: 'https://x/nope.lua', status: 404 }))
    expect(x.text).toBe('Blueprint "nope": https://x/nope.lua answered HTTP 404 (no blueprint of that name there).')
    expect(x.details).toBe('URL: https://x/nope.lua\nHTTP status: 404')
    expect(explainError(new TypeError('x is undefined')).text).toBe('x is undefined')
  })
})
