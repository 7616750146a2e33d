/** Shared settings for the Playwright tests. Ports are overridable so parallel runs don't collide. */
export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
]
export const appPort = Number(process.env.E2E_PORT ?? 4173)
export const harnessPort = Number(process.env.E2E_HARNESS_PORT ?? 5173)
/** Base URL of the test-only harness pages served by the Vite dev server. */
export const harnessUrl = `http://127.0.0.1:${harnessPort}/test/e2e/harness`
