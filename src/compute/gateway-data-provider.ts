/**
 * WeaveDrive's data source in the app: `/data/<txid>` reads inside a module fetch the item's
 * bytes from the gateway (`/raw/{id}`, falling back to `/{id}`). Built inside the runtime worker
 * from a URL, because a function cannot cross the worker boundary by structured clone.
 *
 * An id the gateway doesn't have is "no such file" for the module. Any other failure (gateway
 * down, refusing, silent, 5xx) is a `WeaveDriveReadError` naming the file, the gateway and the
 * cause: the read throws inside `handle`, so the message fails like a trap and the instance rolls
 * back to the memory before it. Reads are bounded (timeout x attempts) so a silent gateway can't
 * hang an evaluation.
 */
import { GatewayClient } from '../protocol/gateway-client'
import { HttpClient } from '../protocol/http'
import { isProtocolError } from '../protocol/errors'
import type { DataProvider } from '../wasm/types'

export class WeaveDriveReadError extends Error {
  override readonly name = 'WeaveDriveReadError'
  constructor(
    readonly txId: string,
    readonly gateway: string,
    /** the ProtocolError code of the failed request (`http/network`, `http/timeout`, `http/status`…), or `unknown` */
    readonly causeCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export interface WeaveDriveFetchLimits {
  /** per request; default 20 s */
  timeoutMs?: number
  /** retries after the first attempt; default 2 */
  retries?: number
}

export function gatewayDataProvider(gateway: GatewayClient): DataProvider {
  return {
    async getData(txId: string): Promise<Uint8Array | undefined> {
      try {
        return await gateway.getRaw(txId)
      } catch (e) {
        // "no such file" for the module; network failures and 5xx stay errors
        if (isProtocolError(e, 'http/not-found')) return undefined
        const code = isProtocolError(e) ? e.code : 'unknown'
        const why = e instanceof Error ? e.message : String(e)
        throw new WeaveDriveReadError(txId, gateway.url, code, `WeaveDrive read of /data/${txId} from gateway ${gateway.url} failed (${code}): ${why}`, { cause: e })
      }
    },
  }
}

export function gatewayDataProviderFor(url: string, limits: WeaveDriveFetchLimits = {}): DataProvider {
  const http = new HttpClient({ timeoutMs: limits.timeoutMs ?? 20_000, retry: { retries: limits.retries ?? 2 } })
  return gatewayDataProvider(new GatewayClient(url, http))
}
