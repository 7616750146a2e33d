/** Wallet state as rune state, mirrored from the client. */
import type { WalletState } from '../../node/contract'
import { client } from './client'

let current = $state<WalletState>(client.wallet.state())
client.wallet.subscribe((s) => {
  current = s
})

export const walletState = {
  get value(): WalletState {
    return current
  },
}
