/**
 * The in-memory file system the modules see, kept in JS (never in linear memory), shaped like
 * Emscripten's FS+MEMFS so that every syscall result that lands in linear memory (fds, inode
 * numbers, sizes, stat fields, errno values) is the same as the reference glue's:
 * - the same initial tree, created in the same order (inode numbers count from 1);
 * - fds are the lowest free number (0, 1, 2 are stdin/stdout/stderr on the tty devices);
 * - node timestamps read the deterministic clock, as MEMFS reads Date.now.
 */
import type { DeterministicClock } from './deterministic-clock'

/** Emscripten's (WASI) errno numbers. */
export const ERRNO = {
  EACCES: 2, EBADF: 8, EEXIST: 20, EINVAL: 28, EIO: 29, EISDIR: 31, ENOENT: 44, ENOTDIR: 54,
  ENOTEMPTY: 55, ENOTTY: 59, ENXIO: 60, EPERM: 63, ESPIPE: 70, EBUSY: 10, ELOOP: 32,
} as const

export class FsError extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`)
  }
}

const S_IFMT = 0o170000
const S_IFDIR = 0o040000
const S_IFREG = 0o100000
const S_IFLNK = 0o120000
const S_IFCHR = 0o020000

export interface CharDevice {
  read?(buf: Uint8Array): number
  write(bytes: Uint8Array): number
  tty?: boolean
}

export class FsNode {
  contents = new Map<string, FsNode>()
  data: Uint8Array = new Uint8Array(0)
  size = 0
  link = ''
  timestamp: number
  device?: CharDevice
  constructor(
    readonly id: number,
    public name: string,
    public parent: FsNode | null,
    public mode: number,
    readonly rdev: number,
    timestamp: number,
  ) {
    this.timestamp = timestamp
  }
  get isDir(): boolean { return (this.mode & S_IFMT) === S_IFDIR }
  get isFile(): boolean { return (this.mode & S_IFMT) === S_IFREG }
  get isLink(): boolean { return (this.mode & S_IFMT) === S_IFLNK }
  get isChrdev(): boolean { return (this.mode & S_IFMT) === S_IFCHR }
}

export interface FsStream {
  fd: number
  node: FsNode
  path: string
  flags: number
  position: number
}

export interface FsStat {
  dev: number; ino: number; mode: number; nlink: number; uid: number; gid: number; rdev: number
  size: number; atime: number; mtime: number; ctime: number; blksize: number; blocks: number
}

export interface StdioSinks {
  stdout?: (text: string) => void
  stderr?: (text: string) => void
}

/** A tty that buffers a line and hands it to a sink (the glue prints it with console.log). */
function ttyDevice(sink: ((s: string) => void) | undefined): CharDevice {
  let line: number[] = []
  const dec = new TextDecoder()
  return {
    tty: true,
    read: () => 0,
    write(bytes) {
      for (const b of bytes) {
        if (b === 10) {
          sink?.(dec.decode(new Uint8Array(line)))
          line = []
        } else if (b !== 0) line.push(b)
      }
      return bytes.length
    },
  }
}

export class MemFs {
  private nextInode = 1
  readonly root: FsNode
  readonly streams: (FsStream | undefined)[] = []
  cwd = '/'
  private clockLive = false

  constructor(
    private readonly clock: DeterministicClock,
    sinks: StdioSinks = {},
    withDataDir = false,
  ) {
    // FS.staticInit runs before the glue installs its counter clock: those timestamps are not
    // deterministic in the reference; they are 0 here.
    this.root = new FsNode(this.nextInode++, '/', null, S_IFDIR | 0o777, 0, 0)
    this.root.parent = this.root
    this.mkdir('/tmp')
    this.mkdir('/home')
    this.mkdir('/home/web_user')
    this.mkdir('/dev')
    this.mkdev('/dev/null', 0x103, { read: () => 0, write: (b) => b.length })
    this.mkdev('/dev/tty', 0x500, ttyDevice(sinks.stdout))
    this.mkdev('/dev/tty1', 0x600, ttyDevice(sinks.stderr))
    // /dev/random, /dev/urandom: the glue fills them from crypto (not deterministic); zeros here.
    this.mkdev('/dev/random', 0x0101, { read: (b) => (b.fill(0), b.length), write: (b) => b.length })
    this.mkdev('/dev/urandom', 0x0102, { read: (b) => (b.fill(0), b.length), write: (b) => b.length })
    this.mkdir('/dev/shm')
    this.mkdir('/dev/shm/tmp')
    this.mkdir('/proc')
    this.mkdir('/proc/self')
    this.mkdir('/proc/self/fd')
    this.nextInode++ // the glue mounts a synthetic node over /proc/self/fd
    this.clockLive = true
    this.symlink('/dev/tty', '/dev/stdin')
    this.symlink('/dev/tty', '/dev/stdout')
    this.symlink('/dev/tty1', '/dev/stderr')
    this.open('/dev/stdin', 0)
    this.open('/dev/stdout', 1)
    this.open('/dev/stderr', 1)
    if (withDataDir) this.mkdir('/data')
  }

  private now(): number {
    return this.clockLive ? this.clock.now() : 0
  }

  // ---- paths ----
  private normalize(path: string): string[] {
    const abs = path.startsWith('/') ? path : `${this.cwd}/${path}`
    const out: string[] = []
    for (const part of abs.split('/')) {
      if (!part || part === '.') continue
      if (part === '..') out.pop()
      else out.push(part)
    }
    return out
  }

  lookup(path: string, follow = true, depth = 0): FsNode {
    if (depth > 40) throw new FsError(ERRNO.ELOOP)
    const parts = this.normalize(path)
    let node = this.root
    for (let i = 0; i < parts.length; i++) {
      if (!node.isDir) throw new FsError(ERRNO.ENOTDIR)
      const next = node.contents.get(parts[i] as string)
      if (!next) throw new FsError(ERRNO.ENOENT)
      node = next
      if (node.isLink && (follow || i < parts.length - 1)) {
        const base = '/' + parts.slice(0, i).join('/')
        const target = node.link.startsWith('/') ? node.link : `${base}/${node.link}`
        node = this.lookup(target + '/' + parts.slice(i + 1).join('/'), follow, depth + 1)
        return node
      }
    }
    return node
  }

  exists(path: string): boolean {
    try {
      this.lookup(path)
      return true
    } catch {
      return false
    }
  }

  private parentOf(path: string): { parent: FsNode; name: string } {
    const parts = this.normalize(path)
    const name = parts.pop()
    if (name === undefined) throw new FsError(ERRNO.EBUSY)
    const parent = this.lookup('/' + parts.join('/'))
    if (!parent.isDir) throw new FsError(ERRNO.ENOTDIR)
    return { parent, name }
  }

  private create(path: string, mode: number, rdev = 0): FsNode {
    const { parent, name } = this.parentOf(path)
    if (parent.contents.has(name)) throw new FsError(ERRNO.EEXIST)
    const t = this.now()
    const node = new FsNode(this.nextInode++, name, parent, mode, rdev, t)
    parent.contents.set(name, node)
    parent.timestamp = t
    return node
  }

  mkdir(path: string, mode = 0o777): FsNode {
    return this.create(path, S_IFDIR | (mode & 0o7777))
  }

  mkdev(path: string, rdev: number, device: CharDevice): FsNode {
    const n = this.create(path, S_IFCHR | 0o666, rdev)
    n.device = device
    return n
  }

  symlink(target: string, path: string): FsNode {
    const n = this.create(path, S_IFLNK | 0o777)
    n.link = target
    return n
  }

  writeFile(path: string, data: Uint8Array): FsNode {
    let node: FsNode
    try {
      node = this.lookup(path)
    } catch {
      node = this.create(path, S_IFREG | 0o666)
    }
    node.data = data
    node.size = data.length
    return node
  }

  unlink(path: string): void {
    const { parent, name } = this.parentOf(path)
    const node = parent.contents.get(name)
    if (!node) throw new FsError(ERRNO.ENOENT)
    if (node.isDir) throw new FsError(ERRNO.EISDIR)
    parent.contents.delete(name)
    parent.timestamp = this.now()
  }

  rmdir(path: string): void {
    const { parent, name } = this.parentOf(path)
    const node = parent.contents.get(name)
    if (!node) throw new FsError(ERRNO.ENOENT)
    if (!node.isDir) throw new FsError(ERRNO.ENOTDIR)
    if (node.contents.size) throw new FsError(ERRNO.ENOTEMPTY)
    parent.contents.delete(name)
    parent.timestamp = this.now()
  }

  rename(oldPath: string, newPath: string): void {
    const a = this.parentOf(oldPath)
    const node = a.parent.contents.get(a.name)
    if (!node) throw new FsError(ERRNO.ENOENT)
    const b = this.parentOf(newPath)
    const existing = b.parent.contents.get(b.name)
    if (existing === node) return
    if (existing) {
      if (existing.isDir && existing.contents.size) throw new FsError(ERRNO.ENOTEMPTY)
      b.parent.contents.delete(b.name)
    }
    a.parent.contents.delete(a.name)
    node.name = b.name
    node.parent = b.parent
    b.parent.contents.set(b.name, node)
    const t = this.now()
    a.parent.timestamp = t
    b.parent.timestamp = t
  }

  readlink(path: string): string {
    const node = this.lookup(path, false)
    if (!node.isLink) throw new FsError(ERRNO.EINVAL)
    return node.link
  }

  stat(path: string, follow = true): FsStat {
    return this.statNode(this.lookup(path, follow))
  }

  statNode(n: FsNode): FsStat {
    const size = n.isDir ? 4096 : n.isFile ? n.size : n.isLink ? n.link.length : 0
    return {
      dev: n.isChrdev ? n.id : 1, ino: n.id, mode: n.mode, nlink: 1, uid: 0, gid: 0, rdev: n.rdev,
      size, atime: n.timestamp, mtime: n.timestamp, ctime: n.timestamp, blksize: 4096,
      blocks: Math.ceil(size / 4096),
    }
  }

  // ---- streams ----
  private nextFd(from = 0): number {
    let fd = from
    while (this.streams[fd]) fd++
    return fd
  }

  stream(fd: number): FsStream {
    const s = this.streams[fd]
    if (!s) throw new FsError(ERRNO.EBADF)
    return s
  }

  open(path: string, flags: number, mode = 0o666): FsStream {
    const O_CREAT = 64, O_EXCL = 128, O_TRUNC = 512, O_DIRECTORY = 65536, O_NOFOLLOW = 131072
    let node: FsNode | undefined
    try {
      node = this.lookup(path, !(flags & O_NOFOLLOW))
    } catch (e) {
      if (!(e instanceof FsError) || e.errno !== ERRNO.ENOENT || !(flags & O_CREAT)) throw e
    }
    if (node && flags & O_CREAT && flags & O_EXCL) throw new FsError(ERRNO.EEXIST)
    if (!node) node = this.create(path, S_IFREG | (mode & 0o7777))
    if (flags & O_DIRECTORY && !node.isDir) throw new FsError(ERRNO.ENOTDIR)
    if (node.isDir && (flags & 3) !== 0) throw new FsError(ERRNO.EISDIR)
    if (node.isFile && flags & O_TRUNC && (flags & 3) !== 0) {
      node.data = new Uint8Array(0)
      node.size = 0
      node.timestamp = this.now()
    }
    const fd = this.nextFd()
    const s: FsStream = { fd, node, path: '/' + this.normalize(path).join('/'), flags: flags & ~(O_CREAT | O_EXCL | O_TRUNC), position: 0 }
    this.streams[fd] = s
    return s
  }

  close(fd: number): void {
    this.stream(fd)
    this.streams[fd] = undefined
  }

  dup(s: FsStream, fd?: number): FsStream {
    const nfd = fd ?? this.nextFd()
    const copy = { ...s, fd: nfd }
    this.streams[nfd] = copy
    return copy
  }

  read(s: FsStream, dst: Uint8Array, pos?: number): number {
    if ((s.flags & 3) === 1) throw new FsError(ERRNO.EBADF)
    const n = s.node
    if (n.isDir) throw new FsError(ERRNO.EISDIR)
    if (n.device) {
      const r = n.device.read ? n.device.read(dst) : 0
      return r
    }
    const at = pos ?? s.position
    const len = Math.max(0, Math.min(dst.length, n.size - at))
    dst.set(n.data.subarray(at, at + len))
    if (pos === undefined) s.position += len
    return len
  }

  write(s: FsStream, src: Uint8Array, pos?: number): number {
    if ((s.flags & 3) === 0) throw new FsError(ERRNO.EBADF)
    const n = s.node
    if (n.isDir) throw new FsError(ERRNO.EISDIR)
    if (n.device) {
      const w = n.device.write(src)
      // the glue's TTY write stamps the node with Date.now (a clock tick)
      if (n.device.tty && src.length) n.timestamp = this.now()
      return w
    }
    if (s.flags & 1024) s.position = n.size
    const at = pos ?? s.position
    const end = at + src.length
    if (end > n.data.length) {
      const grown = new Uint8Array(Math.max(end, n.data.length * 2, 256))
      grown.set(n.data.subarray(0, n.size))
      n.data = grown
    }
    n.data.set(src, at)
    if (end > n.size) n.size = end
    if (src.length) n.timestamp = this.now()
    if (pos === undefined) s.position = end
    return src.length
  }

  llseek(s: FsStream, offset: number, whence: number): number {
    if (s.node.device) throw new FsError(ERRNO.ESPIPE)
    let p = offset
    if (whence === 1) p += s.position
    else if (whence === 2) p += s.node.isFile ? s.node.size : 0
    else if (whence !== 0) throw new FsError(ERRNO.EINVAL)
    if (p < 0) throw new FsError(ERRNO.EINVAL)
    s.position = p
    return p
  }

  /** Deep copy of the JS-side state, for the rollback journal's checkpoints. */
  clone(clock: DeterministicClock): MemFs {
    const copy = Object.create(MemFs.prototype) as MemFs
    const map = new Map<FsNode, FsNode>()
    const cloneNode = (n: FsNode, parent: FsNode | null): FsNode => {
      const c = new FsNode(n.id, n.name, parent, n.mode, n.rdev, n.timestamp)
      map.set(n, c)
      c.data = n.data.slice(0, n.size)
      c.size = n.size
      c.link = n.link
      if (n.device) c.device = n.device
      for (const [k, v] of n.contents) c.contents.set(k, cloneNode(v, c))
      return c
    }
    const root = cloneNode(this.root, null)
    root.parent = root
    Object.assign(copy, {
      nextInode: this.nextInode, root, cwd: this.cwd, clockLive: true, clock,
      streams: this.streams.map((s) => (s ? { ...s, node: map.get(s.node) ?? s.node } : undefined)),
    })
    return copy
  }
}
