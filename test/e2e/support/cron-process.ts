/**
 * A real aos process with `Cron-Interval: 1-second` on a devnet, for the cron cross-check tests
 * (test/unit/cross-check-cron.test.ts in Node, test/e2e/compute-cron-check.spec.ts in Chromium).
 * Its `Tick` handler prints the tick count, and fails on one second in three (the condition can't
 * depend on state: a failed tick rolls back), so some cron evaluations carry an Error. Scheduled
 * messages ~1.6 s apart give every span between them one or two ticks.
 */
import type { Devnet } from '../../devnet/devnet'
import { loadKey } from '../../devnet/keys'
import { sendMessage, spawnProcess } from '../../devnet/ao-http'

const BOOT = `
Ticks = 0
Handlers.add("tick", Handlers.utils.hasMatchingTag("Action", "Tick"), function(msg)
  Ticks = Ticks + 1
  if math.floor(msg.Timestamp / 1000) % 3 == 0 then error("tick at " .. msg.Timestamp .. " fails on purpose") end
  print("tick " .. Ticks .. " at " .. msg.Timestamp)
end)
`

/** Spawns the process and sends `messages` Evals; returns its id and the last nonce. */
export async function spawnCronProcess(devnet: Devnet, messages = 3): Promise<{ processId: string; head: number }> {
  const wallet = loadKey('wallet-a')
  const processId = await spawnProcess(devnet.urls.mu, wallet, {
    module: devnet.moduleIds.aos64,
    scheduler: devnet.suAddress,
    data: BOOT,
    tags: [{ name: 'Authority', value: devnet.authority }, { name: 'On-Boot', value: 'Data' }, { name: 'Cron-Interval', value: '1-second' }, { name: 'Cron-Tag-Action', value: 'Tick' }],
  })
  for (let i = 0; i < messages; i++) {
    await new Promise((r) => setTimeout(r, 1600))
    await sendMessage(devnet.urls.mu, wallet, processId, [{ name: 'Action', value: 'Eval' }], 'return Ticks')
  }
  return { processId, head: messages }
}
