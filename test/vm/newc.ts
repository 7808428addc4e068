// Encoder for the cpio "newc" archive the kernel unpacks as initramfs (Linux Documentation/driver-api/
// early-userspace/buffer-format.rst). Written here so device nodes need no mknod (and no root) at build time.

export type NewcEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'chardev'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

const MAGIC = '070701';
const TRAILER = 'TRAILER!!!';
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

interface Header {
  readonly ino: number;
  readonly mode: number;
  readonly nlink: number;
  readonly size: number;
  readonly rdevMajor: number;
  readonly rdevMinor: number;
}

/** Owner root, mtime 0: the archive depends only on its contents, so the cache key can be its inputs. */
export function encodeNewc(entries: readonly NewcEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((entry, index) => {
    const ino = index + 1;
    switch (entry.kind) {
      case 'dir':
        parts.push(record(entry.path, { ino, mode: S_IFDIR | (entry.mode ?? 0o755), nlink: 2, size: 0, rdevMajor: 0, rdevMinor: 0 }));
        break;
      case 'file':
        parts.push(
          record(entry.path, { ino, mode: S_IFREG | (entry.mode ?? 0o644), nlink: 1, size: entry.data.length, rdevMajor: 0, rdevMinor: 0 }, entry.data),
        );
        break;
      case 'symlink': {
        const target = Buffer.from(entry.target, 'utf8');
        parts.push(record(entry.path, { ino, mode: S_IFLNK | 0o777, nlink: 1, size: target.length, rdevMajor: 0, rdevMinor: 0 }, target));
        break;
      }
      case 'chardev':
        parts.push(
          record(entry.path, { ino, mode: S_IFCHR | (entry.mode ?? 0o600), nlink: 1, size: 0, rdevMajor: entry.major, rdevMinor: entry.minor }),
        );
        break;
    }
  });
  parts.push(record(TRAILER, { ino: 0, mode: 0, nlink: 1, size: 0, rdevMajor: 0, rdevMinor: 0 }));
  return Buffer.concat(parts);
}

function record(path: string, header: Header, data: Uint8Array = new Uint8Array(0)): Buffer {
  const name = Buffer.from(`${path.replace(/^\/+/, '')}\0`, 'utf8');
  const fields = [
    header.ino,
    header.mode,
    0, // uid
    0, // gid
    header.nlink,
    0, // mtime
    header.size,
    0, // devmajor
    0, // devminor
    header.rdevMajor,
    header.rdevMinor,
    name.length,
    0, // check: only used by the "070702" crc variant
  ];
  const head = Buffer.from(MAGIC + fields.map(hex8).join(''), 'ascii');
  // Name and data each start on a 4-byte boundary, counted from the start of the record's header.
  return Buffer.concat([head, name, zeros(pad4(head.length + name.length)), data, zeros(pad4(data.length))]);
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

function zeros(length: number): Buffer {
  return Buffer.alloc(length);
}
