/**
 * The page primitives live with the runtime (src/wasm/memory-pages.ts), which needs them for its
 * sparse checkpoints and snapshot loads; the snapshot codec uses the same ones.
 */
export * from '../wasm/memory-pages'
