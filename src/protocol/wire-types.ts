/**
 * Small hand-written readers for JSON that comes off the wire. Each reader either returns the
 * value typed or throws a `ShapeError` naming the field path (`edges[3].node.assignment.id`),
 * which the HTTP layer turns into a `ProtocolError('http/bad-shape')` with method and URL.
 * No schema library: the shapes we read are few and small.
 */

export class ShapeError extends Error {
  override readonly name = 'ShapeError'
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`field ${field || '(root)'}: expected ${expected}, got ${describe(got)}`)
  }
}

/** A function that checks an unknown JSON value and returns it typed, or throws ShapeError. */
export type Validate<T> = (value: unknown, field?: string) => T

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return `array(${v.length})`
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`
  if (typeof v === 'object') return 'object'
  return `${typeof v} ${String(v)}`
}

export function sub(field: string, key: string | number): string {
  if (typeof key === 'number') return `${field}[${key}]`
  return field ? `${field}.${key}` : key
}

export function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(field, 'object', v)
  return v as Record<string, unknown>
}

export function str(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new ShapeError(field, 'string', v)
  return v
}

/** A string, or undefined when the field is null or absent (Rust `Option<String>`). */
export function optStr(v: unknown, field: string): string | undefined {
  if (v === null || v === undefined) return undefined
  return str(v, field)
}

export function num(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShapeError(field, 'finite number', v)
  return v
}

export function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new ShapeError(field, 'boolean', v)
  return v
}

/** A non-negative integer given as a number or a decimal string (SUs send both, e.g. "000001393008"). */
export function intLike(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const n = Number(v)
    if (Number.isSafeInteger(n)) return n
  }
  throw new ShapeError(field, 'integer or integer string', v)
}

export function arr<T>(v: unknown, field: string, item: Validate<T>): T[] {
  if (!Array.isArray(v)) throw new ShapeError(field, 'array', v)
  return v.map((x, i) => item(x, sub(field, i)))
}

export interface WireTag {
  name: string
  value: string
}

export const tag: Validate<WireTag> = (v, field = '') => {
  const o = obj(v, field)
  return { name: str(o.name, sub(field, 'name')), value: str(o.value, sub(field, 'value')) }
}

export function tags(v: unknown, field: string): WireTag[] {
  return arr(v, field, tag)
}

/** The value of the first tag called `name`, or undefined. Tag names are case-sensitive in ao. */
export function tagValue(list: readonly WireTag[], name: string): string | undefined {
  for (const t of list) if (t.name === name) return t.value
  return undefined
}

export interface WireOwner {
  address: string
  key: string
}

export const owner: Validate<WireOwner> = (v, field = '') => {
  const o = obj(v, field)
  return { address: str(o.address, sub(field, 'address')), key: str(o.key, sub(field, 'key')) }
}

/** A cursor-paged list as both GraphQL gateways and the CU's `/results` return it. */
export interface CursorPage<T> {
  hasNextPage: boolean
  edges: { cursor: string; node: T }[]
}

/** Reads `{pageInfo:{hasNextPage}, edges:[{cursor, node}]}`; a numeric cursor becomes its string. */
export function cursorPage<T>(v: unknown, f: string, node: Validate<T>): CursorPage<T> {
  const o = obj(v, f)
  const info = obj(o.pageInfo, sub(f, 'pageInfo'))
  return {
    hasNextPage: bool(info.hasNextPage, sub(sub(f, 'pageInfo'), 'hasNextPage')),
    edges: arr(o.edges, sub(f, 'edges'), (e, ef = '') => {
      const eo = obj(e, ef)
      const c = eo.cursor
      return { cursor: typeof c === 'number' ? String(c) : str(c, sub(ef, 'cursor')), node: node(eo.node, sub(ef, 'node')) }
    }),
  }
}
