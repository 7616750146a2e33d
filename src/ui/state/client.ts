/** The one client object every view talks to. Swap `createInterimClient` for the worker facade when it lands. */
import { createInterimClient } from '../client/client'

export const client = createInterimClient()
