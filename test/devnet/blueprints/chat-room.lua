-- aolight demo chat room: keeps the history of `Action = Post` messages from speaker
-- processes and answers `Action = History` with it as JSON.
History = History or {}

Handlers.add("post", Handlers.utils.hasMatchingTag("Action", "Post"), function(msg)
  table.insert(History, { speaker = msg.From, author = msg.Tags.Author, text = msg.Data, at = msg.Timestamp })
  Send({ Target = msg.From, Action = "Posted", Index = tostring(#History) })
  print("[" .. #History .. "] " .. (msg.Tags.Author or msg.From) .. ": " .. msg.Data)
end)

Handlers.add("history", Handlers.utils.hasMatchingTag("Action", "History"), function(msg)
  msg.reply({ Data = require("json").encode(History) })
end)
