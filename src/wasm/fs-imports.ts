/**
 * WASI fd_* and Emscripten __syscall_* imports over the in-memory FS. Return conventions follow
 * the glue: __syscall_* return -errno, fd_* return errno; i64 offsets come as BigInt (wasm64) or
 * as a lo/hi pair (wasm32); iovecs are {ptr, len} of pointer width.
 */
import type { ImportContext } from './import-context'
import { ERRNO, FsError, type FsStat } from './memfs'
import { readCString, utf8Length, writeCString } from './utf8'

type Fn = (...args: never[]) => unknown
type P = number | bigint

const AT_FDCWD = -100

export function fsImports(ctx: ImportContext): Record<string, Fn> {
  const { heap } = ctx
  const m64 = ctx.profile.memory64
  const w = heap.ptrSize

  /** Run a syscall body; FS errors become -errno (or errno for fd_*). */
  const sys = (negative: boolean, body: () => number): number => {
    try {
      return body()
    } catch (e) {
      if (e instanceof FsError) return negative ? -e.errno : e.errno
      throw e
    }
  }
  const str = (p: P): string => readCString(heap.u8, heap.ptr(p))
  const at = (dirfd: number, path: string, allowEmpty = false): string => {
    if (path.startsWith('/')) return path
    const dir = dirfd === AT_FDCWD ? ctx.fs.cwd : ctx.fs.stream(dirfd).path
    if (path.length === 0) {
      if (!allowEmpty) throw new FsError(ERRNO.ENOENT)
      return dir
    }
    return dir + '/' + path
  }
  const writeStat = (s: FsStat, bufP: P): number => {
    heap.check()
    const b = heap.ptr(bufP)
    const i32 = heap.i32
    const secs = (t: number): bigint => BigInt(Math.floor(t / 1000))
    const nsec = (t: number): bigint => BigInt((t % 1000) * 1000)
    if (m64) {
      i32[b >> 2] = s.dev
      i32[(b + 4) >> 2] = s.mode
      heap.u64[(b + 8) / 8] = BigInt(s.nlink)
      i32[(b + 16) >> 2] = s.uid
      i32[(b + 20) >> 2] = s.gid
      i32[(b + 24) >> 2] = s.rdev
      heap.i64[(b + 32) / 8] = BigInt(s.size)
      i32[(b + 40) >> 2] = 4096
      i32[(b + 44) >> 2] = s.blocks
      heap.i64[(b + 48) / 8] = secs(s.atime)
      heap.u64[(b + 56) / 8] = nsec(s.atime)
      heap.i64[(b + 64) / 8] = secs(s.mtime)
      heap.u64[(b + 72) / 8] = nsec(s.mtime)
      heap.i64[(b + 80) / 8] = secs(s.ctime)
      heap.u64[(b + 88) / 8] = nsec(s.ctime)
      heap.i64[(b + 96) / 8] = BigInt(s.ino)
    } else {
      i32[b >> 2] = s.dev
      i32[(b + 4) >> 2] = s.mode
      heap.u32[(b + 8) >> 2] = s.nlink
      i32[(b + 12) >> 2] = s.uid
      i32[(b + 16) >> 2] = s.gid
      i32[(b + 20) >> 2] = s.rdev
      heap.i64[(b + 24) / 8] = BigInt(s.size)
      i32[(b + 32) >> 2] = 4096
      i32[(b + 36) >> 2] = s.blocks
      heap.i64[(b + 40) / 8] = secs(s.atime)
      heap.u32[(b + 48) >> 2] = Number(nsec(s.atime))
      heap.i64[(b + 56) / 8] = secs(s.mtime)
      heap.u32[(b + 64) >> 2] = Number(nsec(s.mtime))
      heap.i64[(b + 72) / 8] = secs(s.ctime)
      heap.u32[(b + 80) >> 2] = Number(nsec(s.ctime))
      heap.i64[(b + 88) / 8] = BigInt(s.ino)
    }
    return 0
  }
  let varargs = 0
  const varargI = (): number => {
    const v = heap.i32[varargs >> 2] as number
    varargs += 4
    return v
  }
  const varargP = (): number => {
    const v = heap.readPtr(varargs)
    varargs += w
    return v
  }

  const iov = (fd: number, iovP: P, cnt: number, pnumP: P, write: boolean): number =>
    sys(false, () => {
      const s = ctx.fs.stream(fd)
      let ptr = heap.ptr(iovP)
      let total = 0
      for (let i = 0; i < cnt; i++) {
        const base = heap.readPtr(ptr)
        const len = heap.readPtr(ptr + w)
        ptr += 2 * w
        const view = heap.u8.subarray(base, base + len)
        const n = write ? ctx.fs.write(s, view) : ctx.fs.read(s, view)
        total += n
        if (n < len) break
      }
      heap.writePtr(heap.ptr(pnumP), total)
      return 0
    })

  const seek = (fd: number, offset: number, whence: number, outP: P): number =>
    sys(false, () => {
      if (isNaN(offset)) return 61
      const s = ctx.fs.stream(fd)
      const pos = ctx.fs.llseek(s, offset, whence)
      heap.i64[heap.ptr(outP) / 8] = BigInt(pos)
      return 0
    })

  const ioctl = (fd: number, op: number, argp: P): number =>
    sys(true, () => {
      varargs = heap.ptr(argp)
      const s = ctx.fs.stream(fd)
      const tty = !!s.node.device?.tty
      switch (op) {
        case 21509: case 21510: case 21511: case 21512: case 21524: case 21515:
          return tty ? 0 : -ERRNO.ENOTTY
        case 21505: {
          if (!tty) return -ERRNO.ENOTTY
          const a = varargP()
          const i32 = heap.i32
          i32[a >> 2] = 25856
          i32[(a + 4) >> 2] = 5
          i32[(a + 8) >> 2] = 191
          i32[(a + 12) >> 2] = 35387
          const cc = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22]
          for (let i = 0; i < 32; i++) heap.i8[a + i + 17] = cc[i] ?? 0
          return 0
        }
        case 21506: case 21507: case 21508:
          return tty ? 0 : -ERRNO.ENOTTY
        case 21519: {
          if (!tty) return -ERRNO.ENOTTY
          heap.i32[varargP() >> 2] = 0
          return 0
        }
        case 21520:
          return tty ? -ERRNO.EINVAL : -ERRNO.ENOTTY
        case 21531:
          return -ERRNO.ENOTTY
        case 21523: {
          if (!tty) return -ERRNO.ENOTTY
          const a = varargP()
          heap.i16[a >> 1] = 24
          heap.i16[(a + 2) >> 1] = 80
          return 0
        }
        default:
          return -ERRNO.EINVAL
      }
    })

  const out: Record<string, Fn> = {
    fd_write: ((fd: number, iovP: P, cnt: P, pnum: P) => iov(fd, iovP, heap.ptr(cnt), pnum, true)) as Fn,
    fd_read: ((fd: number, iovP: P, cnt: P, pnum: P) => iov(fd, iovP, heap.ptr(cnt), pnum, false)) as Fn,
    fd_close: ((fd: number) => sys(false, () => (ctx.fs.close(fd), 0))) as Fn,
    fd_sync: ((fd: number) => sys(false, () => (ctx.fs.stream(fd), 0))) as Fn,
    fd_fdstat_get: ((fd: number, bufP: P) =>
      sys(false, () => {
        const s = ctx.fs.stream(fd)
        const n = s.node
        const type = n.device?.tty ? 2 : n.isDir ? 3 : n.isLink ? 7 : 4
        const b = heap.ptr(bufP)
        heap.i8[b] = type
        heap.i16[(b + 2) >> 1] = 0
        heap.i64[(b + 8) / 8] = 0n
        heap.i64[(b + 16) / 8] = 0n
        return 0
      })) as Fn,
    // The glue's getEnvStrings() returns [] for these formats: no environment at all.
    environ_sizes_get: ((countP: P, sizeP: P) => {
      heap.writePtr(heap.ptr(countP), 0)
      heap.writePtr(heap.ptr(sizeP), 0)
      return 0
    }) as Fn,
    environ_get: (() => 0) as Fn,
    __syscall_openat: ((dirfd: number, pathP: P, flags: number, va: P) =>
      sys(true, () => {
        varargs = heap.ptr(va)
        const path = at(dirfd, str(pathP))
        const mode = varargs ? varargI() : 0
        return ctx.fs.open(path, flags, mode).fd
      })) as Fn,
    __syscall_fcntl64: ((fd: number, cmd: number, va: P) =>
      sys(true, () => {
        varargs = heap.ptr(va)
        const s = ctx.fs.stream(fd)
        switch (cmd) {
          case 0: {
            let arg = varargI()
            if (arg < 0) return -ERRNO.EINVAL
            while (ctx.fs.streams[arg]) arg++
            return ctx.fs.dup(s, arg).fd
          }
          case 1: case 2: case 6: case 7:
            return 0
          case 3:
            return s.flags
          case 4:
            s.flags |= varargI()
            return 0
          case 5:
            heap.i16[varargP() >> 1] = 2
            return 0
        }
        return -ERRNO.EINVAL
      })) as Fn,
    __syscall_ioctl: ((fd: number, op: number, va: P) => ioctl(fd, op, va)) as Fn,
    __syscall_dup3: ((fd: number, newfd: number) =>
      sys(true, () => {
        const old = ctx.fs.stream(fd)
        if (old.fd === newfd) return -ERRNO.EINVAL
        if (ctx.fs.streams[newfd]) ctx.fs.close(newfd)
        return ctx.fs.dup(old, newfd).fd
      })) as Fn,
    __syscall_unlinkat: ((dirfd: number, pathP: P, flags: number) =>
      sys(true, () => {
        const path = at(dirfd, str(pathP))
        if (flags === 0) ctx.fs.unlink(path)
        else if (flags === 512) ctx.fs.rmdir(path)
        else throw new Error('Invalid flags passed to unlinkat')
        return 0
      })) as Fn,
    __syscall_rmdir: ((pathP: P) => sys(true, () => (ctx.fs.rmdir(str(pathP)), 0))) as Fn,
    __syscall_renameat: ((od: number, op: P, nd: number, np: P) =>
      sys(true, () => (ctx.fs.rename(at(od, str(op)), at(nd, str(np))), 0))) as Fn,
    __syscall_readlinkat: ((dirfd: number, pathP: P, bufP: P, sizeP: P) =>
      sys(true, () => {
        const path = at(dirfd, str(pathP))
        const size = heap.ptr(sizeP)
        if (size <= 0) return -ERRNO.EINVAL
        const target = ctx.fs.readlink(path)
        const b = heap.ptr(bufP)
        const len = Math.min(size, utf8Length(target))
        const keep = heap.i8[b + len] as number
        writeCString(heap.u8, target, b, size + 1)
        heap.i8[b + len] = keep
        return len
      })) as Fn,
    __syscall_mkdirat: ((dirfd: number, pathP: P, mode: number) =>
      sys(true, () => {
        let path = at(dirfd, str(pathP))
        while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
        ctx.fs.mkdir(path, mode)
        return 0
      })) as Fn,
    __syscall_fstat64: ((fd: number, bufP: P) => sys(true, () => writeStat(ctx.fs.statNode(ctx.fs.stream(fd).node), bufP))) as Fn,
    __syscall_stat64: ((pathP: P, bufP: P) => sys(true, () => writeStat(ctx.fs.stat(str(pathP)), bufP))) as Fn,
    __syscall_lstat64: ((pathP: P, bufP: P) => sys(true, () => writeStat(ctx.fs.stat(str(pathP), false), bufP))) as Fn,
    __syscall_newfstatat: ((dirfd: number, pathP: P, bufP: P, flags: number) =>
      sys(true, () => {
        const path = at(dirfd, str(pathP), !!(flags & 4096))
        return writeStat(ctx.fs.stat(path, !(flags & 256)), bufP)
      })) as Fn,
    __syscall_faccessat: ((dirfd: number, pathP: P, amode: number) =>
      sys(true, () => {
        if (amode & ~7) return -ERRNO.EINVAL
        ctx.fs.lookup(at(dirfd, str(pathP)))
        return 0
      })) as Fn,
    __syscall_getcwd: ((bufP: P, sizeP: P) =>
      sys(true, () => {
        const size = heap.ptr(sizeP)
        if (size === 0) return -ERRNO.EINVAL
        const need = utf8Length(ctx.fs.cwd) + 1
        if (size < need) return -68
        writeCString(heap.u8, ctx.fs.cwd, heap.ptr(bufP), size)
        return need
      })) as Fn,
    __syscall_chmod: ((pathP: P, mode: number) =>
      sys(true, () => {
        const n = ctx.fs.lookup(str(pathP))
        n.mode = (mode & 0o7777) | (n.mode & ~0o7777)
        return 0
      })) as Fn,
    __syscall_fchmod: ((fd: number, mode: number) =>
      sys(true, () => {
        const n = ctx.fs.stream(fd).node
        n.mode = (mode & 0o7777) | (n.mode & ~0o7777)
        return 0
      })) as Fn,
    __syscall_fchown32: ((fd: number) => sys(true, () => (ctx.fs.stream(fd), 0))) as Fn,
    __syscall_utimensat: ((dirfd: number, pathP: P) =>
      sys(true, () => {
        const n = ctx.fs.lookup(at(dirfd, str(pathP), true))
        n.timestamp = ctx.clock.now()
        return 0
      })) as Fn,
    _munmap_js: (() => 0) as Fn,
  }
  if (m64) {
    out.fd_seek = ((fd: number, off: bigint, whence: number, outP: bigint) => seek(fd, Number(off), whence, outP)) as Fn
    out.__syscall_ftruncate64 = ((fd: number, len: bigint) =>
      sys(true, () => {
        const n = ctx.fs.stream(fd).node
        truncate(n, Number(len))
        return 0
      })) as Fn
  } else {
    out.fd_seek = ((fd: number, lo: number, hi: number, whence: number, outP: number) =>
      seek(fd, (lo >>> 0) + hi * 4294967296, whence, outP)) as Fn
    out.__syscall_ftruncate64 = ((fd: number, lo: number, hi: number) =>
      sys(true, () => {
        truncate(ctx.fs.stream(fd).node, (lo >>> 0) + hi * 4294967296)
        return 0
      })) as Fn
  }
  const truncate = (n: { data: Uint8Array; size: number; timestamp: number }, len: number): void => {
    const d = new Uint8Array(len)
    d.set(n.data.subarray(0, Math.min(len, n.size)))
    n.data = d
    n.size = len
    n.timestamp = ctx.clock.now()
  }
  return out
}
