// MOUNT protocol version 3 (RFC 1813 appendix I, program 100005 version 3): procedure numbers, mountstat3 and the
// argument and result codecs of MNT, DUMP, UMNT, UMNTALL and EXPORT, both directions.
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';

export const MOUNT_PROGRAM = 100005;
export const MOUNT_V3 = 3;

export const MNTPATHLEN = 1024;
export const MNTNAMLEN = 255;
export const FHSIZE3 = 64;
/** RFC 1813 leaves auth_flavors<> unbounded; no server offers more than a handful. */
export const MAX_AUTH_FLAVORS = 64;
/** A client-side bound on DUMP and EXPORT lists and on an export's groups. */
export const MAX_MOUNT_LIST = 65_536;

export const Mount3Proc = { null: 0, mnt: 1, dump: 2, umnt: 3, umntall: 4, export: 5 } as const;

const procNames = new Map<number, string>(Object.entries(Mount3Proc).map(([name, v]) => [v, `MOUNTPROC3_${name.toUpperCase()}`]));

export function mount3ProcName(proc: number): string {
  return procNames.get(proc) ?? `MOUNTv3 procedure ${proc}`;
}

export const Mount3Status = {
  ok: 0,
  perm: 1,
  noent: 2,
  io: 5,
  acces: 13,
  notdir: 20,
  inval: 22,
  nametoolong: 63,
  notsupp: 10004,
  serverfault: 10006,
} as const;

export type Mount3Stat = (typeof Mount3Status)[keyof typeof Mount3Status];
const MOUNT3_STATS: ReadonlySet<Mount3Stat> = new Set(Object.values(Mount3Status));

const statNames = new Map<number, string>(
  Object.entries(Mount3Status).map(([name, v]) => [v, v === 0 ? 'MNT3_OK' : `MNT3ERR_${name.toUpperCase()}`]),
);

export function mount3StatName(stat: number): string {
  return statNames.get(stat) ?? `mountstat3 ${stat}`;
}

/** MNT's result: the export's root handle and the flavors it accepts (AuthFlavor numbers), or an error. */
export type MntRes =
  | { readonly status: typeof Mount3Status.ok; readonly fhandle: Uint8Array; readonly authFlavors: readonly number[] }
  | { readonly status: Exclude<Mount3Stat, typeof Mount3Status.ok> };

/** mountbody: who mounted what (DUMP). */
export interface MountBody {
  readonly hostname: string;
  readonly directory: string;
}

/** exportnode: a directory and the groups (host names, netgroups) allowed to mount it (EXPORT). */
export interface ExportNode {
  readonly dir: string;
  readonly groups: readonly string[];
}

export function readDirpath(r: XdrReader): string {
  return r.string(MNTPATHLEN, 'dirpath');
}

export function writeDirpath(w: XdrWriter, path: string): void {
  checkLength(path, MNTPATHLEN, 'dirpath');
  w.string(path);
}

function readName(r: XdrReader, what: string): string {
  return r.string(MNTNAMLEN, what);
}

function writeName(w: XdrWriter, name: string, what: string): void {
  checkLength(name, MNTNAMLEN, what);
  w.string(name);
}

function checkLength(text: string, max: number, what: string): void {
  const length = Buffer.byteLength(text, 'utf8');
  if (length > max) throw new RangeError(`${what} of ${length} bytes is above ${max}`);
}

// MNT (and UMNT, whose argument is the same dirpath)

export const decodeMntArgs = readDirpath;
export const encodeMntArgs = writeDirpath;
export const decodeUmntArgs = readDirpath;
export const encodeUmntArgs = writeDirpath;

export function decodeMntRes(r: XdrReader): MntRes {
  const status = r.enumOf(MOUNT3_STATS, 'mountstat3');
  if (status !== Mount3Status.ok) return { status };
  return {
    status,
    fhandle: r.opaque(FHSIZE3, 'fhandle3'),
    authFlavors: r.array(MAX_AUTH_FLAVORS, (x) => x.int(), 'auth_flavors'),
  };
}

export function encodeMntRes(w: XdrWriter, res: MntRes): void {
  w.enum(res.status);
  if (res.status !== Mount3Status.ok) return;
  if (res.fhandle.length > FHSIZE3) throw new RangeError(`fhandle3 of ${res.fhandle.length} bytes is above ${FHSIZE3}`);
  w.opaque(res.fhandle);
  w.array(res.authFlavors, (x, flavor) => x.int(flavor));
}

// DUMP

export function decodeDumpRes(r: XdrReader): MountBody[] {
  return r.list(
    MAX_MOUNT_LIST,
    (x) => ({ hostname: readName(x, 'ml_hostname'), directory: readDirpath(x) }),
    'mountlist',
  );
}

export function encodeDumpRes(w: XdrWriter, list: readonly MountBody[]): void {
  w.list(list, (x, m) => {
    writeName(x, m.hostname, 'ml_hostname');
    writeDirpath(x, m.directory);
  });
}

// EXPORT

export function decodeExportRes(r: XdrReader): ExportNode[] {
  return r.list(
    MAX_MOUNT_LIST,
    (x) => ({ dir: readDirpath(x), groups: x.list(MAX_MOUNT_LIST, (g) => readName(g, 'gr_name'), 'groups') }),
    'exports',
  );
}

export function encodeExportRes(w: XdrWriter, exports: readonly ExportNode[]): void {
  w.list(exports, (x, e) => {
    writeDirpath(x, e.dir);
    x.list(e.groups, (g, name) => writeName(g, name, 'gr_name'));
  });
}
