/** Collects page errors, console errors and CSP violations of a Playwright page for UI tests. */
import type { Page } from '@playwright/test'

export interface PageWatch {
  /** uncaught exceptions and console errors */
  errors: string[]
  /** CSP violations reported by the browser, as "directive blocked-uri" */
  csp(): Promise<string[]>
}

export async function watchPage(page: Page): Promise<PageWatch> {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] }
    w.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  return {
    errors,
    csp: () => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []),
  }
}

/** A well-formed 43-char id that names no real process (these tests need no network). */
export const SAMPLE_ID = 'abcdefghijABCDEFGHIJ0123456789-_abcdefghijk'
export const SAMPLE_ID_2 = 'ZYXWVUTSRQzyxwvutsrq9876543210_-ZYXWVUTSRQz'
