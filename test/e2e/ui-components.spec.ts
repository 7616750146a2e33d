import { test, expect, type Page } from '@playwright/test'
import { harnessUrl } from './env'
import { SAMPLE_ID, SAMPLE_ID_2 } from './ui-page-watch'

async function mountComponent(page: Page, name: string, props: Record<string, unknown>) {
  await page.evaluate(([n, p]) => window.mountComponent(n as never, p as Record<string, unknown>), [name, props] as const)
}

test.beforeEach(async ({ page }) => {
  await page.goto(`${harnessUrl}/ui-components.html`)
  await page.waitForFunction(() => window.harnessReady === true)
})

test('progress bar: counts, percentage, rate, ETA, and progressbar semantics', async ({ page }) => {
  await mountComponent(page, 'ProgressBar', { label: 'Verified', progress: { done: 1234, total: 5000, ratePerSecond: 250.4, etaSeconds: 15.06 } })
  const bar = page.getByRole('progressbar', { name: 'Verified' })
  await expect(bar).toHaveAttribute('max', '5000')
  await expect(bar).toHaveAttribute('value', '1234')
  await expect(bar).toHaveAttribute('aria-valuetext', '1,234 of 5,000, 250 msg/s, ETA 15 s')
  await expect(page.getByText('1,234 of 5,000 (24%)')).toBeVisible()
  // unknown total: indeterminate bar, no ETA
  await mountComponent(page, 'ProgressBar', { label: 'Fetched', progress: { done: 300, total: null, ratePerSecond: 12.5, etaSeconds: null } })
  const b2 = page.getByRole('progressbar', { name: 'Fetched' })
  expect(await b2.getAttribute('value')).toBeNull()
  await expect(b2).toHaveAttribute('aria-valuetext', '300 of ?, 12.5 msg/s, ETA –')
  await mountComponent(page, 'ProgressBar', { label: 'Evaluated', progress: { done: 10, total: 10, ratePerSecond: 0, etaSeconds: 0 } })
  await expect(page.getByText('10 of 10 (100%)')).toBeVisible()
  await expect(page.getByText('done')).toBeVisible()
})

test('verification badge: levels in order, diverged in red with the CU and fields', async ({ page }) => {
  const levels = ['fetched', 'signed', 'chained', 'computed', 'agreed']
  for (const [i, level] of levels.entries()) {
    await mountComponent(page, 'VerificationBadge', { verification: { level } })
    const badge = page.locator('.badge')
    await expect(badge).toHaveText(level)
    await expect(badge).toHaveAttribute('title', new RegExp(`Level ${i + 1} of 5\\.$`))
    await expect(badge.locator('.pip.on')).toHaveCount(i + 1)
  }
  await mountComponent(page, 'VerificationBadge', { verification: { level: 'diverged', cu: 'https://cu.example', fields: ['Output.data', 'Messages[0]'] } })
  const badge = page.locator('.badge')
  await expect(badge).toHaveAttribute('title', 'Diverged: https://cu.example returned a different result (Output.data, Messages[0]).')
  const color = await badge.evaluate((el) => getComputedStyle(el).color)
  const [r, g, b] = color.match(/\d+/g)!.map(Number) as [number, number, number]
  expect(r).toBeGreaterThan(150)
  expect(r).toBeGreaterThan(g * 2)
  expect(r).toBeGreaterThan(b * 2)
})

