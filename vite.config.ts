import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { VitePWA } from 'vite-plugin-pwa'

// The PWA: a generated workbox service worker precaches the app shell (HTML, JS, CSS, icons, any
// bundled .wasm) so the app opens offline; `registerType: 'prompt'` keeps a new version waiting
// until the person accepts the update prompt (src/ui/pwa/, through workbox-window). Registration is
// ours (injectRegister: false): no inline script, which the Content-Security-Policy forbids.
export default defineConfig({
  plugins: [
    svelte(),
    VitePWA({
      registerType: 'prompt',
      injectRegister: false,
      strategies: 'generateSW',
      manifest: {
        name: 'aolight',
        short_name: 'aolight',
        description: 'A verifying ao light node that runs in your browser: fetches, verifies and evaluates ao processes locally.',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#0b1f3a',
        theme_color: '#0b1f3a',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{html,js,css,svg,png,wasm,webmanifest}'],
        // aos-sized Wasm would be several MB; allow bundled modules to be precached.
        maximumFileSizeToCacheInBytes: 16 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  build: { target: 'es2022', sourcemap: true },
  worker: { format: 'es' },
  // Under Playwright (AOLIGHT_E2E=1) no hot reload: an edit to src/ while a harness test runs
  // would otherwise reload the page under the test ("Execution context was destroyed").
  server: { host: '127.0.0.1', ...(process.env.AOLIGHT_E2E ? { hmr: false } : {}) },
  // The dev server also serves the test-only harness pages (test/e2e/harness/). Scanning them at
  // startup means Vite never discovers a dependency mid-test and reloads the page under Playwright.
  optimizeDeps: { entries: ['index.html', 'test/e2e/harness/**/*.html'], include: ['comlink', 'idb'] },
  preview: { host: '127.0.0.1' },
})
