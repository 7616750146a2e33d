import { test, expect } from '@playwright/test'
import { watchPage, SAMPLE_ID, SAMPLE_ID_2 } from './ui-page-watch'

test('deep links open each view, with no errors and no CSP violations', async ({ page }) => {
  const watch = await watchPage(page)
  const visits: [string, RegExp][] = [
    ['/#/', /^aolight$/],
    [`/#/process/${SAMPLE_ID}`, /^Process$/],
    [`/#/process/${SAMPLE_ID}/console`, /^Process$/],
    [`/#/process/${SAMPLE_ID}/flow`, /^Process$/],
    [`/#/message/${SAMPLE_ID_2}?process=${SAMPLE_ID}`, /^Message$/],
    [`/#/message/${SAMPLE_ID_2}`, /^Message$/],
    ['/#/send', /^Send a message$/],
    [`/#/send/${SAMPLE_ID}`, /^Send a message$/],
    ['/#/spawn', /^Spawn a process$/],
    ['/#/settings', /^Settings$/],
    ['/#/wallet', /^Wallet$/],
    ['/#/process/not-an-id', /^Invalid process id$/],
    ['/#/nowhere', /^Page not found$/],
  ]
  for (const [url, heading] of visits) {
    await page.goto(url)
    await expect(page.getByRole('heading', { level: 1 }), url).toHaveText(heading)
  }
  // the CSP meta is what the app ships
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
  expect(csp).not.toContain('unsafe-inline')
  expect(await watch.csp()).toEqual([])
  expect(watch.errors).toEqual([])
})

test('a process deep link with no network says precisely why it stopped, and is not added to recent processes', async ({ page }) => {
  // Default settings point at the local network on :5000, which is not running in this test.
  await page.goto(`/#/process/${SAMPLE_ID}`)
  await expect(page.locator('p.pid')).toHaveText(SAMPLE_ID)
  // The stop reason is one sentence (capital first letter, final full stop), without an "Error:" prefix.
  await expect(page.getByTestId('process-failure')).toHaveText(
    `Process ${SAMPLE_ID}: the network is unreachable (POST http://127.0.0.1:5000/graphql: network error: Failed to fetch) and nothing is cached for it.`,
    { timeout: 60_000 },
  )
  await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible()
  await expect(page.getByText('Owner')).toHaveCount(0) // no empty summary for a process never read
  // An id that never opened is not a recent process (listed only once its record was read).
  await page.goto('/#/')
  await expect(page.getByRole('link', { name: SAMPLE_ID })).toHaveCount(0)
  await expect(page.getByText('Processes you open appear here.')).toBeVisible()
  await page.reload()
  await expect(page.getByRole('link', { name: SAMPLE_ID })).toHaveCount(0)
})

test('opening an invalid id shows a precise error; a valid one opens the process', async ({ page }) => {
  await page.goto('/')
  const input = page.getByLabel('Process id')
  await input.fill('tooShort')
  await page.getByRole('button', { name: 'Open' }).click()
  await expect(page.getByRole('alert')).toHaveText('A process id is 43 characters long; this one has 8.')
  await expect(input).toHaveAttribute('aria-invalid', 'true')
  await input.fill(SAMPLE_ID.slice(0, 42) + '!')
  await input.press('Enter')
  await expect(page.getByRole('alert')).toContainText('found "!" at position 43')
  await input.fill('')
  await input.press('Enter')
  await expect(page.getByRole('alert')).toHaveText('Enter a process id.')
  await input.fill(`  ${SAMPLE_ID} `)
  await input.press('Enter')
  await expect(page).toHaveURL(new RegExp(`#/process/${SAMPLE_ID}$`))
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Process')
})

