// NFSv3 attribute and file-system procedures over a View (RFC 1813 §3.3.1 GETATTR, §3.3.2 SETATTR, §3.3.4 ACCESS,
// §3.3.18 FSSTAT, §3.3.19 FSINFO, §3.3.20 PATHCONF).
import type {
  AccessArgs,
  AccessRes,
  FsinfoArgs,
  FsinfoRes,
  FsstatArgs,
  FsstatRes,
  GetattrArgs,
  GetattrRes,
  PathconfArgs,
  PathconfRes,
  SetattrArgs,
  SetattrRes,
} from '../nfs3-attr-procs.js';
import { nfstime3FromNs, sameNfstime3, wccData } from '../fattr.js';
import { Nfs3Status } from '../nfs3-status.js';
import { Access3, EMPTY_WCC, FsfProperty } from '../nfs3-types.js';
import { grantedAccess } from '../permissions.js';
import { planSetattr } from '../setattr-plan.js';
import { open, type NfsCall } from './nfs-call.js';
import { viewStatus } from './view-status.js';

export const MAX_TRANSFER = 1024 * 1024;
const TRANSFER_MULTIPLE = 4096;
const DIR_PREFERRED = 64 * 1024;
/** Room left for RPC and NFS headers around a READ or WRITE payload when a datagram bounds the transfer. */
const HEADER_ALLOWANCE = 1024;

export async function getattr(call: NfsCall, args: GetattrArgs): Promise<GetattrRes> {
  const found = await open(call, args.object);
  if (!found.ok) return { status: found.status };
  return { status: Nfs3Status.ok, objAttributes: found.target.fattr(found.attrs) };
}

export async function setattr(call: NfsCall, args: SetattrArgs): Promise<SetattrRes> {
  const found = await open(call, args.object);
  if (!found.ok) return { status: found.status, objWcc: EMPTY_WCC };
  const { target, attrs } = found;
  const unchanged = wccData(attrs, attrs, target.exp.fsid);
  if (target.readOnly) return { status: Nfs3Status.rofs, objWcc: unchanged };
  if (args.guard !== null && !sameNfstime3(args.guard, nfstime3FromNs(attrs.ctimeNs))) return { status: Nfs3Status.notSync, objWcc: unchanged };
  const planned = planSetattr(attrs, args.newAttributes, target.who, call.nowNs());
  if ('refusal' in planned) return { status: planned.refusal, objWcc: unchanged };
  if (Object.keys(planned.changes).length === 0) return { status: Nfs3Status.ok, objWcc: unchanged };
  const after = await target.view.setattr(target.id, planned.changes);
  if (!after.ok) return { status: viewStatus(after.error), objWcc: wccData(attrs, null, target.exp.fsid) };
  return { status: Nfs3Status.ok, objWcc: wccData(attrs, after.value, target.exp.fsid) };
}

/** Changing bits are never granted on a read-only export, whatever the mode says (nfsd_access). */
const CHANGE_BITS = Access3.modify | Access3.extend | Access3.delete;

export async function access(call: NfsCall, args: AccessArgs): Promise<AccessRes> {
  const found = await open(call, args.object);
  if (!found.ok) return { status: found.status, objAttributes: null };
  const { target, attrs } = found;
  let granted = grantedAccess(attrs, target.who) & args.access;
  if (target.readOnly) granted &= ~CHANGE_BITS;
  return { status: Nfs3Status.ok, objAttributes: target.fattr(attrs), access: granted };
}

export async function fsstat(call: NfsCall, args: FsstatArgs): Promise<FsstatRes> {
  const found = await open(call, args.fsroot);
  if (!found.ok) return { status: found.status, objAttributes: null };
  const { target, attrs } = found;
  const stats = await target.view.fsstat();
  if (!stats.ok) return { status: viewStatus(stats.error), objAttributes: target.fattr(attrs) };
  const s = stats.value;
  return {
    status: Nfs3Status.ok,
    objAttributes: target.fattr(attrs),
    tbytes: s.totalBytes,
    fbytes: s.freeBytes,
    abytes: s.availBytes,
    tfiles: s.totalFiles,
    ffiles: s.freeFiles,
    afiles: s.availFiles,
    // The layer changes under the client at any time: nothing may be cached.
    invarsec: 0,
  };
}

/**
 * The largest READ or WRITE payload: 1 MiB, or over UDP what a datagram carries after the headers, in whole
 * pages, so a client that believes FSINFO never asks for a reply the transport cannot send.
 */
export function maxTransfer(room: number): number {
  if (!Number.isFinite(room)) return MAX_TRANSFER;
  const fits = Math.floor((room - HEADER_ALLOWANCE) / TRANSFER_MULTIPLE) * TRANSFER_MULTIPLE;
  return Math.max(TRANSFER_MULTIPLE, Math.min(MAX_TRANSFER, fits));
}

export async function fsinfo(call: NfsCall, args: FsinfoArgs): Promise<FsinfoRes> {
  const found = await open(call, args.fsroot);
  if (!found.ok) return { status: found.status, objAttributes: null };
  const transfer = maxTransfer(call.room);
  return {
    status: Nfs3Status.ok,
    objAttributes: found.target.fattr(found.attrs),
    rtmax: transfer,
    rtpref: transfer,
    rtmult: TRANSFER_MULTIPLE,
    wtmax: transfer,
    wtpref: transfer,
    wtmult: TRANSFER_MULTIPLE,
    dtpref: Math.min(DIR_PREFERRED, transfer),
    maxfilesize: 2n ** 63n - 1n,
    timeDelta: { seconds: 0, nseconds: 1 },
    properties: FsfProperty.link | FsfProperty.symlink | FsfProperty.homogeneous | FsfProperty.canSetTime,
  };
}

export async function pathconf(call: NfsCall, args: PathconfArgs): Promise<PathconfRes> {
  const found = await open(call, args.object);
  if (!found.ok) return { status: found.status, objAttributes: null };
  return {
    status: Nfs3Status.ok,
    objAttributes: found.target.fattr(found.attrs),
    linkmax: 32000,
    nameMax: 255,
    noTrunc: true,
    chownRestricted: true,
    caseInsensitive: false,
    casePreserving: true,
  };
}
