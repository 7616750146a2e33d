import { defineConfig } from '@playwright/test'
import { chromiumArgs, appPort, harnessPort } from './test/e2e/env'

// Two servers: the built PWA (vite preview of dist/, what users get) and the Vite dev server,
// which serves test-only harness pages under test/e2e/harness/ that import src/ modules
// directly (real Chromium, real IndexedDB, real Workers) without shipping them in the app.
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  timeout: 120_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${appPort}`,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs },
  },
  webServer: [
    {
      command: `npx vite preview --port ${appPort} --strictPort${process.env.E2E_DIST ? ' --outDir ' + process.env.E2E_DIST : ''}`,
      url: `http://127.0.0.1:${appPort}`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `npx vite --port ${harnessPort} --strictPort`,
      env: { AOLIGHT_E2E: '1' },
      url: `http://127.0.0.1:${harnessPort}/test/e2e/harness/index.html`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
  ],
})
