// An in-memory writable View (src/nfs/view/view.ts, RFC 1813 §3 semantics) for the NFS handlers' tests: it keeps
// the View contract to the letter (EXIST, NOTEMPTY, ISDIR/NOTDIR, INVAL for a directory moved into itself,
// exclusive-create verifiers, cookies that survive changes) and checks no permissions, as a View must not.
import { checkName, type AttributeChanges, type DirEntry, type FileAttributes, type FileType, type FsStats, type NewNode, type Stability, type View, type ViewError, type ViewResult } from '../../src/nfs/view/view.js';

interface Node {
  readonly fileId: bigint;
  readonly type: FileType;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  rdev: { readonly major: number; readonly minor: number };
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  data: Buffer;
  target: string;
  exclusive: string | undefined;
  /** Directories: name -> id and the cookie the name got when it arrived; insertion order is cookie order. */
  entries: Map<string, { readonly id: bigint; readonly cookie: bigint }>;
  nextCookie: bigint;
  parent: bigint;
}

export interface MemoryViewOptions {
  readonly readOnly?: boolean;
  readonly root?: { readonly uid: number; readonly gid: number; readonly mode: number };
  /** WRITE or SETATTR past this size is FBIG. */
  readonly maxFileSize?: bigint;
  /** All file data together; more is NOSPC. */
  readonly capacityBytes?: bigint;
}

export interface MemoryView extends View {
  /** How many COMMITs (and FILE_SYNC/DATA_SYNC writes) reached the view, per file id. */
  readonly syncs: Map<bigint, number>;
  /** Called before every method; a test makes it throw to stand for a view's bug. */
  fault: ((method: string) => void) | null;
}

const ok = <T>(value: T): ViewResult<T> => ({ ok: true, value });
const fail = (error: ViewError): ViewResult<never> => ({ ok: false, error });
const isDot = (name: string): boolean => name === '.' || name === '..';
/** '.' and '..' take cookies 1 and 2; names start after them. */
const FIRST_NAME_COOKIE = 3n;