test('keyboard: Tab reaches the navigation and the form, Enter follows links and submits', async ({ page }) => {
  await page.goto('/')
  // first Tab: the skip link; it moves focus to the content
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Skip to content' })).toBeFocused()
  const order: string[] = []
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab')
    order.push(await page.evaluate(() => {
      const el = document.activeElement as HTMLElement
      return el.getAttribute('aria-label') ?? el.id ?? ''
    }) || (await page.evaluate(() => (document.activeElement as HTMLElement).textContent?.trim() ?? '')))
  }
  for (const want of ['aolight home', 'Local network', 'Connect wallet', 'Home', 'Spawn', 'Send', 'Settings', 'Wallet', 'pid', 'Open']) {
    expect(order, `Tab order ${order.join(' | ')}`).toContain(want)
  }
  // Enter on a focused nav link navigates
  await page.getByRole('link', { name: 'Settings', exact: true }).focus()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings')
  await expect(page.getByRole('link', { name: 'Settings', exact: true })).toHaveAttribute('aria-current', 'page')
  // focus moved to the new content for screen readers and keyboard users
  await expect(page.locator('main')).toBeFocused()
  // and the open form works with the keyboard only
  await page.goto('/')
  await page.getByLabel('Process id').focus()
  await page.keyboard.type(SAMPLE_ID)
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`#/process/${SAMPLE_ID}$`))
})

test('settings: presets, URL validation, and persistence across a reload', async ({ page }) => {
  await page.goto('/#/settings')
  await expect(page.getByLabel('Gateway')).toHaveValue('http://127.0.0.1:5000')
  await expect(page.getByLabel('Messenger Unit (MU)')).toHaveValue('http://127.0.0.1:5002')
  await expect(page.getByLabel('Scheduler Unit (SU)')).toHaveValue('http://127.0.0.1:5003')
  await expect(page.getByLabel('CUs to cross-check results with')).toHaveValue('http://127.0.0.1:5004')

  await page.getByRole('button', { name: 'ao testnet' }).click()
  await expect(page.getByLabel('Gateway')).toHaveValue('https://arweave.net')
  await expect(page.getByLabel('Scheduler Unit (SU)')).toHaveValue('https://su-router.ao-testnet.xyz')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Saved.')).toBeVisible()
  await expect(page.getByRole('link', { name: 'ao testnet' })).toBeVisible() // header indicator

  // invalid URL: precise error, nothing saved
  await page.getByLabel('Messenger Unit (MU)').fill('ftp://mu.example')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByRole('alert')).toHaveText('Messenger Unit (MU): only http and https URLs are allowed, not "ftp:".')
  await expect(page.getByLabel('Messenger Unit (MU)')).toHaveAttribute('aria-invalid', 'true')
  await page.getByLabel('Messenger Unit (MU)').fill('not a url')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByRole('alert')).toContainText('Messenger Unit (MU): "not a url" is not a URL')

  // a custom MU and a second CU, normalised (trailing slash dropped)
  await page.getByLabel('Messenger Unit (MU)').fill('https://mu.example.org/')
  await page.getByLabel('CUs to cross-check results with').fill('https://cu.ao-testnet.xyz\nhttps://cu.example.org/')
  await page.getByLabel('Snapshot every N messages').fill('250')
  await page.getByLabel(/Crank here/).uncheck()
  await page.getByRole('radio', { name: /Scheduler Unit directly/ }).check()
  await page.getByRole('button', { name: 'Save settings' }).click()
  await expect(page.getByText('Saved.')).toBeVisible()
  await expect(page.getByRole('link', { name: 'Custom' })).toBeVisible()

  await page.reload()
  await expect(page.getByLabel('Messenger Unit (MU)')).toHaveValue('https://mu.example.org')
  await expect(page.getByLabel('CUs to cross-check results with')).toHaveValue('https://cu.ao-testnet.xyz\nhttps://cu.example.org')
  await expect(page.getByLabel('Snapshot every N messages')).toHaveValue('250')
  await expect(page.getByLabel(/Crank here/)).not.toBeChecked()
  await expect(page.getByRole('radio', { name: /Scheduler Unit directly/ })).toBeChecked()
  await expect(page.getByRole('link', { name: 'Custom' })).toBeVisible()

  // back to the local preset
  await page.getByRole('button', { name: 'Local network' }).click()
  await page.getByRole('button', { name: 'Save settings' }).click()
  await page.reload()
  await expect(page.getByRole('link', { name: 'Local network' })).toBeVisible()
})

test('storage: usage is shown and persistence can be requested', async ({ page }) => {
  await page.goto('/#/settings')
  await expect(page.getByText(/Using .+ of .+ available to this site/)).toBeVisible()
  const persist = page.getByRole('button', { name: /persistent/ })
  if (await persist.isEnabled()) {
    await persist.click()
    await expect(page.getByText(/Granted|Not granted/)).toBeVisible()
  }
})

