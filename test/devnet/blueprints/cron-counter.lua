-- aolight demo cron: spawned with `Cron-Interval: 10-seconds` and `Cron-Tag-Action: Tick`;
-- counts the ticks the CU generates and answers `Action = Count`.
Ticks = Ticks or 0
LastTick = LastTick or 0

Handlers.add("tick", Handlers.utils.hasMatchingTag("Action", "Tick"), function(msg)
  Ticks = Ticks + 1
  LastTick = msg.Timestamp
  print("tick #" .. Ticks .. " at " .. msg.Timestamp)
end)

Handlers.add("count", Handlers.utils.hasMatchingTag("Action", "Count"), function(msg)
  msg.reply({ Ticks = tostring(Ticks), LastTick = tostring(LastTick), Data = tostring(Ticks) })
end)
