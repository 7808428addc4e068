// The nfsstat3 (RFC 1813 §2.6) a View's error name stands for.
import { Nfs3Status, type Nfs3ErrorStat } from '../nfs3-status.js';
import type { ViewError } from '../view/view.js';

const STATUS: Readonly<Record<ViewError, Nfs3ErrorStat>> = {
  NOENT: Nfs3Status.noent,
  NOTDIR: Nfs3Status.notdir,
  ISDIR: Nfs3Status.isdir,
  INVAL: Nfs3Status.inval,
  NAMETOOLONG: Nfs3Status.nametoolong,
  STALE: Nfs3Status.stale,
  ACCES: Nfs3Status.acces,
  ROFS: Nfs3Status.rofs,
  IO: Nfs3Status.io,
  BAD_COOKIE: Nfs3Status.badCookie,
  EXIST: Nfs3Status.exist,
  NOTEMPTY: Nfs3Status.notempty,
  NOSPC: Nfs3Status.nospc,
  FBIG: Nfs3Status.fbig,
  MLINK: Nfs3Status.mlink,
  NOTSUPP: Nfs3Status.notsupp,
};

export function viewStatus(error: ViewError): Nfs3ErrorStat {
  return STATUS[error];
}
