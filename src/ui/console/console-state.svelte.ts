/**
 * One process's console, kept in memory for the life of the tab: the transcript, the prompt, and
 * the work of each line typed (signing, the outgoing queue, the result). The work belongs to this
 * object, not to the view: leaving the console (another page, the message view) and coming back
 * shows the same transcript with each sent item's state brought up to date, and a result that
 * arrived meanwhile.
 */
import { NodeError, type CrankSummary, type MessageResult } from '../../node/contract'
import { cranksHere, type SendProgress } from '../../node/client'
import { client } from '../state/client'
import { settingsState } from '../state/settings.svelte'
import { walletState } from '../state/wallet.svelte'
import { HELP_TEXT, parseConsoleInput } from './commands'
import { describeOrigin, loadBlueprint, resolveBlueprint } from './blueprints'
import { explainError } from './error-text'
import { notOwnerWarning } from './owner-warning'
import { describeStage, foldProgress, inProgress, type SendStage } from './send-progress'
import { errorText, outputPrompt, outputText } from '../result-text'
import { loadTranscript, saveTranscript } from './console-transcript'

export type TextLine = { kind: 'input' | 'output' | 'error' | 'info' | 'warning'; text: string; details?: string | null }
export type ItemLine = { kind: 'item'; stage: SendStage }
export type ConsoleLine = TextLine | ItemLine

const MAX_LINES = 500
const RESULT_TIMEOUT_MS = 120_000

export interface ItemLineView {
  text: string
  busy: boolean
  failed: boolean
}

export function itemLineView(l: ItemLine, online: boolean): ItemLineView {
  return { text: describeStage(l.stage, online), busy: inProgress(l.stage), failed: l.stage.stage === 'refused' || l.stage.stage === 'no-result' }
}

export class ConsoleState {
  lines = $state<ConsoleLine[]>([{ kind: 'info', text: 'Type .help for commands.' }])
  busy = $state(false)
  /** the prompt of the last result this console saw (with its colour codes) */
  prompt = $state<string | null>(null)

  constructor(readonly processId: string) {
    const saved = loadTranscript(processId)
    if (saved) {
      this.lines = saved.lines
      this.prompt = saved.prompt
    }
    // Kept across a reload of this tab (console-transcript.ts); reading the lines deeply tracks item stages too.
    $effect.root(() => {
      $effect(() => saveTranscript(processId, $state.snapshot({ lines: this.lines, prompt: this.prompt })))
    })
  }

  print(kind: TextLine['kind'], text: string, details: string | null = null): void {
    this.lines = [...this.lines.slice(-(MAX_LINES - 1)), { kind, text, details }]
  }

  printError(e: unknown): void {
    const x = explainError(e, { target: this.processId, route: settingsState.value.relayRoute })
    this.print('error', x.text, x.details)
  }

