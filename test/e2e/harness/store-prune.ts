/**
 * Harness page for test/e2e/store-prune.spec.ts: the store, sparse memories and an aos-shaped
 * memory generator on `window.prune`, in real Chromium IndexedDB.
 */
import { openAolightStore } from '../../../src/store/index'
import { sha256Hex } from '../../../src/store/snapshot-codec'
import { toDense, toSparse } from '../../../src/wasm/sparse-memory'
import { aosLikeMemory, evaluateMessages } from './store-memory'

const harness = { openAolightStore, sha256Hex, toSparse, toDense, aosLikeMemory, evaluateMessages }
export type PruneHarness = typeof harness
;(window as unknown as { prune: PruneHarness }).prune = harness
document.title = 'store-prune harness ready'
