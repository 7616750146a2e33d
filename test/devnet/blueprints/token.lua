-- aolight demo token: balances in a table, Transfer with Debit/Credit notices, Balance, Info.
-- Quantities are integer strings (no decimals) so every CU computes the same numbers.
Name = Name or "aolight Demo Token"
Ticker = Ticker or "ALD"
Denomination = Denomination or 0
Balances = Balances or { [ao.env.Process.Owner] = 1000000 }

local function balanceOf(who)
  return Balances[who] or 0
end

Handlers.add("info", Handlers.utils.hasMatchingTag("Action", "Info"), function(msg)
  msg.reply({ Name = Name, Ticker = Ticker, Denomination = tostring(Denomination) })
end)

Handlers.add("balance", Handlers.utils.hasMatchingTag("Action", "Balance"), function(msg)
  local who = msg.Tags.Recipient or msg.Tags.Target or msg.From
  msg.reply({ Balance = tostring(balanceOf(who)), Ticker = Ticker, Account = who, Data = tostring(balanceOf(who)) })
end)

Handlers.add("balances", Handlers.utils.hasMatchingTag("Action", "Balances"), function(msg)
  msg.reply({ Data = require("json").encode(Balances) })
end)

Handlers.add("transfer", Handlers.utils.hasMatchingTag("Action", "Transfer"), function(msg)
  local qty = tonumber(msg.Tags.Quantity)
  local to = msg.Tags.Recipient
  if not to or not qty or qty <= 0 or qty ~= math.floor(qty) then
    msg.reply({ Action = "Transfer-Error", Error = "Recipient and a positive integer Quantity are required" })
    return
  end
  if balanceOf(msg.From) < qty then
    msg.reply({ Action = "Transfer-Error", Error = "Insufficient balance" })
    return
  end
  Balances[msg.From] = balanceOf(msg.From) - qty
  Balances[to] = balanceOf(to) + qty
  local q = tostring(qty)
  Send({ Target = msg.From, Action = "Debit-Notice", Recipient = to, Quantity = q, Data = "You transferred " .. q .. " to " .. to })
  Send({ Target = to, Action = "Credit-Notice", Sender = msg.From, Quantity = q, Data = "You received " .. q .. " from " .. msg.From })
  print("transfer " .. q .. " " .. msg.From .. " -> " .. to)
end)
