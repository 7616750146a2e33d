/**
 * Demo processes for `npm start` (cli.ts --seed): spawned by the committed demo wallet through
 * the devnet MU over HTTP, with the Lua blueprints in ./blueprints loaded at boot
 * (`On-Boot: Data`), then driven with real signed messages:
 * - a token: a dozen transfers (Debit/Credit notices);
 * - a chat pair: a speaker process that, on `Say`, sends to a room process keeping a history;
 * - a cron counter (`Cron-Interval: 10-seconds`) monitored so it ticks while the devnet runs.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { Devnet } from './devnet'
import { monitor, sendMessage, spawnProcess } from './ao-http'
import type { Tag } from './data-item'
import { loadKey } from './keys'

export type DemoKind = 'token' | 'chat-speaker' | 'chat-room' | 'cron'

export interface DemoProcess {
  id: string
  name: string
  description: string
  kind: DemoKind
}

export interface DemoFile {
  network: { gateway: string; mu: string; su: string; cu: string }
  processes: DemoProcess[]
}

export function blueprint(name: 'token' | 'chat-speaker' | 'chat-room' | 'cron-counter'): string {
  return readFileSync(new URL(`./blueprints/${name}.lua`, import.meta.url), 'utf8')
}

export async function seedDemo(devnet: Devnet): Promise<DemoFile> {
  const demo = loadKey('demo')
  const others = [loadKey('wallet-a').address, loadKey('wallet-b').address]
  const mu = devnet.urls.mu
  const spawn = (name: string, lua: string, tags: Tag[] = []) =>
    spawnProcess(mu, demo, {
      module: devnet.moduleIds.aos64,
      scheduler: devnet.suAddress,
      data: lua,
      tags: [{ name: 'Authority', value: devnet.authority }, { name: 'On-Boot', value: 'Data' }, { name: 'Name', value: name }, ...tags],
    })
  const act = (pid: string, action: string, tags: Tag[] = [], data = '') => sendMessage(mu, demo, pid, [{ name: 'Action', value: action }, ...tags], data)

  const token = await spawn('aolight-demo-token', blueprint('token'))
  const room = await spawn('aolight-demo-room', blueprint('chat-room'))
  const speaker = await spawn('aolight-demo-speaker', blueprint('chat-speaker'), [{ name: 'Room', value: room }])
  const cron = await spawn('aolight-demo-cron', blueprint('cron-counter'), [
    { name: 'Cron-Interval', value: '10-seconds' },
    { name: 'Cron-Tag-Action', value: 'Tick' },
  ])
  await monitor(mu, demo, cron, 'POST')

  // Twelve transfers: to two wallets and to the chat processes (their Credit-Notices are pushes).
  const recipients = [...others, speaker, room]
  for (let i = 0; i < 12; i++) {
    await act(token, 'Transfer', [
      { name: 'Recipient', value: recipients[i % recipients.length]! },
      { name: 'Quantity', value: String(100 + i * 25) },
    ])
  }
  await act(token, 'Balance', [{ name: 'Recipient', value: others[0]! }])
  for (const line of ['gm from the devnet', 'every message here is signed and scheduled', 'and evaluated by a local CU']) {
    await act(speaker, 'Say', [], line)
  }
  await act(room, 'History')

  return {
    network: { ...devnet.urls },
    processes: [
      { id: token, name: 'Demo token', description: 'Token blueprint: Balances, Transfer with Debit/Credit notices, Balance, Info; seeded with 12 transfers.', kind: 'token' },
      { id: speaker, name: 'Chat speaker', description: 'On Action=Say, sends the text to the room process (a message flow between processes).', kind: 'chat-speaker' },
      { id: room, name: 'Chat room', description: 'Keeps the history of posts from the speaker; Action=History returns it.', kind: 'chat-room' },
      { id: cron, name: 'Cron counter', description: 'Cron-Interval 10-seconds: counts the ticks the CU generates; monitored, so it ticks while the devnet runs.', kind: 'cron' },
    ],
  }
}

export function writeDemoFile(path: string, demo: DemoFile): void {
  writeFileSync(path, JSON.stringify(demo, null, 2) + '\n')
}
