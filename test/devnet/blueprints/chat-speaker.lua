-- aolight demo chat speaker: `Action = Say` (Data = the text) sends the text to the room
-- process named by `Room` (set at spawn with the Room tag, or by Eval).
Room = Room or ao.env.Process.Tags.Room
Said = Said or 0

Handlers.add("say", Handlers.utils.hasMatchingTag("Action", "Say"), function(msg)
  assert(Room, "no Room configured")
  Said = Said + 1
  Send({ Target = Room, Action = "Post", Author = msg.From, Data = msg.Data })
  print("said #" .. Said .. " to " .. Room .. ": " .. msg.Data)
end)

Handlers.add("posted", Handlers.utils.hasMatchingTag("Action", "Posted"), function(msg)
  print("room stored message #" .. msg.Tags.Index)
end)