test('result viewer renders untrusted output as text, never as HTML', async ({ page }) => {
  const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>'
  await mountComponent(page, 'ResultViewer', {
    result: {
      Output: { data: { output: `\u001b[32mgreen\u001b[0m ${evil}`, prompt: 'aos> ' } },
      Messages: [{ Target: SAMPLE_ID, Anchor: '00000001', Tags: [{ name: 'Action', value: evil }], Data: evil }],
      Spawns: [],
      Assignments: [],
      Error: `boom ${evil}`,
    },
  })
  await expect(page.getByLabel('Output', { exact: true })).toHaveText(`green ${evil}`) // ANSI colours stripped, tags kept as text
  await expect(page.getByLabel('Error', { exact: true })).toHaveText(`boom ${evil}`)
  await expect(page.getByLabel('Messages 1 data')).toHaveText(evil)
  await expect(page.getByText(SAMPLE_ID)).toBeVisible()
  await expect(page.locator('#target img, #target script, #target b')).toHaveCount(0)
  await page.waitForTimeout(200)
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
  // a plain-string Output and a huge one, clipped with a button for the rest
  await mountComponent(page, 'ResultViewer', { result: { Output: 'x'.repeat(25_000), Messages: [], Spawns: [], Assignments: [] } })
  await expect(page.getByRole('button', { name: 'Show 5,000 more characters' })).toBeVisible()
  await page.getByRole('button', { name: 'Show 5,000 more characters' }).click()
  expect((await page.getByLabel('Output', { exact: true }).textContent())?.length).toBe(25_000)
})

test('divergence panel lists field, local and remote values with a link to the message', async ({ page }) => {
  await mountComponent(page, 'DivergencePanel', {
    processId: SAMPLE_ID,
    divergences: [{ messageId: SAMPLE_ID_2, nonce: 7, cu: 'https://cu.ao-testnet.xyz', field: 'Output.data', local: '"42"', remote: '"43"' }],
  })
  const row = page.getByRole('row').nth(1)
  await expect(row.getByRole('cell').nth(1)).toHaveText('Output.data')
  await expect(row.getByRole('cell').nth(2)).toHaveText('"42"')
  await expect(row.getByRole('cell').nth(3)).toHaveText('"43"')
  await expect(row.getByRole('cell').nth(4)).toHaveText('https://cu.ao-testnet.xyz')
  await expect(row.getByRole('link')).toHaveAttribute('href', `#/message/${SAMPLE_ID_2}?process=${SAMPLE_ID}`)
  await expect(row).toContainText('nonce 7')
  await mountComponent(page, 'DivergencePanel', { processId: SAMPLE_ID, divergences: [] })
  await expect(page.getByText('No remote CU has disagreed')).toBeVisible()
})

test('throughput sparkline draws one point per sample and describes itself', async ({ page }) => {
  await mountComponent(page, 'Sparkline', { label: 'Evaluation throughput', samples: [0, 5, 10, 20, 15] })
  const svg = page.getByRole('img', { name: 'Evaluation throughput: now 15 msg/s, peak 20 msg/s' })
  await expect(svg).toBeVisible()
  const points = (await svg.locator('polyline').getAttribute('points'))!.split(' ')
  expect(points).toHaveLength(5)
  expect(points[3]).toBe('180.0,2.0') // the peak touches the top
  expect(points[0]).toBe('0.0,46.0') // zero sits on the baseline
  await mountComponent(page, 'Sparkline', { label: 'Evaluation throughput', samples: [] })
  await expect(page.getByRole('img', { name: 'Evaluation throughput: no samples yet' })).toBeVisible()
})

test('message flow counts messages in and out per peer', async ({ page }) => {
  const msg = (id: string, from: string, targets: string[]) => ({
    id, nonce: 1, timestamp: 1, blockHeight: 1, from, owner: from, tags: [], cron: false, verification: { level: 'computed' },
    result: { Output: '', Messages: targets.map((t) => ({ Target: t, Tags: [] })), Spawns: [], Assignments: [] },
  })
  await mountComponent(page, 'FlowView', {
    processId: SAMPLE_ID,
    messages: [msg('A'.repeat(43), SAMPLE_ID_2, [SAMPLE_ID_2]), msg('B'.repeat(43), SAMPLE_ID_2, [SAMPLE_ID_2, 'C'.repeat(43)])],
  })
  await expect(page.getByRole('region', { name: 'Incoming' })).toContainText(`${SAMPLE_ID_2} → 2×`)
  await expect(page.getByRole('region', { name: 'Outgoing' })).toContainText(`2× → ${SAMPLE_ID_2}`)
  await expect(page.getByRole('region', { name: 'Outgoing' })).toContainText(`1× → ${'C'.repeat(43)}`)
})
