/**
 * JSON.stringify for a value that is usually the same from call to call (a process's `env`):
 * keep the last JSON and a plain copy of what it encoded (parsed back from that JSON), and
 * answer from it when the new value has the same content. Content, not identity, decides, so a
 * mutated object is re-encoded and a structured clone of the same env (a Worker boundary) hits.
 * A hit is exact: the comparison walks keys in their own order and only plain JSON data can
 * equal the parsed copy (undefined members, toJSON, NaN, holes all miss and are re-encoded).
 */
export class JsonMemo {
  private json: string | undefined
  private copy: unknown

  stringify(value: unknown): string {
    if (this.json !== undefined && sameJson(value, this.copy)) return this.json
    const json = JSON.stringify(value)
    this.json = json
    this.copy = json === undefined ? undefined : JSON.parse(json)
    return json
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || Number.isFinite(a)
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!(i in a) || !sameJson(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || 'toJSON' in a) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i] as string
    if (k !== kb[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}
