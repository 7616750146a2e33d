/** The one client object every view talks to: compute + relay composed in src/node/client.ts. */
import { createAppClient } from '../../node/client'

export const client = createAppClient()
