// The file system an NFS client sees through one export (RFC 1813 §3 semantics), by file id, never by client path.
import type { FileHandle } from 'node:fs/promises';

export type FileType = 'reg' | 'dir' | 'blk' | 'chr' | 'lnk' | 'sock' | 'fifo';

/** What fattr3 needs (RFC 1813 §2.5), in plain numbers; times in nanoseconds since the epoch. */
export interface FileAttributes {
  readonly type: FileType;
  /** Permission bits and set-id/sticky bits (07777), without the type. */
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: bigint;
  readonly used: bigint;
  readonly rdev: { readonly major: number; readonly minor: number };
  readonly fileId: bigint;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

export interface DirEntry {
  readonly name: string;
  readonly fileId: bigint;
  /** Opaque to the client, stable while the directory does not change. */
  readonly cookie: bigint;
}

/** NFS3 error names a view reports; the server maps them to nfsstat3. */
export type ViewError =
  | 'NOENT'
  | 'NOTDIR'
  | 'ISDIR'
  | 'INVAL'
  | 'NAMETOOLONG'
  | 'STALE'
  | 'ACCES'
  | 'ROFS'
  | 'IO'
  | 'BAD_COOKIE'
  | 'EXIST'
  | 'NOTEMPTY'
  | 'NOSPC'
  | 'FBIG'
  | 'MLINK'
  | 'NOTSUPP';

export type ViewResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ViewError };

export interface ReadDirPage {
  readonly entries: readonly DirEntry[];
  /** True when the last entry of the directory is in this page. */
  readonly eof: boolean;
  /** Changes when the directory changed: cookies from before are then refused (NFS3ERR_BAD_COOKIE). */
  readonly verifier: bigint;
}

/** Up to count bytes of a file at offset, as openRange answers them; length 0 at or past the end. */
export interface FileRange {
  readonly file: FileHandle;
  readonly offset: number;
  readonly length: number;
  readonly eof: boolean;
}

export interface ReadOnlyView {
  readonly rootId: bigint;
  getattr(id: bigint): Promise<ViewResult<FileAttributes>>;
  /**
   * The attributes when the view has them fresh at hand, without a wait (a READDIRPLUS entry just listed);
   * undefined means ask getattr.
   */
  attributesNow(id: bigint): FileAttributes | undefined;
  /**
   * True when the directory's listing is at hand and still fresh, names and every entry's attributes, without a
   * wait: listing it again now would read nothing from the file system. False means list it.
   */
  listingFreshNow?(dirId: bigint): boolean;
  /**
   * A number that moves whenever anything a listing shows may have changed (a name, an attribute, a link), so
   * that what was made from a listing can be used again while it stays; undefined where the view keeps none.
   */
  epoch?(): number;
  /** `name` is one component; '.' is the directory, '..' its parent (the root's parent is the root). */
  lookup(dirId: bigint, name: string): Promise<ViewResult<bigint>>;
  /**
   * The id `name` (a checked name, not '.' or '..') has in the directory, when the view has it at hand without a
   * wait, as lookup() would answer it now; undefined means ask lookup (also for a name that is not there).
   */
  lookupNow?(dirId: bigint, name: string): bigint | undefined;
  readlink(id: bigint): Promise<ViewResult<string>>;
  /** `into`: a buffer to read into when it is large enough (the server's pool), so a READ allocates nothing. */
  read(id: bigint, offset: bigint, count: number, into?: Buffer): Promise<ViewResult<{ readonly data: Buffer; readonly eof: boolean }>>;
  /**
   * Like read, but answers where the bytes are instead of reading them: an open file (the view's own, valid only
   * until the caller's next await: dup its descriptor at once) and the range of it to send. Absent where a view
   * cannot say.
   */
  openRange?(id: bigint, offset: bigint, count: number): Promise<ViewResult<FileRange>>;
  /** Entries after `cookie` (0 = from the start), at most `max` of them, '.' and '..' included first. */
  readdir(dirId: bigint, cookie: bigint, verifier: bigint, max: number): Promise<ViewResult<ReadDirPage>>;
}

/** One path component as NFS allows it (RFC 1813 §3.3.3): not empty, no slash, no NUL, at most 255 bytes. */
export function checkName(name: string): ViewError | null {
  if (name === '' || name.includes('/') || name.includes('\0')) return 'INVAL';
  if (Buffer.byteLength(name, 'utf8') > 255) return 'NAMETOOLONG';
  return null;
}

/** How far a WRITE must reach before it is answered (RFC 1813 §3.3.7 stable_how). */
export type Stability = 'unstable' | 'data' | 'file';

/** A new object: what CREATE, MKDIR, SYMLINK and MKNOD make. */
export interface NewNode {
  readonly type: FileType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev?: { readonly major: number; readonly minor: number };
  /** Symlinks only. */
  readonly target?: string;
  /**
   * CREATE EXCLUSIVE's verifier (hex): when the name already holds a file made with the same verifier, make
   * answers that file instead of EXIST, so a retransmitted CREATE succeeds (RFC 1813 §3.3.8).
   */
  readonly exclusive?: string;
}

/** SETATTR's changes, already resolved by the caller (server time turned into a number); absent = unchanged. */
export interface AttributeChanges {
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly size?: bigint;
  readonly atimeNs?: bigint;
  readonly mtimeNs?: bigint;
}

export interface FsStats {
  readonly totalBytes: bigint;
  readonly freeBytes: bigint;
  readonly availBytes: bigint;
  readonly totalFiles: bigint;
  readonly freeFiles: bigint;
  readonly availFiles: bigint;
}

/**
 * The whole file system an export serves. A read-only export answers ROFS to every change. Views do not check
 * permissions: the procedure handlers do, against the attributes, before they ask for a change.
 */
export interface View extends ReadOnlyView {
  readonly readOnly: boolean;
  setattr(id: bigint, changes: AttributeChanges): Promise<ViewResult<FileAttributes>>;
  /**
   * Writes all of `data` at `offset`; `committed` may be stronger than asked, never weaker. With `keep` (see
   * RpcCallContext.keepArgs) an unstable write may still be going to the file when this resolves (`pending`):
   * the view keeps `data` till then, every later request for the file sees the bytes, and the file's next write
   * or commit fails if they could not be written.
   */
  write(
    id: bigint,
    offset: bigint,
    data: Uint8Array,
    stable: Stability,
    keep?: () => () => void,
  ): Promise<ViewResult<{ readonly committed: Stability; readonly pending?: boolean }>>;
  /** Everything written to the file so far is on stable storage once this resolves. */
  commit(id: bigint): Promise<ViewResult<void>>;
  /** EXIST when the name is taken (but see NewNode.exclusive). */
  make(dirId: bigint, name: string, node: NewNode): Promise<ViewResult<bigint>>;
  /** REMOVE (`dir` false: ISDIR for a directory) or RMDIR (`dir` true: NOTDIR for a non-directory, NOTEMPTY). */
  remove(dirId: bigint, name: string, dir: boolean): Promise<ViewResult<void>>;
  /** POSIX rename: replaces a target of a compatible type (an empty directory for a directory); INVAL into itself. */
  rename(fromDir: bigint, fromName: string, toDir: bigint, toName: string): Promise<ViewResult<void>>;
  /** A new name for a non-directory (ISDIR for directories). */
  link(id: bigint, dirId: bigint, name: string): Promise<ViewResult<void>>;
  fsstat(): Promise<ViewResult<FsStats>>;
}
