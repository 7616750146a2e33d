/**
 * The one HTTP helper every ao/Arweave client uses (gateway, SU, CU, MU, locate).
 *
 * - Per-attempt timeout covering headers *and* body, combined with the caller's AbortSignal.
 * - Retries with exponential backoff + jitter, only for idempotent requests and only for
 *   failures that can heal (network error, timeout, cut-off body, 408/429/5xx); Retry-After
 *   is honoured. A caller abort stops the request and any backoff sleep at once.
 * - Redirects are followed (the SU router answers 307; a browser `redirect:'manual'` response
 *   is opaque, so following is the only portable choice).
 * - Every failure is a ProtocolError naming method, URL, status and a short body excerpt.
 * - `fetch` is injectable (tests, Workers, instrumentation). Runs in Node and in a Worker.
 */
import { ProtocolError, type ProtocolErrorCode } from './errors'
import { ShapeError, type Validate } from './wire-types'

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE'

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  retries: number
  baseDelayMs: number
  maxDelayMs: number
  /** A Retry-After longer than this is not waited for: the request fails instead. */
  maxRetryAfterMs: number
}

export interface HttpConfig {
  fetch?: FetchFn
  /** Per attempt, headers and body together. */
  timeoutMs?: number
  retry?: Partial<RetryPolicy>
  /** Jitter source in [0,1); injectable so tests can be deterministic. */
  random?: () => number
  headers?: Record<string, string>
}

export interface HttpRequest {
  url: string
  method?: HttpMethod
  headers?: Record<string, string>
  body?: Uint8Array | string
  /** Defaults: GET/HEAD/PUT/DELETE true, POST false. GraphQL queries and dry-runs pass true. */
  idempotent?: boolean
  signal?: AbortSignal
  timeoutMs?: number
  retries?: number
}

export interface HttpResponse {
  method: HttpMethod
  /** The URL asked for. */
  requestUrl: string
  /** The URL answered from, after redirects. */
  url: string
  status: number
  headers: Headers
  body: Uint8Array
}

export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 }

const EXCERPT_CHARS = 200
const utf8 = new TextDecoder()

export class HttpClient {
  private readonly fetchFn: FetchFn
  private readonly timeoutMs: number
  private readonly retry: RetryPolicy
  private readonly random: () => number
  private readonly headers: Record<string, string>

  constructor(config: HttpConfig = {}) {
    // Bind: calling an unbound window.fetch throws "Illegal invocation" in browsers.
    this.fetchFn = config.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.retry = { ...DEFAULT_RETRY, ...config.retry }
    this.random = config.random ?? Math.random
    this.headers = config.headers ?? {}
  }

  /** Performs the request with retries; resolves only on 2xx, otherwise throws ProtocolError. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? 'GET'
    const idempotent = req.idempotent ?? method !== 'POST'
    const retries = idempotent ? (req.retries ?? this.retry.retries) : 0
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(req.signal, method, req.url)
      try {
        return await this.attempt(req, method)
      } catch (e) {
        if (!(e instanceof ProtocolError) || attempt >= retries || !isRetriable(e)) throw e
        const retryAfter = typeof e.details.retryAfterMs === 'number' ? e.details.retryAfterMs : undefined
        if (retryAfter !== undefined && retryAfter > this.retry.maxRetryAfterMs) throw e
        const delay = retryAfter ?? this.backoff(attempt)
        await sleep(delay, req.signal, method, req.url)
      }
    }
  }

  /** GET/POST and parse JSON, then check its shape with `validate`. */
  async json<T>(req: HttpRequest, validate: Validate<T>): Promise<T> {
    const res = await this.request({ ...req, headers: { accept: 'application/json', ...req.headers } })
    return parseJson(res, validate)
  }

  async text(req: HttpRequest): Promise<string> {
    return utf8.decode((await this.request(req)).body)
  }

  async bytes(req: HttpRequest): Promise<Uint8Array> {
    return (await this.request(req)).body
  }

