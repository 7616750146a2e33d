/**
 * Field-by-field comparison of two evaluation results (ours and a remote CU's), for the
 * cross-check. What is compared, and why:
 * - `Output`: aos gives an object (`{data, prompt, print, …}`), other modules a string. Objects
 *   are compared key by key (`Output.data`, `Output.prompt`), structurally (key order ignored).
 * - `Messages` / `Spawns`: by *content* (Target, Anchor, Tags, Data and any other field), never by
 *   id: outbox items are re-signed by the MU, so ids are not reproducible (ao-protocol.md pitfall 10).
 *   Tags are an ordered list: the module emits them in a deterministic order.
 * - `Assignments`: structurally, per index.
 * - `Error`: present/absent and value, any JSON (aos may give an object), as the CU presents it
 *   (`errorAsReported`); an object Error is compared as one value, structurally. `GasUsed`: only when both sides report it (metered modules).
 * Both sides are first put in the shape a reference CU reports (`asReportedByCu`), so a module
 * result that omits `Output` (aos on an Error) compares equal to the CU's `Output: ""`.
 * Values are reported as canonical JSON text (sorted keys); an absent value is `(absent)`.
 */

/** The result fields compared (CuResult / MessageResult / the runtime's response all fit). */
export interface ComparableResult {
  Output?: unknown
  Messages?: readonly unknown[]
  Spawns?: readonly unknown[]
  Assignments?: readonly unknown[]
  Error?: unknown
  GasUsed?: unknown
}

export interface FieldDiff {
  /** a path into the result: `Output.data`, `Messages[0].Tags`, `Messages.length`, `Error` */
  field: string
  local: string
  remote: string
}

/** Display text of an absent value (JSON has no `undefined`). */
export const ABSENT = '(absent)'

/** JSON with object keys sorted, `undefined` members dropped; the text both sides are compared by. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return ABSENT
  return JSON.stringify(sortKeys(value))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortKeys(x)))
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k]
      if (x !== undefined) out[k] = sortKeys(x)
    }
    return out
  }
  return v
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/**
 * An Error as the reference CU presents it on `/result`: mergeOutput keeps the module's value
 * unchanged (`pathOr(undefined, ['Error'])`, schema `z.any()`), so a string stays a string and an
 * object (aos: an Eval's second return value) stays an object; the route sends it as JSON, so what
 * a client sees is the value's JSON form (a thrown JS Error becomes `{}`). `null` means absent.
 */
export function errorAsReported(v: unknown): unknown {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'string') return v
  const text = JSON.stringify(v)
  return text === undefined ? undefined : (JSON.parse(text) as unknown)
}

/**
 * A module's raw result as the reference CU reports it on `/result`: its worker's `mergeOutput`
 * (ao:servers/cu/src/effects/worker/evaluate.js) turns an absent (or null) Output into `""` and a
 * number into a string, absent Messages / Assignments / Spawns into `[]`, and keeps Error and
 * GasUsed only when set. Applied to both sides, so a CU that passes the module's result through
 * unchanged (the local devnet does, omitting Output on an aos Error) is compared by the same rule.
 */
export function asReportedByCu(r: ComparableResult): ComparableResult {
  const o = r.Output ?? ''
  const out: ComparableResult = {
    Output: typeof o === 'number' ? String(o) : o,
    Messages: r.Messages ?? [],
    Spawns: r.Spawns ?? [],
    Assignments: r.Assignments ?? [],
  }
  const e = errorAsReported(r.Error)
  if (e !== undefined) out.Error = e
  if (r.GasUsed !== undefined && r.GasUsed !== null) out.GasUsed = r.GasUsed
  return out
}

/** Every difference between `local` and `remote` (both as a CU reports them); empty means they agree. */
export function diffResults(rawLocal: ComparableResult, rawRemote: ComparableResult): FieldDiff[] {
  const local = asReportedByCu(rawLocal)
  const remote = asReportedByCu(rawRemote)
  const out: FieldDiff[] = []
  const push = (field: string, a: unknown, b: unknown): void => {
    const la = canonicalJson(a)
    const lb = canonicalJson(b)
    if (la !== lb) out.push({ field, local: la, remote: lb })
  }

  // Output: objects key by key, otherwise as one value.
  const lo = local.Output
  const ro = remote.Output
  if (isPlainObject(lo) && isPlainObject(ro)) {
    for (const k of unionKeys(lo, ro)) push(`Output.${k}`, lo[k], ro[k])
  } else {
    push('Output', lo, ro)
  }

  diffOutbox('Messages', local.Messages ?? [], remote.Messages ?? [], push)
  diffOutbox('Spawns', local.Spawns ?? [], remote.Spawns ?? [], push)

  const la = local.Assignments ?? []
  const ra = remote.Assignments ?? []
  if (la.length !== ra.length) push('Assignments.length', la.length, ra.length)
  for (let i = 0; i < Math.min(la.length, ra.length); i++) push(`Assignments[${i}]`, la[i], ra[i])

  push('Error', local.Error, remote.Error)
  if (local.GasUsed !== undefined && remote.GasUsed !== undefined) push('GasUsed', local.GasUsed, remote.GasUsed)
  return out
}

function diffOutbox(
  name: string,
  local: readonly unknown[],
  remote: readonly unknown[],
  push: (field: string, a: unknown, b: unknown) => void,
): void {
  if (local.length !== remote.length) push(`${name}.length`, local.length, remote.length)
  for (let i = 0; i < Math.min(local.length, remote.length); i++) {
    const a = local[i]
    const b = remote[i]
    if (!isPlainObject(a) || !isPlainObject(b)) {
      push(`${name}[${i}]`, a, b)
      continue
    }
    // Content fields first (the order a reader expects), then anything else either side carries.
    const keys = ['Target', 'Anchor', 'Tags', 'Data', ...unionKeys(a, b).filter((k) => !['Target', 'Anchor', 'Tags', 'Data'].includes(k))]
    for (const k of keys) push(`${name}[${i}].${k}`, a[k], b[k])
  }
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
}