export function memoryView(options: MemoryViewOptions = {}): MemoryView {
  const nodes = new Map<bigint, Node>();
  let nextId = 100n;
  let lastNs = 0n;
  const now = (): bigint => {
    const t = BigInt(Date.now()) * 1_000_000n;
    lastNs = t > lastNs ? t : lastNs + 1n;
    return lastNs;
  };
  const maxFileSize = options.maxFileSize ?? 1n << 40n;
  const capacity = options.capacityBytes ?? 1n << 40n;
  const used = (): bigint => [...nodes.values()].reduce((sum, n) => sum + BigInt(n.data.length), 0n);

  const newNode = (type: FileType, mode: number, uid: number, gid: number, parent: bigint): Node => {
    const t = now();
    const node: Node = {
      fileId: nextId++,
      type,
      mode: mode & 0o7777,
      uid,
      gid,
      nlink: type === 'dir' ? 2 : 1,
      rdev: { major: 0, minor: 0 },
      atimeNs: t,
      mtimeNs: t,
      ctimeNs: t,
      data: Buffer.alloc(0),
      target: '',
      exclusive: undefined,
      entries: new Map(),
      nextCookie: FIRST_NAME_COOKIE,
      parent,
    };
    nodes.set(node.fileId, node);
    return node;
  };
  const rootOwner = options.root ?? { uid: 0, gid: 0, mode: 0o755 };
  const root = newNode('dir', rootOwner.mode, rootOwner.uid, rootOwner.gid, 0n);
  root.parent = root.fileId;

  const attributes = (n: Node): FileAttributes => ({
    type: n.type,
    mode: n.mode,
    nlink: n.nlink,
    uid: n.uid,
    gid: n.gid,
    size: n.type === 'lnk' ? BigInt(Buffer.byteLength(n.target)) : BigInt(n.data.length),
    used: BigInt(n.data.length),
    rdev: n.rdev,
    fileId: n.fileId,
    atimeNs: n.atimeNs,
    mtimeNs: n.mtimeNs,
    ctimeNs: n.ctimeNs,
  });
  const dirOf = (id: bigint): ViewResult<Node> => {
    const n = nodes.get(id);
    if (n === undefined) return fail('STALE');
    return n.type === 'dir' ? ok(n) : fail('NOTDIR');
  };
  /** The directory a change names `name` in; `dots` is the answer for '.' and '..'. */
  const dirForName = (dirId: bigint, name: string, dots: ViewError): ViewResult<Node> => {
    const dir = dirOf(dirId);
    if (!dir.ok) return dir;
    if (isDot(name)) return fail(dots);
    const bad = checkName(name);
    return bad === null ? dir : fail(bad);
  };
  const touch = (n: Node): void => {
    n.mtimeNs = now();
    n.ctimeNs = n.mtimeNs;
  };
  const addName = (dir: Node, name: string, id: bigint): void => {
    dir.entries.set(name, { id, cookie: dir.nextCookie++ });
    touch(dir);
  };
  /** A name gone: the node goes with its last link (a directory has one). */
  const dropName = (dir: Node, name: string): void => {
    const entry = dir.entries.get(name)!;
    dir.entries.delete(name);
    touch(dir);
    const n = nodes.get(entry.id)!;
    if (n.type === 'dir') {
      dir.nlink--;
      nodes.delete(n.fileId);
      return;
    }
    n.nlink--;
    n.ctimeNs = now();
    if (n.nlink === 0) nodes.delete(n.fileId);
  };
  const resize = (n: Node, size: bigint): ViewError | null => {
    if (size > maxFileSize) return 'FBIG';
    if (size > BigInt(n.data.length) && used() + size - BigInt(n.data.length) > capacity) return 'NOSPC';
    const next = Buffer.alloc(Number(size));
    n.data.copy(next, 0, 0, Math.min(n.data.length, next.length));
    n.data = next;
    return null;
  };

  const view: MemoryView = {
    rootId: root.fileId,
    readOnly: options.readOnly === true,
    syncs: new Map(),
    // Every answer goes through getattr, so the handlers' slow path is what these tests cover.
    attributesNow: () => undefined,
    fault: null,

    async getattr(id) {
      view.fault?.('getattr');
      const n = nodes.get(id);
      return n === undefined ? fail('STALE') : ok(attributes(n));
    },
    async lookup(dirId, name) {
      view.fault?.('lookup');
      const dir = dirOf(dirId);
      if (!dir.ok) return dir;
      if (name === '.') return ok(dirId);
      if (name === '..') return ok(dir.value.parent);
      const bad = checkName(name);
      if (bad !== null) return fail(bad);
      const entry = dir.value.entries.get(name);
      return entry === undefined ? fail('NOENT') : ok(entry.id);
    },
    async readlink(id) {
      view.fault?.('readlink');
      const n = nodes.get(id);
      if (n === undefined) return fail('STALE');
      return n.type === 'lnk' ? ok(n.target) : fail('INVAL');
    },
    async read(id, offset, count) {
      view.fault?.('read');
      const n = nodes.get(id);
      if (n === undefined) return fail('STALE');
      if (n.type === 'dir') return fail('ISDIR');
      if (n.type !== 'reg') return fail('INVAL');
      const start = Number(offset < BigInt(n.data.length) ? offset : BigInt(n.data.length));
      const data = Buffer.from(n.data.subarray(start, start + count));
      return ok({ data, eof: start + data.length >= n.data.length });
    },
    async readdir(dirId, cookie, verifier, max) {
      view.fault?.('readdir');
      const dir = dirOf(dirId);
      if (!dir.ok) return dir;
      const d = dir.value;
      // Cookies stay valid across changes (each name keeps the cookie it arrived with), so one verifier serves.
      if (cookie !== 0n && verifier !== d.fileId) return fail('BAD_COOKIE');
      if (cookie >= d.nextCookie) return fail('BAD_COOKIE');
      const all: DirEntry[] = [
        { name: '.', fileId: d.fileId, cookie: 1n },
        { name: '..', fileId: d.parent, cookie: 2n },
        ...[...d.entries].map(([name, e]) => ({ name, fileId: e.id, cookie: e.cookie })),
      ];
      const after = all.filter((e) => e.cookie > cookie);
      const entries = after.slice(0, max);
      return ok({ entries, eof: entries.length === after.length, verifier: d.fileId });
    },

    async setattr(id, changes: AttributeChanges) {
      view.fault?.('setattr');
      if (view.readOnly) return fail('ROFS');
      const n = nodes.get(id);
      if (n === undefined) return fail('STALE');
      if (changes.size !== undefined) {
        if (n.type === 'dir') return fail('ISDIR');
        if (n.type !== 'reg') return fail('INVAL');
        const bad = resize(n, changes.size);
        if (bad !== null) return fail(bad);
        n.mtimeNs = now();
      }
      if (changes.mode !== undefined) n.mode = changes.mode & 0o7777;
      if (changes.uid !== undefined) n.uid = changes.uid;
      if (changes.gid !== undefined) n.gid = changes.gid;
      if (changes.atimeNs !== undefined) n.atimeNs = changes.atimeNs;
      if (changes.mtimeNs !== undefined) n.mtimeNs = changes.mtimeNs;
      n.ctimeNs = now();
      return ok(attributes(n));
    },
    async write(id, offset, data, stable: Stability) {
      view.fault?.('write');
      if (view.readOnly) return fail('ROFS');
      const n = nodes.get(id);
      if (n === undefined) return fail('STALE');
      if (n.type === 'dir') return fail('ISDIR');
      if (n.type !== 'reg') return fail('INVAL');
      const end = offset + BigInt(data.length);
      if (end > BigInt(n.data.length)) {
        const bad = resize(n, end);
        if (bad !== null) return fail(bad);
      }
      n.data.set(data, Number(offset));
      touch(n);
      if (stable !== 'unstable') view.syncs.set(id, (view.syncs.get(id) ?? 0) + 1);
      return ok({ committed: stable });
    },
    async commit(id) {
      view.fault?.('commit');
      if (!nodes.has(id)) return fail('STALE');
      view.syncs.set(id, (view.syncs.get(id) ?? 0) + 1);
      return ok(undefined);
    },
    async make(dirId, name, node: NewNode) {
      view.fault?.('make');
      if (view.readOnly) return fail('ROFS');
      const dir = dirForName(dirId, name, 'EXIST');
      if (!dir.ok) return dir;
      const existing = dir.value.entries.get(name);
      if (existing !== undefined) {
        const there = nodes.get(existing.id)!;
        const retransmit = node.exclusive !== undefined && there.type === 'reg' && there.exclusive === node.exclusive;
        return retransmit ? ok(there.fileId) : fail('EXIST');
      }
      const made = newNode(node.type, node.mode, node.uid, node.gid, dirId);
      if (node.rdev !== undefined) made.rdev = node.rdev;
      if (node.target !== undefined) made.target = node.target;
      made.exclusive = node.exclusive;
      if (node.type === 'dir') dir.value.nlink++;
      addName(dir.value, name, made.fileId);
      return ok(made.fileId);
    },
    async remove(dirId, name, directory) {
      view.fault?.('remove');
      if (view.readOnly) return fail('ROFS');
      const dir = dirForName(dirId, name, 'INVAL');
      if (!dir.ok) return dir;
      const entry = dir.value.entries.get(name);
      if (entry === undefined) return fail('NOENT');
      const n = nodes.get(entry.id)!;
      if (directory && n.type !== 'dir') return fail('NOTDIR');
      if (!directory && n.type === 'dir') return fail('ISDIR');
      if (n.type === 'dir' && n.entries.size > 0) return fail('NOTEMPTY');
      dropName(dir.value, name);
      return ok(undefined);
    },
    async rename(fromDir, fromName, toDir, toName) {
      view.fault?.('rename');
      if (view.readOnly) return fail('ROFS');
      const from = dirForName(fromDir, fromName, 'INVAL');
      if (!from.ok) return from;
      const to = dirForName(toDir, toName, 'INVAL');
      if (!to.ok) return to;
      const source = from.value.entries.get(fromName);
      if (source === undefined) return fail('NOENT');
      const moving = nodes.get(source.id)!;
      if (moving.type === 'dir') {
        // Into itself or below itself: the tree would come loose from the root.
        for (let at = to.value; ; at = nodes.get(at.parent)!) {
          if (at.fileId === moving.fileId) return fail('INVAL');
          if (at.parent === at.fileId) break;
        }
      }
      const replaced = to.value.entries.get(toName);
      if (replaced !== undefined) {
        if (replaced.id === source.id) return ok(undefined);
        const old = nodes.get(replaced.id)!;
        if (moving.type === 'dir' && old.type !== 'dir') return fail('NOTDIR');
        if (moving.type !== 'dir' && old.type === 'dir') return fail('ISDIR');
        if (old.type === 'dir' && old.entries.size > 0) return fail('NOTEMPTY');
        dropName(to.value, toName);
      }
      from.value.entries.delete(fromName);
      touch(from.value);
      addName(to.value, toName, moving.fileId);
      if (moving.type === 'dir' && fromDir !== toDir) {
        from.value.nlink--;
        to.value.nlink++;
        moving.parent = toDir;
      }
      moving.ctimeNs = now();
      return ok(undefined);
    },
    async link(id, dirId, name) {
      view.fault?.('link');
      if (view.readOnly) return fail('ROFS');
      const n = nodes.get(id);
      if (n === undefined) return fail('STALE');
      if (n.type === 'dir') return fail('ISDIR');
      const dir = dirForName(dirId, name, 'EXIST');
      if (!dir.ok) return dir;
      if (dir.value.entries.has(name)) return fail('EXIST');
      n.nlink++;
      n.ctimeNs = now();
      addName(dir.value, name, id);
      return ok(undefined);
    },
    async fsstat() {
      view.fault?.('fsstat');
      const stats: FsStats = {
        totalBytes: capacity,
        freeBytes: capacity - used(),
        availBytes: capacity - used(),
        totalFiles: 1_000_000n,
        freeFiles: 1_000_000n - BigInt(nodes.size),
        availFiles: 1_000_000n - BigInt(nodes.size),
      };
      return ok(stats);
    },
  };
  return view;
}
