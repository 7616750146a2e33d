/**
 * The setup the app e2e specs share: a devnet started on the spec's own base port for the whole
 * file (optionally seeded with the demo processes, optionally written into the served dist/ as
 * `npm start` does so "Use the demo network" finds it), and the ways a page is pointed at it:
 * settings in localStorage (as saved on the Settings page) or the home page's demo-network button.
 */
import { test, expect, type BrowserContext, type Page } from '@playwright/test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { startDevnet, type Devnet } from '../../devnet/devnet'
import { seedDemo, writeDemoFile, type DemoFile } from '../../devnet/seed'
import { defaultSettings, SETTINGS_KEY } from '../../../src/node/settings'

/** Where the built app serves the demo file from (dist/, or E2E_DIST). */
export const demoPath = join(process.env.E2E_DIST ?? join(process.cwd(), 'dist'), 'demo-processes.json')

export interface AppDevnetOptions {
  /** also write the demo file into the served dist/ (removed again after the file's tests) */
  writeDemo?: boolean
}

export interface AppDevnet {
  /** the running devnet (throws once stopped) */
  readonly devnet: Devnet
  readonly demo: DemoFile
  /** stops the devnet now (a test cutting the network); afterAll then has nothing left to stop */
  stop(): Promise<void>
  /** stops the devnet and starts a fresh, empty one on the same ports (the network forgot everything) */
  restartEmpty(): Promise<Devnet>
}

/**
 * Registers this spec file's beforeAll/afterAll: start a devnet on `basePort`, seed the demo
 * processes. Call at the top level of the spec; read `.devnet` / `.demo` inside tests.
 */
export function appDevnet(basePort: number, opts: AppDevnetOptions = {}): AppDevnet {
  let devnet: Devnet | null = null
  let demo: DemoFile | null = null
  test.beforeAll(async () => {
    test.setTimeout(180_000)
    devnet = await startDevnet({ basePort })
    demo = await seedDemo(devnet)
    if (opts.writeDemo) writeDemoFile(demoPath, demo)
  })
  test.afterAll(async () => {
    if (opts.writeDemo) rmSync(demoPath, { force: true })
    await devnet?.stop()
  })
  return {
    get devnet() {
      if (!devnet) throw new Error(`devnet on base port ${basePort} is not running`)
      return devnet
    },
    get demo() {
      if (!demo) throw new Error(`devnet on base port ${basePort} was not seeded`)
      return demo
    },
    async stop() {
      const d = devnet
      devnet = null
      await d?.stop()
    },
    async restartEmpty() {
      await this.stop()
      devnet = await startDevnet({ basePort })
      return devnet
    },
  }
}

/** The settings a person would save on the Settings page for the devnet's endpoints. */
export function devnetSettings(devnet: Devnet, over: Record<string, unknown> = {}, endpoints: Record<string, unknown> = {}) {
  return {
    ...defaultSettings(), preset: 'custom', ...over,
    endpoints: { gateway: devnet.urls.gateway, mu: devnet.urls.mu, su: devnet.urls.su, suIsRouter: false, cus: [devnet.urls.cu], ...endpoints },
  }
}

/** Puts `settings` in the app's localStorage before any page of `context` loads (unless set already). */
export async function useSettings(context: BrowserContext, settings: object): Promise<void> {
  await context.addInitScript(([k, v]) => localStorage.getItem(k) ?? localStorage.setItem(k, v), [SETTINGS_KEY, JSON.stringify(settings)] as const)
}

/** Home page → dismiss the offline-ready notice → "Use the demo network"; returns the demo region. */
export async function useDemoNetwork(page: Page) {
  await page.goto('/')
  await expect(page.getByText('aolight is ready to work offline.')).toBeVisible({ timeout: 20_000 })
  await page.getByRole('button', { name: 'OK' }).click()
  const demos = page.getByRole('region', { name: 'Demo processes on the local network' })
  await demos.getByRole('button', { name: 'Use the demo network' }).click()
  return demos
}
