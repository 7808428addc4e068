// A file's lstat(2) as the golden view keeps it: STAT_FIELDS plain numbers, read in batches through the
// native/stat_many.c addon (statx) when it is built, else with fs.lstatSync; and the FileAttributes they make.
//
// Plain numbers so that a listing read again (every second, while a client lists) can tell "unchanged" by
// comparing numbers, and keep the attributes it made before, without making a Stats object and its BigInts.
import { lstatSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { loadAddon } from '../../native/load-addon.js';
import type { FileAttributes, FileType } from './view.js';

/** Numbers per file; the layout is native/stat_many.c's. */
export const STAT_FIELDS = 19;
const F = { errno: 0, inoHigh: 1, inoLow: 2, mode: 3, nlink: 4, uid: 5, gid: 6, size: 7, blocks: 8, rdevMajor: 9, rdevMinor: 10, atime: 11, mtime: 13, ctime: 15, btime: 17 };

/** lstat of each name (one component each) in `folder` into out[i * STAT_FIELDS ...]; a field 0 that is not 0 is the errno. */
export type StatMany = (folder: string, names: readonly string[], out: Float64Array) => void;

interface StatManyAddon {
  lstatMany(folder: string, names: string, count: number, out: Float64Array): number;
}

type StatManyLoad = { readonly statMany: StatMany; readonly native: boolean; readonly reason: string | null };
let loaded: StatManyLoad | undefined;

/** The native batch when built, else lstatSync per name: the same numbers either way. Loaded on first use. */
export function loadStatMany(): StatManyLoad {
  return (loaded ??= load());
}

function load(): StatManyLoad {
  const found = loadAddon<StatManyAddon>('stat_many', (m) => typeof m.lstatMany === 'function', import.meta.url);
  if (!found.ok) return { statMany: statManyInJs, native: false, reason: found.reason };
  const { addon } = found;
  return {
    native: true,
    reason: null,
    statMany: (folder, names, out) => {
      addon.lstatMany(folder, names.join('\0'), names.length, out);
    },
  };
}

export const statManyInJs: StatMany = (folder, names, out) => {
  names.forEach((name, i) => {
    try {
      fromStats(lstatSync(join(folder, name), { bigint: true }), out, i * STAT_FIELDS);
    } catch (error) {
      out.fill(0, i * STAT_FIELDS, (i + 1) * STAT_FIELDS);
      // Node reports errno negated (libuv style); the native batch gives it as the kernel does.
      out[i * STAT_FIELDS] = Math.abs((error as NodeJS.ErrnoException).errno ?? 5);
    }
  });
};

const NS = 1_000_000_000n;

function putTime(ns: bigint, out: Float64Array, at: number): void {
  let s = ns / NS;
  let rest = ns % NS;
  if (rest < 0n) {
    rest += NS;
    s -= 1n;
  }
  out[at] = Number(s);
  out[at + 1] = Number(rest);
}

/** glibc's gnu_dev_major/minor: the Linux dev_t layout. */
export function splitDevice(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

/** A Stats from node:fs in the same numbers (a single lstat on the way to a file). */
export function fromStats(st: BigIntStats, out: Float64Array, at = 0): void {
  const device = splitDevice(st.rdev);
  out[at + F.errno] = 0;
  out[at + F.inoHigh] = Number(st.ino >> 32n);
  out[at + F.inoLow] = Number(st.ino & 0xffff_ffffn);
  out[at + F.mode] = Number(st.mode);
  out[at + F.nlink] = Number(st.nlink);
  out[at + F.uid] = Number(st.uid);
  out[at + F.gid] = Number(st.gid);
  out[at + F.size] = Number(st.size);
  out[at + F.blocks] = Number(st.blocks);
  out[at + F.rdevMajor] = device.major;
  out[at + F.rdevMinor] = device.minor;
  putTime(st.atimeNs, out, at + F.atime);
  putTime(st.mtimeNs, out, at + F.mtime);
  putTime(st.ctimeNs, out, at + F.ctime);
  putTime(st.birthtimeNs, out, at + F.btime);
}

export const statErrno = (raw: ArrayLike<number>, at = 0): number => raw[at + F.errno]!;
export const inoOf = (raw: ArrayLike<number>, at = 0): bigint => (BigInt(raw[at + F.inoHigh]!) << 32n) | BigInt(raw[at + F.inoLow]!);
const nsAt = (raw: ArrayLike<number>, at: number): bigint => BigInt(raw[at]!) * NS + BigInt(raw[at + 1]!);
/** Birth time in ns (0 where the file system keeps none): tells a reused inode number from the file it was. */
export const bornOf = (raw: ArrayLike<number>, at = 0): bigint => nsAt(raw, at + F.btime);

/**
 * Same numbers but perhaps the access time: the attributes made from `a` still hold for `b`. A read or a listing
 * moves atime (once a day under relatime, every time under strictatime); no client judges its cache by atime,
 * and counting it would throw away everything made from the attributes for nothing. So a kept atime can lag.
 */
export function sameStat(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): boolean {
  for (let i = 0; i < STAT_FIELDS; i++) {
    if (i === F.atime || i === F.atime + 1) continue;
    if (a[ai + i] !== b[bi + i]) return false;
  }
  return true;
}

const S_IFMT = 0o170000;
const TYPES = new Map<number, FileType>([
  [0o100000, 'reg'],
  [0o040000, 'dir'],
  [0o120000, 'lnk'],
  [0o060000, 'blk'],
  [0o020000, 'chr'],
  [0o010000, 'fifo'],
  [0o140000, 'sock'],
]);

export function attributesFromStat(raw: ArrayLike<number>, at = 0): FileAttributes {
  const mode = raw[at + F.mode]!;
  return {
    type: TYPES.get(mode & S_IFMT) ?? 'sock',
    mode: mode & 0o7777,
    nlink: raw[at + F.nlink]!,
    uid: raw[at + F.uid]!,
    gid: raw[at + F.gid]!,
    size: BigInt(raw[at + F.size]!),
    used: BigInt(raw[at + F.blocks]!) * 512n,
    rdev: { major: raw[at + F.rdevMajor]!, minor: raw[at + F.rdevMinor]! },
    fileId: inoOf(raw, at),
    atimeNs: nsAt(raw, at + F.atime),
    mtimeNs: nsAt(raw, at + F.mtime),
    ctimeNs: nsAt(raw, at + F.ctime),
  };
}
