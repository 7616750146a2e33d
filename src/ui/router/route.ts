/**
 * Routes of the app as a closed union, parsed from and formatted to the URL hash.
 * Hash routing keeps deep links working from a static host and from the service worker's
 * single precached index.html, with no server rewrite rules.
 */
import { isAoId } from '../../node/contract'

/**
 * A cron evaluation has no message id of its own; the node names it `cron:<nonce>.<index>` (the
 * scheduled message it follows and its index after it), and resolves that name like an id.
 */
export const CRON_MESSAGE_ID = /^cron:\d+\.\d+$/

/** An id the message view can show: a 43-character ao id, or a cron evaluation's name. */
export function isMessageRef(text: string): boolean {
  return isAoId(text) || CRON_MESSAGE_ID.test(text)
}

export type ProcessTab = 'log' | 'console' | 'flow'
export const PROCESS_TABS: readonly ProcessTab[] = ['log', 'console', 'flow']

export type Route =
  | { name: 'home' }
  | { name: 'process'; id: string; tab: ProcessTab }
  | { name: 'message'; id: string; processId: string | null }
  | { name: 'send'; target: string | null }
  | { name: 'spawn' }
  | { name: 'settings' }
  | { name: 'wallet' }
  /** a well-formed path with an id that is not a 43-char base64url id */
  | { name: 'bad-id'; what: 'process' | 'message'; given: string }
  | { name: 'not-found'; path: string }

function decode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

/** `#/process/<id>[/console|/flow]`, `#/message/<id>[?process=<pid>]`, `#/send[/<target>]`, … */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '')
  const [pathPart = '', queryPart = ''] = text.split('?', 2)
  const query = new URLSearchParams(queryPart)
  const parts = pathPart.split('/').filter((p) => p !== '').map(decode)
  const [head, a, b] = parts
  if (parts.length === 0) return { name: 'home' }
  switch (head) {
    case 'process': {
      if (a === undefined || parts.length > 3) break
      if (!isAoId(a)) return { name: 'bad-id', what: 'process', given: a }
      if (b === undefined) return { name: 'process', id: a, tab: 'log' }
      if ((PROCESS_TABS as readonly string[]).includes(b)) return { name: 'process', id: a, tab: b as ProcessTab }
      break
    }
    case 'message': {
      if (a === undefined || parts.length > 2) break
      if (!isMessageRef(a)) return { name: 'bad-id', what: 'message', given: a }
      const pid = query.get('process')
      return { name: 'message', id: a, processId: pid !== null && isAoId(pid) ? pid : null }
    }
    case 'send':
      if (parts.length > 2) break
      return { name: 'send', target: a !== undefined && isAoId(a) ? a : null }
    case 'spawn':
    case 'settings':
    case 'wallet':
      if (parts.length === 1) return { name: head }
      break
  }
  return { name: 'not-found', path: '/' + parts.join('/') }
}

/** The hash for a route (with leading `#`); `parseRoute(routeHash(r))` gives `r` back for valid routes. */
export function routeHash(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/'
    case 'process':
      return `#/process/${route.id}${route.tab === 'log' ? '' : '/' + route.tab}`
    case 'message':
      return `#/message/${route.id}${route.processId ? '?process=' + route.processId : ''}`
    case 'send':
      return route.target ? `#/send/${route.target}` : '#/send'
    case 'spawn':
    case 'settings':
    case 'wallet':
      return `#/${route.name}`
    case 'bad-id':
      return `#/${route.what}/${encodeURIComponent(route.given)}`
    case 'not-found':
      return '#' + route.path
  }
}
