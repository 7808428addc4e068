// NFSv3 status codes (RFC 1813 §2.6 nfsstat3) and the result union every procedure's reply is built on.
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';

export const Nfs3Status = {
  ok: 0,
  perm: 1,
  noent: 2,
  io: 5,
  nxio: 6,
  acces: 13,
  exist: 17,
  xdev: 18,
  nodev: 19,
  notdir: 20,
  isdir: 21,
  inval: 22,
  fbig: 27,
  nospc: 28,
  rofs: 30,
  mlink: 31,
  nametoolong: 63,
  notempty: 66,
  dquot: 69,
  stale: 70,
  remote: 71,
  badhandle: 10001,
  notSync: 10002,
  badCookie: 10003,
  notsupp: 10004,
  toosmall: 10005,
  serverfault: 10006,
  badtype: 10007,
  jukebox: 10008,
} as const;

export type Nfs3Stat = (typeof Nfs3Status)[keyof typeof Nfs3Status];
export type Nfs3ErrorStat = Exclude<Nfs3Stat, typeof Nfs3Status.ok>;

const statNames = new Map<number, string>(
  Object.entries(Nfs3Status).map(([name, value]) =>
    [value, value === 0 ? 'NFS3_OK' : `NFS3ERR_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`],
  ),
);

/** The RFC's name (NFS3ERR_NOENT), for logs. */
export function nfs3StatName(stat: number): string {
  return statNames.get(stat) ?? `nfsstat3 ${stat}`;
}

export const NFS3_STATS: ReadonlySet<Nfs3Stat> = new Set(Object.values(Nfs3Status));

/**
 * Every NFSv3 result is `switch (nfsstat3 status) { case NFS3_OK: resok; default: resfail }`: a status beside
 * the fields of whichever arm it selects.
 */
export type Nfs3Result<Ok, Fail> =
  | ({ readonly status: typeof Nfs3Status.ok } & Ok)
  | ({ readonly status: Nfs3ErrorStat } & Fail);

export function readNfs3Result<Ok, Fail>(
  r: XdrReader,
  readOk: (r: XdrReader) => Ok,
  readFail: (r: XdrReader) => Fail,
): Nfs3Result<Ok, Fail> {
  const status = r.enumOf(NFS3_STATS, 'nfsstat3');
  if (status === Nfs3Status.ok) return { status, ...readOk(r) };
  return { status, ...readFail(r) };
}

export function writeNfs3Result<Ok, Fail>(
  w: XdrWriter,
  res: Nfs3Result<Ok, Fail>,
  writeOk: (w: XdrWriter, ok: Ok) => void,
  writeFail: (w: XdrWriter, fail: Fail) => void,
): void {
  w.enum(res.status);
  if (res.status === Nfs3Status.ok) writeOk(w, res as Ok);
  else writeFail(w, res as Fail);
}
