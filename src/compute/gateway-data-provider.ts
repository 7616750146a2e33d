/**
 * WeaveDrive's data source in the app: `/data/<txid>` reads inside a module fetch the item's
 * bytes from the gateway (`/raw/{id}`, falling back to `/{id}`). Built inside the runtime worker
 * from a URL, because a function cannot cross the worker boundary by structured clone.
 */
import { GatewayClient } from '../protocol/gateway-client'
import { isProtocolError } from '../protocol/errors'
import type { DataProvider } from '../wasm/types'

export function gatewayDataProvider(gateway: GatewayClient): DataProvider {
  return {
    async getData(txId: string): Promise<Uint8Array | undefined> {
      try {
        return await gateway.getRaw(txId)
      } catch (e) {
        if (isDataNotFound(e)) return undefined
        throw e
      }
    },
  }
}

/** Not found is "no such file" for the module; every other failure (network, 5xx) stays an error. */
export function isDataNotFound(e: unknown): boolean {
  return isProtocolError(e, 'http/not-found') || (isProtocolError(e, 'http/status') && (e.details as { status?: number }).status === 404)
}

export function gatewayDataProviderFor(url: string): DataProvider {
  return gatewayDataProvider(new GatewayClient(url))
}
