import { defineConfig } from 'vitest/config'

// Unit tests run in Node. aos modules are wasm64 (memory64), which Node 20 only
// runs behind a flag, so every test worker process gets it.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    pool: 'forks',
    execArgv: ['--experimental-wasm-memory64'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
