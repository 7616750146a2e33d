/**
 * Many tabs, one evaluation: two pages of the built app on the same process. The first holds the
 * process's Web Lock and runs the compute worker; the second follows it over BroadcastChannel
 * (status, log, new messages as they are evaluated). Closing the first hands over: the second takes
 * the lock, opens the process from what the first stored in IndexedDB, and evaluates what comes next.
 */
import { test, expect, type Page } from '@playwright/test'
import { sendMessage } from '../devnet/ao-http'
import { loadKey } from '../devnet/keys'
import { SuClient } from '../../src/protocol/su-client'
import { appDevnet, devnetSettings, useSettings } from './support/app-devnet'

const DEVNET_PORT = 18510

test.describe.configure({ timeout: 240_000 })

const net = appDevnet(DEVNET_PORT)

const logLength = async (pid: string) => (await new SuClient(net.devnet.urls.su).getSchedulePage({ processId: pid, limit: 1000 })).edges.length
const role = (page: Page) => page.locator('p.role')
const rows = (page: Page) => page.locator('ul.log > li')
const lockState = (page: Page, name: string) =>
  page.evaluate(async (n) => {
    const q = await navigator.locks.query()
    return { held: (q.held ?? []).filter((l) => l.name === n).length, pending: (q.pending ?? []).filter((l) => l.name === n).length }
  }, name)

test('two tabs on one process run one evaluation; closing the first hands it to the second', async ({ context }) => {
  // The settings a person would save on the Settings page: the devnet's endpoints.
  await useSettings(context, devnetSettings(net.devnet))
  const token = net.demo.processes.find((p) => p.kind === 'token')!.id
  const lock = `aolight.process.${token}`
  const total = await logLength(token)

  const a = await context.newPage()
  await a.goto(`/#/process/${token}`)
  await expect(role(a)).toHaveAttribute('data-role', 'leader', { timeout: 30_000 })
  await expect(a.getByRole('status').first()).toContainText('Up to date', { timeout: 120_000 })
  await expect(rows(a)).toHaveCount(total, { timeout: 30_000 })

  const b = await context.newPage()
  await b.goto(`/#/process/${token}`)
  await expect(role(b)).toHaveAttribute('data-role', 'follower', { timeout: 30_000 })
  // B shows A's state and log (queries answered by A), and holds no lock: it waits in line.
  await expect(b.getByRole('status').first()).toContainText(`evaluated to nonce ${total - 1}`, { timeout: 30_000 })
  await expect(rows(b)).toHaveCount(total, { timeout: 30_000 })
  expect(await lockState(b, lock)).toEqual({ held: 1, pending: 1 })

  // A new message is evaluated once, by A; B receives it as A's event.
  const demoKey = loadKey('demo')
  const first = await sendMessage(net.devnet.urls.mu, demoKey, token, [{ name: 'Action', value: 'Info' }])
  for (const p of [a, b]) await expect(rows(p).filter({ hasText: first.slice(0, 5) }).locator('.badge')).toContainText(/computed|agreed/, { timeout: 60_000 })
  await expect(role(b)).toHaveAttribute('data-role', 'follower')

  // The leader goes away: B takes the lock, resumes from the store and evaluates what comes next.
  await a.close()
  await expect(role(b)).toHaveAttribute('data-role', 'leader', { timeout: 30_000 })
  expect(await lockState(b, lock)).toEqual({ held: 1, pending: 0 })
  await expect(b.getByRole('status').first()).toContainText(`evaluated to nonce ${total}`, { timeout: 60_000 })
  const second = await sendMessage(net.devnet.urls.mu, demoKey, token, [{ name: 'Action', value: 'Balance' }])
  await expect(rows(b).filter({ hasText: second.slice(0, 5) }).locator('.badge')).toContainText(/computed|agreed/, { timeout: 60_000 })
  await expect(rows(b)).toHaveCount(total + 2)
  await expect(b.getByRole('status').first()).toContainText(`evaluated to nonce ${total + 1}`, { timeout: 60_000 })
})
