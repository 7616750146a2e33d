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
        // "no such file" for the module; network failures and 5xx stay errors
        if (isProtocolError(e, 'http/not-found')) return undefined
        throw e
      }
    },
  }
}

export function gatewayDataProviderFor(url: string): DataProvider {
  return gatewayDataProvider(new GatewayClient(url))
}
