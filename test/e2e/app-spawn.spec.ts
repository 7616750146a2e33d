/**
 * Spawn through the built app, end to end, against a devnet started here (same setup as
 * app-newcomer.spec.ts): connect the injected test wallet, fill the Spawn view (aos64 module, the
 * devnet scheduler, a free tag, a memory limit, a cron with a Cron-Tag), sign and spawn; the SU's
 * record of the new process carries exactly those tags, and opening it in the app computes its
 * first message. A bad module id is refused in the form with a specific error and nothing is sent.
 */
import { test, expect } from '@playwright/test'
import { loadKey } from '../devnet/keys'
import { SuClient } from '../../src/protocol/su-client'
import { TestWallet, type TestJwk } from './support/test-wallet'
import { appDevnet, useDemoNetwork } from './support/app-devnet'

const DEVNET_PORT = 19700
const AO_ID = /^[A-Za-z0-9_-]{43}$/

test.describe.configure({ mode: 'serial', timeout: 300_000 })

// The demo file is how the built app learns the devnet's endpoints ("Use the demo network").
const net = appDevnet(DEVNET_PORT, { writeDemo: true })

test('spawn: aos64 with tag, memory limit and cron; SU record has exactly those tags; first message computed; bad module id refused', async ({ page, context }) => {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const wallet = new TestWallet(loadKey('demo').jwk as unknown as TestJwk)
  await wallet.install(context)

  const demos = await useDemoNetwork(page)
  await expect(demos.getByRole('button', { name: 'Use the demo network' })).toHaveCount(0)

  await page.getByRole('link', { name: 'Wallet' }).first().click()
  await page.getByRole('button', { name: 'Connect browser wallet' }).click()
  await expect(page.getByTestId('wallet-address')).toHaveText(wallet.address)

  await page.goto('/#/spawn')
  const su = new SuClient(net.devnet.urls.su)
  const spawnButton = page.getByRole('button', { name: 'Sign and spawn' })

  // Invalid input first: a module id that is not an ao id is refused before anything is signed.
  // Fill the form once the view has its network defaults, so they can't land on what is typed.
  await expect(page.getByTestId('spawn-modules-note')).toContainText('found on the gateway')
  await expect(page.getByTestId('spawn-scheduler-note')).toContainText('announces')
  // Items posted to a unit (the form's own GraphQL read of the module list is not a send).
  let posted = 0
  page.on('request', (r) => { if (r.method() === 'POST' && !new URL(r.url()).pathname.endsWith('/graphql')) posted++ })
  await page.locator('#spawn-module').fill('not-a-module-id')
  await page.locator('#spawn-scheduler').fill(net.devnet.suAddress)
  await spawnButton.click()
  await expect(page.getByRole('alert')).toContainText('module id')
  await expect(page.getByText('Spawned', { exact: true })).toHaveCount(0)
  expect(posted).toBe(0)

  // The real spawn.
  await page.locator('#spawn-module').fill(net.devnet.moduleIds.aos64)
  await page.locator('#spawn-tag-name-0').fill('Name')
  await page.locator('#spawn-tag-value-0').fill('aolight-spawn-e2e')
  await page.locator('#spawn-memory').selectOption('1-gb')
  await page.getByLabel('Run on a schedule').check()
  await page.locator('#spawn-cron').fill('10-seconds')
  await page.locator('#cron-tag-name-0').fill('Action')
  await page.locator('#cron-tag-value-0').fill('Tick')
  await spawnButton.click()
  await expect(page.getByText('Spawned', { exact: true })).toBeVisible({ timeout: 60_000 })
  await expect(page.getByRole('alert')).toHaveCount(0)
  const link = page.locator('a.mono').filter({ hasText: AO_ID }).first()
  const pid = (await link.textContent())!.trim()
  expect(pid).toMatch(AO_ID)

  // The SU's record: exactly the tags the form set (plus the protocol's own), nothing doubled.
  const record = await su.getProcess(pid)
  const tags = record.tags.map((t) => [t.name, t.value] as const)
  const authorities = tags.filter(([n]) => n === 'Authority').map(([, v]) => v)
  expect(authorities.length).toBeGreaterThan(0)
  for (const a of authorities) expect(a).toMatch(AO_ID)
  expect(tags.filter(([n]) => n !== 'Authority')).toEqual(
    expect.arrayContaining([
      ['Data-Protocol', 'ao'], ['Variant', 'ao.TN.1'], ['Type', 'Process'], ['Module', net.devnet.moduleIds.aos64],
      ['Scheduler', net.devnet.suAddress], ['SDK', 'aolight'], ['Memory-Limit', '1-gb'], ['Cron-Interval', '10-seconds'],
      ['Cron-Tag-Action', 'Tick'], ['Name', 'aolight-spawn-e2e'],
    ]),
  )
  expect(tags.filter(([n]) => n !== 'Authority')).toHaveLength(10)
  expect(record.owner.address).toBe(wallet.address)

  // Open it: the first message (the spawn itself) is evaluated here.
  await link.click()
  await expect(page).toHaveURL(new RegExp(`#/process/${pid}`))
  const first = page.locator('ul.log > li').first()
  await expect(first.locator('.badge.computed, .badge.agreed')).toBeVisible({ timeout: 120_000 })
  await expect(page.locator('ul.log .badge.diverged')).toHaveCount(0)
  expect(errors).toEqual([])
})
