/**
 * What a line typed into the console means, aos-style: plain text is Lua sent as an `Eval`,
 * lines starting with "." are console commands.
 */
export type ConsoleCommand =
  | { kind: 'eval'; code: string }
  | { kind: 'dryrun'; code: string }
  | { kind: 'load-blueprint'; name: string }
  | { kind: 'help' }
  | { kind: 'clear' }
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string }

// aos blueprint names are file names such as token, chatroom, ao_event, credUtils; no paths.
export const BLUEPRINT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

export const HELP_TEXT = [
  'Type Lua and press Enter to send it to the process as an Eval (signed by your wallet).',
  'Shift+Enter starts a new line; ↑/↓ walk through history.',
  '.dryrun CODE           evaluate CODE read-only on the local state; nothing is sent',
  '.load-blueprint NAME   Eval a blueprint: aolight\'s own demo ones (token, chat-room, chat-speaker,',
  '                       cron-counter) first, else BASE/NAME.lua (Settings; default the aos repository)',
  '.clear                 clear this transcript',
  '.help                  this text',
].join('\n')

export function parseConsoleInput(input: string): ConsoleCommand {
  const text = input.trim()
  if (text === '') return { kind: 'empty' }
  if (!text.startsWith('.')) return { kind: 'eval', code: input.replace(/\s+$/, '') }
  const [word = '', ...rest] = text.split(/\s+/)
  const arg = text.slice(word.length).trim()
  switch (word) {
    case '.help':
      return { kind: 'help' }
    case '.clear':
      return { kind: 'clear' }
    case '.dryrun':
      return arg === '' ? { kind: 'invalid', reason: '.dryrun needs Lua code, e.g. .dryrun return #Inbox' } : { kind: 'dryrun', code: arg }
    case '.load-blueprint': {
      if (rest.length !== 1 || !BLUEPRINT_NAME.test(arg)) {
        return { kind: 'invalid', reason: `.load-blueprint needs one blueprint name (letters, digits, "-" or "_"), e.g. .load-blueprint token` }
      }
      return { kind: 'load-blueprint', name: arg }
    }
    default:
      return { kind: 'invalid', reason: `Unknown command ${word}. Type .help for the list.` }
  }
}
