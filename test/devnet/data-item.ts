/**
 * ANS-104 helpers for the devnet (Node side, arbundles): sign new items, parse and verify
 * posted ones, and render them in the SU's JSON shape (ao servers/su core/json.rs).
 */
import { createData, DataItem, type ArweaveSigner } from 'arbundles'
import { addressOfOwner } from './keys'

export interface Tag {
  name: string
  value: string
}

export interface SignItemInput {
  tags: Tag[]
  data?: string | Uint8Array
  target?: string
  anchor?: string
  /** 32 raw anchor bytes (any bytes, like the real SU's random ones); arbundles only takes text */
  rawAnchor?: Uint8Array
}

export async function signItem(signer: ArweaveSigner, input: SignItemInput): Promise<DataItem> {
  const item = createData(input.data ?? '', signer, {
    tags: input.tags,
    ...(input.target ? { target: input.target } : {}),
    ...(input.anchor ? { anchor: input.anchor } : {}),
    ...(input.rawAnchor ? { anchor: 'A'.repeat(32) } : {}),
  })
  if (input.rawAnchor) {
    if (input.rawAnchor.length !== 32) throw new Error(`an anchor is 32 bytes, got ${input.rawAnchor.length}`)
    // The placeholder text anchor fixed the layout; its bytes are replaced before signing.
    const raw = item.getRaw()
    const anchorAt = 2 + item.signatureLength + item.ownerLength + (input.target ? 33 : 1) + 1
    raw.set(input.rawAnchor, anchorAt)
  }
  await item.sign(signer)
  return item
}

export class BadItemError extends Error {
  override readonly name = 'BadItemError'
}

/** Parses a posted binary item and checks its signature, like the MU/SU do before accepting it. */
export async function parseVerifiedItem(body: Uint8Array): Promise<DataItem> {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  let ok = false
  try {
    ok = await DataItem.verify(buf)
  } catch (e) {
    throw new BadItemError(`body is not an ANS-104 data item: ${(e as Error).message}`)
  }
  if (!ok) throw new BadItemError('ANS-104 data item signature or layout is invalid')
  return new DataItem(buf)
}

export function tagValue(tags: readonly Tag[], name: string): string | undefined {
  return tags.find((t) => t.name === name)?.value
}

const utf8Lossy = new TextDecoder('utf-8', { fatal: false })
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

/** The SU renders data with from_utf8_lossy (binary payloads are corrupted on purpose). */
export function lossyText(bytes: Uint8Array): string {
  return utf8Lossy.decode(bytes)
}

/** The process record uses data_if_string: null when the data is not UTF-8. */
export function textIfUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Strict.decode(bytes)
  } catch {
    return null
  }
}

export interface OwnerJson {
  address: string
  key: string
}

export function ownerOf(item: DataItem): OwnerJson {
  return { address: addressOfOwner(item.owner), key: item.owner }
}

/**
 * The anchor as the SU's JSON gives it (bytes.rs `anchor()` / `anchor_b64()`, json.rs maps "" to
 * None): UTF-8 text; bytes that are not UTF-8 come back as "" (null), or as base64url when the
 * request asked `show-anchor` (only assignments honour it).
 */
export function anchorText(item: DataItem, showAnchor = false): string | null {
  const raw = item.rawAnchor
  if (raw.length === 0) return null
  const text = textIfUtf8(raw)
  if (text !== null) return text === '' ? null : text
  return showAnchor ? Buffer.from(raw).toString('base64url') : null
}

/** Target as base64url, or "" when absent (json.rs keeps Some("")). */
export function targetText(item: DataItem): string {
  return item.rawTarget.length === 0 ? '' : item.target
}