  /** A line that follows one sent item; returns the live (reactive) line to update. */
  #itemLine(): ItemLine {
    this.lines = [...this.lines.slice(-(MAX_LINES - 1)), { kind: 'item', stage: { stage: 'signing' } }]
    return this.lines[this.lines.length - 1] as ItemLine
  }

  printResult(r: MessageResult): void {
    const p = outputPrompt(r.Output, { keepAnsi: true })
    if (p) this.prompt = p
    const out = outputText(r.Output, { keepAnsi: true })
    if (out) this.print('output', out)
    if (r.Error !== undefined && r.Error !== '') this.print('error', errorText(r.Error, { keepAnsi: true }))
    if (r.Messages.length > 0) this.print('info', `${r.Messages.length} outgoing message(s); see the log for details.`)
  }

  /** Runs one typed line (the prompt shown is echoed with it). */
  async run(text: string, shownPrompt: string, ctx: { owner: string | null }): Promise<void> {
    const cmd = parseConsoleInput(text)
    if (cmd.kind === 'empty') return
    this.print('input', `${shownPrompt}${text}`)
    this.busy = true
    try {
      switch (cmd.kind) {
        case 'help':
          this.print('info', HELP_TEXT)
          break
        case 'clear':
          this.lines = []
          break
        case 'invalid':
          this.print('error', cmd.reason)
          break
        case 'eval':
          await this.#eval(cmd.code, ctx.owner)
          break
        case 'dryrun':
          await this.#dryRun(cmd.code, ctx.owner)
          break
        case 'load-blueprint': {
          const base = settingsState.value.blueprintBase
          this.print('info', `Loading ${describeOrigin(resolveBlueprint(cmd.name, base))}…`)
          const bp = await loadBlueprint(cmd.name, base, { online: navigator.onLine })
          this.print('info', `Loaded ${describeOrigin(bp.origin)}: ${bp.code.length} characters; sending it as an Eval.`)
          await this.#eval(bp.code, ctx.owner)
          break
        }
      }
    } catch (e) {
      this.printError(e)
    } finally {
      this.busy = false
    }
  }

  /**
   * aos runs an Eval only when it comes from its owner, so a dry-run as anyone else answers with
   * an "Action = Eval" inbox note instead of evaluating: run it as the connected wallet (that is
   * who would send the real Eval), else as the process owner, and say which.
   */
  async #dryRun(code: string, owner: string | null): Promise<void> {
    const w = walletState.value
    const as = w.kind !== 'none' ? { address: w.address, who: 'your connected wallet' } : owner ? { address: owner, who: 'the process owner' } : null
    const request = { tags: [{ name: 'Action', value: 'Eval' }], data: code }
    if (!as) {
      // Owner unknown (the process has not opened): the dry-run opens it and says why if it cannot.
      this.print('info', 'Dry-run as an anonymous address (no wallet connected, and the process owner is not known yet); nothing is sent.')
      this.printResult(await client.dryRun(this.processId, request))
      return
    }
    this.print('info', `Dry-run as ${as.address} (${as.who}); nothing is sent.`)
    this.printResult(await client.dryRun(this.processId, { ...request, owner: as.address }))
  }

  async #eval(code: string, owner: string | null): Promise<void> {
    const w = walletState.value
    if (w.kind === 'none') throw new Error('Connect a wallet first (Wallet page): an Eval is a message signed by you.')
    // In the transcript too: the panel's note may have scrolled away when the "New Message" note comes back.
    const notOwner = notOwnerWarning(w.address, owner)
    if (notOwner) this.print('warning', notOwner)
    const line = this.#itemLine()
    const onProgress = (p: SendProgress) => {
      line.stage = foldProgress(line.stage, p)
      // Signed and in the outgoing queue: the console takes the next line while this one travels.
      if (p.type !== 'signing') this.busy = false
    }
    let id: string
    try {
      id = (await client.sendTracked({ target: this.processId, tags: [{ name: 'Action', value: 'Eval' }], data: code }, onProgress)).id
    } catch (e) {
      if (line.stage.stage === 'signing') this.lines = this.lines.filter((l) => l !== line)
      else if (line.stage.stage !== 'refused') line.stage = { stage: 'no-result', id: 'id' in line.stage ? line.stage.id : '', reason: 'it was not sent.' }
      throw e
    }
    if (line.stage.stage !== 'sent') line.stage = { stage: 'sent', id, postedTo: 'the network' }
    let outcome: { result: MessageResult; crank: CrankSummary | null }
    try {
      outcome = await awaitOutcome(this.processId, id, cranksHere(settingsState.value))
    } catch (e) {
      line.stage = { stage: 'no-result', id, reason: 'no result yet.' }
      throw e
    }
    line.stage = { stage: 'evaluated', id }
    this.printResult(outcome.result)
    const c = outcome.crank
    if (c) {
      for (const p of c.pushed) this.print('info', `Pushed ${p.kind} ${p.id} to ${p.target}.`)
      if (c.superseded > 0) this.print('info', `${c.superseded} outbox item(s) were already delivered by the network's MU.`)
      for (const u of c.uploaded) this.print('info', `Uploaded to Arweave: the message to ${u.target} (a wallet, not a process) went to ${u.uploader}; receipt ${u.id}.`)
      for (const t of c.notAProcess) if (!c.uploaded.some((u) => u.target === t)) this.print('info', `Not pushed: ${t} is not a process (a wallet); no SU schedules it.`)
      for (const err of c.errors) this.print('error', `Crank: ${err}`)
    }
  }
}

/**
 * The result of message `id` once this tab (or the tab leading the process) evaluated it, and what
 * cranking it pushed when this tab cranks. Holds the process open meanwhile, so the result arrives
 * even when the console view is gone.
 */
async function awaitOutcome(processId: string, id: string, crank: boolean): Promise<{ result: MessageResult; crank: CrankSummary | null }> {
  const h = await client.openProcess(processId)
  let unsubscribe = () => {}
  try {
    let resultSeen: (r: MessageResult) => void = () => {}
    let crankSeen: (c: CrankSummary) => void = () => {}
    const result = new Promise<MessageResult>((resolve) => (resultSeen = resolve))
    const cranked = new Promise<CrankSummary>((resolve) => (crankSeen = resolve))
    const u = h.subscribe((e) => {
      if (e.type === 'message' && e.message.id === id && e.message.result) resultSeen(e.message.result)
      else if (e.type === 'crank' && e.crank.messageId === id) crankSeen(e.crank)
    })
    unsubscribe = () => void u()
    // Evaluated before we subscribed (e.g. while the view was away): it is in the stored log.
    void h.message(id).then((m) => m?.result && resultSeen(m.result), () => undefined)
    const r = await timeout(result, RESULT_TIMEOUT_MS, () => new NodeError('process/evaluation-failed', `No result for message ${id} after ${RESULT_TIMEOUT_MS / 1000} s; it stays in the log and its result will show there.`, { messageId: id }))
    const wantCrank = crank && r.Messages.length + r.Spawns.length > 0
    const c = wantCrank ? await timeout(cranked, 30_000, () => null).catch(() => null) : null
    return { result: r, crank: c }
  } finally {
    unsubscribe()
    await h.close()
  }
}

function timeout<T, F>(p: Promise<T>, ms: number, onTimeout: () => F): Promise<T | (F extends Error ? never : F)> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const v = onTimeout()
      if (v instanceof Error) reject(v)
      else resolve(v as F extends Error ? never : F)
    }, ms)
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}

const consoles = new Map<string, ConsoleState>()

/** The console of process `id` (the same object each time the view mounts). */
export function consoleFor(id: string): ConsoleState {
  let c = consoles.get(id)
  if (!c) consoles.set(id, (c = new ConsoleState(id)))
  return c
}