test('send and spawn say why they are disabled without a wallet; the console works locally and explains what it cannot do', async ({ page }) => {
  await page.goto(`/#/send/${SAMPLE_ID}`)
  await expect(page.getByLabel('Target process')).toHaveValue(SAMPLE_ID)
  await expect(page.getByRole('button', { name: 'Sign and send' })).toBeDisabled()
  await expect(page.getByText('Connect a wallet to sign the message.').first()).toBeVisible()
  await page.goto('/#/spawn')
  await expect(page.getByRole('button', { name: 'Sign and spawn' })).toBeDisabled()
  await page.getByLabel('Run on a schedule').check()
  await expect(page.getByLabel('Interval')).toHaveValue('10-minutes')

  await page.goto(`/#/process/${SAMPLE_ID}/console`)
  const input = page.getByRole('textbox', { name: 'aos>' })
  await input.fill('.help')
  await input.press('Enter')
  await expect(page.getByRole('log')).toContainText('.load-blueprint NAME')
  // multi-line input: Shift+Enter adds a line, Enter sends
  await input.type('local x = 1')
  await input.press('Shift+Enter')
  await input.type('return x')
  await expect(input).toHaveValue('local x = 1\nreturn x')
  await input.press('Enter')
  await expect(page.getByRole('log')).toContainText('Connect a wallet first')
  await input.fill('.load-blueprint ../etc')
  await input.press('Enter')
  await expect(page.getByRole('log')).toContainText('.load-blueprint needs one blueprint name')
  await input.fill('.dryrun return 1')
  await input.press('Enter')
  await expect(page.getByRole('log')).toContainText(`process ${SAMPLE_ID}: the network is unreachable (POST http://127.0.0.1:5000/graphql`, { timeout: 30_000 })
  // history: ↑ walks back through what was entered
  await input.press('ArrowUp')
  await expect(input).toHaveValue('.dryrun return 1')
  await input.press('ArrowUp')
  await expect(input).toHaveValue('.load-blueprint ../etc')
  await input.press('ArrowDown')
  await input.press('ArrowDown')
  await expect(input).toHaveValue('')
  // a reload keeps the transcript (this tab only)
  await page.reload()
  await expect(page.getByRole('log')).toContainText('.load-blueprint needs one blueprint name')
  await expect(page.getByRole('log')).toContainText('Connect a wallet first')
  await input.fill('.clear')
  await input.press('Enter')
  await expect(page.getByRole('log')).toHaveText('')
  await page.reload()
  await expect(page.getByRole('textbox', { name: 'aos>' })).toBeVisible()
  await expect(page.getByRole('log')).toHaveText('')
})

test('phone layout: no horizontal scrolling on any page', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })
  const page = await context.newPage()
  // an id with no hyphen has no break opportunity: the layout must break it anyway
  const unbreakable = 'bjE_UofrtJnuqBf8a_Om3IZJtSlOQzE40SkkM6KVjrM'
  for (const url of ['/#/', `/#/process/${SAMPLE_ID}`, `/#/process/${unbreakable}`, `/#/process/${unbreakable}/console`, `/#/process/${SAMPLE_ID}/console`, '/#/send', '/#/spawn', '/#/settings', '/#/wallet', `/#/message/${SAMPLE_ID_2}?process=${SAMPLE_ID}`]) {
    await page.goto(url)
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    // A process page with no network ends in an error notice quoting the 43-character id and a
    // URL: measure once it is there (it used to spill out of its box and widen the page).
    if (url.startsWith('/#/process/')) await expect(page.getByRole('alert').first()).toBeVisible({ timeout: 20_000 })
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow, url).toBeLessThanOrEqual(0)
    // and no notice's text runs out of its box (clipped at the screen edge)
    const spilled = await page.evaluate(() => [...document.querySelectorAll('.notice')].filter((n) => n.scrollWidth > n.clientWidth + 1).map((n) => n.textContent?.slice(0, 80)))
    expect(spilled, url).toEqual([])
  }
  await context.close()
})
