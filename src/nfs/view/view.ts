// The file system an NFS client sees through one export (RFC 1813 §3 semantics), by file id, never by client path.

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
export type ViewError = 'NOENT' | 'NOTDIR' | 'ISDIR' | 'INVAL' | 'NAMETOOLONG' | 'STALE' | 'ACCES' | 'ROFS' | 'IO' | 'BAD_COOKIE';

export type ViewResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ViewError };

export interface ReadDirPage {
  readonly entries: readonly DirEntry[];
  /** True when the last entry of the directory is in this page. */
  readonly eof: boolean;
  /** Changes when the directory changed: cookies from before are then refused (NFS3ERR_BAD_COOKIE). */
  readonly verifier: bigint;
}

export interface ReadOnlyView {
  readonly rootId: bigint;
  getattr(id: bigint): Promise<ViewResult<FileAttributes>>;
  /** `name` is one component; '.' is the directory, '..' its parent (the root's parent is the root). */
  lookup(dirId: bigint, name: string): Promise<ViewResult<bigint>>;
  readlink(id: bigint): Promise<ViewResult<string>>;
  read(id: bigint, offset: bigint, count: number): Promise<ViewResult<{ readonly data: Buffer; readonly eof: boolean }>>;
  /** Entries after `cookie` (0 = from the start), at most `max` of them, '.' and '..' included first. */
  readdir(dirId: bigint, cookie: bigint, verifier: bigint, max: number): Promise<ViewResult<ReadDirPage>>;
}

/** One path component as NFS allows it (RFC 1813 §3.3.3): not empty, no slash, no NUL, at most 255 bytes. */
export function checkName(name: string): ViewError | null {
  if (name === '' || name.includes('/') || name.includes('\0')) return 'INVAL';
  if (Buffer.byteLength(name, 'utf8') > 255) return 'NAMETOOLONG';
  return null;
}