  /** Full jitter on top of half the exponential step, so retries never bunch at zero. */
  private backoff(attempt: number): number {
    const step = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt)
    return Math.round(step / 2 + (this.random() * step) / 2)
  }

  private async attempt(req: HttpRequest, method: HttpMethod): Promise<HttpResponse> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout
    const where = `${method} ${req.url}`
    // Classify a thrown error by which signal fired, not by the error's name: engines differ.
    const fail = (e: unknown, during: 'request' | 'body'): ProtocolError => {
      if (req.signal?.aborted) return new ProtocolError('http/aborted', `${where}: aborted by caller`, { method, url: req.url }, { cause: e })
      if (timeout.aborted) {
        return new ProtocolError('http/timeout', `${where}: no complete response within ${timeoutMs} ms (${during})`, { method, url: req.url, timeoutMs }, { cause: e })
      }
      if (during === 'body') {
        return new ProtocolError('http/truncated', `${where}: body cut off: ${errText(e)}`, { method, url: req.url }, { cause: e })
      }
      return new ProtocolError('http/network', `${where}: network error: ${errText(e)}`, { method, url: req.url }, { cause: e })
    }

    let res: Response
    try {
      const init: RequestInit = { method, headers: { ...this.headers, ...req.headers }, signal, redirect: 'follow' }
      if (req.body !== undefined) init.body = req.body as BodyInit
      res = await this.fetchFn(req.url, init)
    } catch (e) {
      throw fail(e, 'request')
    }

    let body: Uint8Array
    try {
      body = new Uint8Array(await res.arrayBuffer())
    } catch (e) {
      throw fail(e, 'body')
    }

    const base = { method, url: req.url, finalUrl: res.url || req.url, status: res.status }
    // Fallback for fetch implementations that do not error on a short body themselves. Skipped
    // when the body was content-decoded (length is of the encoded bytes) and for cross-origin
    // browser responses, where Content-Encoding may be hidden (browsers error on mismatch anyway).
    const declared = res.headers.get('content-length')
    const encoding = res.headers.get('content-encoding')
    if (declared !== null && method !== 'HEAD' && res.type !== 'cors' && (!encoding || encoding === 'identity')) {
      const n = Number(declared)
      if (Number.isSafeInteger(n) && body.length < n) {
        throw new ProtocolError('http/truncated', `${where}: body cut off: ${body.length} of ${n} bytes (Content-Length)`, { ...base, received: body.length, declared: n })
      }
    }

    if (res.status >= 200 && res.status < 300) {
      return { method, requestUrl: req.url, url: res.url || req.url, status: res.status, headers: res.headers, body }
    }
    const excerpt = excerptOf(body)
    const code: ProtocolErrorCode = res.status === 404 || res.status === 410 ? 'http/not-found' : 'http/status'
    const details: Record<string, unknown> = { ...base, excerpt }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'))
    if (retryAfterMs !== undefined) details.retryAfterMs = retryAfterMs
    throw new ProtocolError(code, `${where} → ${res.status} ${res.statusText}${excerpt ? `: ${excerpt}` : ''}`, details)
  }
}

/** Parses a response body as JSON and validates it; errors name method, URL and the field. */
export function parseJson<T>(res: HttpResponse, validate: Validate<T>): T {
  const where = `${res.method} ${res.requestUrl}`
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(res.body))
  } catch (e) {
    throw new ProtocolError('http/bad-json', `${where} → ${res.status}: body is not JSON: ${excerptOf(res.body)}`, { method: res.method, url: res.requestUrl, status: res.status, excerpt: excerptOf(res.body) }, { cause: e })
  }
  try {
    return validate(value, '')
  } catch (e) {
    if (e instanceof ShapeError) {
      throw new ProtocolError('http/bad-shape', `${where} → ${res.status}: unexpected JSON: ${e.message}`, { method: res.method, url: res.requestUrl, status: res.status, field: e.field, expected: e.expected })
    }
    throw e
  }
}

export function isRetriable(e: ProtocolError): boolean {
  switch (e.code) {
    case 'http/network':
    case 'http/timeout':
    case 'http/truncated':
      return true
    case 'http/status': {
      const s = e.details.status
      return typeof s === 'number' && (s === 408 || s === 429 || s >= 500)
    }
    default:
      return false
  }
}

/** Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(base: string, path: string, query?: Record<string, string | number | boolean | undefined>): string {
  const url = base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`)
  if (!query) return url
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
  const qs = params.toString()
  return qs ? `${url}?${qs}` : url
}

function throwIfAborted(signal: AbortSignal | undefined, method: string, url: string): void {
  if (signal?.aborted) throw new ProtocolError('http/aborted', `${method} ${url}: aborted by caller`, { method, url })
}

function sleep(ms: number, signal: AbortSignal | undefined, method: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ProtocolError('http/aborted', `${method} ${url}: aborted by caller`, { method, url }))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new ProtocolError('http/aborted', `${method} ${url}: aborted by caller during retry backoff`, { method, url }))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function excerptOf(body: Uint8Array): string {
  const text = utf8.decode(body.subarray(0, EXCERPT_CHARS * 4)).replace(/\s+/g, ' ').trim()
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text
}

function errText(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : ''
    return `${e.message}${cause}`
  }
  return String(e)
}
