/** wao ships no type declarations; these cover what the devnet uses from `wao/test`. */
declare module 'wao/test' {
  export interface WaoAccount {
    jwk: Record<string, string>
    addr: string
    signer: unknown
  }
  export const mu: WaoAccount
  export const su: WaoAccount
  export const cu: WaoAccount
  export const acc: WaoAccount[]
}
