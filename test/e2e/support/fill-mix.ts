/**
 * The message mix of the test/bench aos processes, in one place for the aoconnect filler
 * (proof-log.ts `fillProcess`) and the fast signer-side filler (fast-fill.ts): after the token
 * code, a rotation of six: an Eval, a Mint, two Transfers from wallet A, an overdrawn Transfer
 * from wallet B (an Error result), and an Eval that alternately errors or sends a Ping to the
 * process itself (an outbox the MU pushes back).
 */

export interface PlannedMessage {
  signer: 'a' | 'b'
  tags: { name: string; value: string }[]
  /** Absent: a data-less message (aoconnect then sends " " with Content-Type text/plain). */
  data?: string
}

/** A small token in aos Lua: Transfer moves a quantity and sends Debit/Credit notices; errors on overdraft. */
export const TOKEN_LUA = `
Balances = Balances or {}
Handlers.add("Mint", Handlers.utils.hasMatchingTag("Action", "Mint"), function(msg)
  Balances[msg.From] = (Balances[msg.From] or 0) + tonumber(msg.Quantity)
  msg.reply({ Action = "Minted", Data = tostring(Balances[msg.From]) })
end)
Handlers.add("Transfer", Handlers.utils.hasMatchingTag("Action", "Transfer"), function(msg)
  local q = tonumber(msg.Quantity)
  local bal = Balances[msg.From] or 0
  if bal < q then error("insufficient balance: " .. bal .. " < " .. q) end
  Balances[msg.From] = bal - q
  Balances[msg.Recipient] = (Balances[msg.Recipient] or 0) + q
  Send({ Target = msg.From, Action = "Debit-Notice", Recipient = msg.Recipient, Quantity = tostring(q) })
  Send({ Target = msg.Recipient, Action = "Credit-Notice", Sender = msg.From, Quantity = tostring(q) })
end)
return "token ready"
`

const RECIPIENTS = ['r1', 'r2', 'r3'].map((r) => r.padEnd(43, 'x'))

/** Message `i` of the fill (0 = the token code Eval). */
export function plannedMessage(i: number): PlannedMessage {
  if (i === 0) return { signer: 'a', tags: [{ name: 'Action', value: 'Eval' }], data: TOKEN_LUA }
  const k = i % 6
  if (k === 0) return { signer: 'a', tags: [{ name: 'Action', value: 'Eval' }], data: `return ${i} * 2` }
  if (k === 1) return { signer: 'a', tags: [{ name: 'Action', value: 'Mint' }, { name: 'Quantity', value: String(5 + (i % 7)) }] }
  if (k === 2 || k === 3) return { signer: 'a', tags: [{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: RECIPIENTS[i % 3]! }, { name: 'Quantity', value: String(1 + (i % 4)) }] }
  if (k === 4) return { signer: 'b', tags: [{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: RECIPIENTS[0]! }, { name: 'Quantity', value: '1000' }] }
  return { signer: 'a', tags: [{ name: 'Action', value: 'Eval' }], data: i % 12 === 5 ? `error("planned failure ${i}")` : `Send({ Target = ao.id, Action = "Ping", Data = "p${i}" })` }
}
