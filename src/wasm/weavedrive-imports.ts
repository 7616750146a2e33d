/**
 * WeaveDrive: `io.open('/data/<txid>')` in aos calls the async imports weavedrive_open/read/close.
 * Facts (ao-loader glue + the CU's WeaveDrive): open returns an fd (0 = not found), read copies
 * up to `length` bytes from the file position into linear memory and returns the count, close
 * frees the fd. Each call is an Asyncify round trip even when it answers at once, so the glue's
 * malloc/free of the Asyncify buffer happens for every call (it shapes the memory).
 * Data comes from the DataProvider (the gateway client) and is cached in the in-memory FS under
 * /data/<txid>. Admissibility: the module or the process must carry `Extension: WeaveDrive`
 * (wasm64 always does); the provider may refuse (attestation rules) by returning null.
 * Without a provider, open answers 0, as ao-loader does without a WeaveDrive.
 */
import type { ImportContext } from './import-context'
import { readCString } from './utf8'

type Fn = (...args: never[]) => unknown

const TX_ID = /^[A-Za-z0-9_-]{43}$/

export function weavedriveImports(ctx: ImportContext): Record<string, Fn> {
  const { heap } = ctx
  // aos reads `f:read(f:seek('end'))`: the seek moves the fd to the end, and WeaveDrive's first
  // read on a freshly opened fd starts from 0 again (the CU's WeaveDrive does the same).
  const unread = new Set<number>()
  const async = (start: () => Promise<number>): number => {
    if (!ctx.asyncify) throw new Error('WeaveDrive needs an Asyncify module format')
    return ctx.asyncify.handleAsync(start)
  }
  const enabled = (): boolean => {
    if (ctx.extensions.includes('WeaveDrive')) return true
    const env = ctx.currentEnv
    const has = (tags: { name: string; value: string }[] | undefined): boolean =>
      !!tags?.some((t) => t.name === 'Extension' && t.value === 'WeaveDrive')
    return has(env?.Module.Tags) || has(env?.Process.Tags)
  }

  return {
    __asyncjs__weavedrive_open: ((nameP: number | bigint) => {
      const filename = readCString(heap.u8, heap.ptr(nameP))
      return async(async () => {
        const provider = ctx.dataProvider
        if (!provider || !enabled()) return 0
        const [, category, id] = filename.split('/')
        if (category !== 'data' || !id || !TX_ID.test(id)) return 0
        const path = `/data/${id}`
        if (!ctx.fs.exists(path)) {
          const data = await provider.getData(id)
          if (!data) return 0
          if (!ctx.fs.exists('/data')) ctx.fs.mkdir('/data')
          ctx.fs.writeFile(path, data)
        }
        const fd = ctx.fs.open(path, 0).fd
        unread.add(fd)
        return fd
      })
    }) as Fn,
    __asyncjs__weavedrive_read: ((fd: number, dstP: number | bigint, lenP: number | bigint) => {
      const dst = heap.ptr(dstP)
      const len = heap.ptr(lenP)
      return async(async () => {
        const s = ctx.fs.streams[fd]
        if (!s) return 0
        if (unread.delete(fd)) s.position = 0
        heap.check()
        return ctx.fs.read(s, heap.u8.subarray(dst, dst + len))
      })
    }) as Fn,
    __asyncjs__weavedrive_close: ((fd: number) =>
      async(async () => {
        if (ctx.fs.streams[fd]) ctx.fs.close(fd)
        return 0
      })) as Fn,
  }
}
