// The owner, group and mode of an object CREATE, MKDIR, SYMLINK or MKNOD makes (RFC 1813 §3.3.8-11 leave them to
// the server; these are POSIX's and Linux's choices): pure.
import type { Sattr3 } from './nfs3-sattr.js';
import { Nfs3Status } from './nfs3-status.js';
import { isRoot, newDirectoryMode, newObjectGroup, permittedMode, setattrRefusal, type Identity } from './permissions.js';
import type { FileAttributes, FileType, NewNode } from './view/view.js';

/** Modes when the client sends none: what a umask of 022 leaves. */
export const DEFAULT_MODE: Readonly<Record<FileType, number>> = {
  reg: 0o644,
  dir: 0o755,
  lnk: 0o777,
  chr: 0o644,
  blk: 0o644,
  sock: 0o644,
  fifo: 0o644,
};

export interface NodeRequest {
  readonly type: FileType;
  /** mode, uid and gid are taken from here; size and times are the caller's to apply once the object exists. */
  readonly attributes: Sattr3;
  readonly rdev?: { readonly major: number; readonly minor: number };
  readonly target?: string;
  readonly exclusive?: string;
}

export type NodePlan = { readonly node: NewNode } | { readonly refusal: typeof Nfs3Status.perm };

/**
 * The caller owns what it makes. Asking for another owner is root's right only, another group the right of
 * root or a member (chown's rules, as the object is the caller's from its first moment); device nodes need
 * root (CAP_MKNOD). A symlink's mode is always 0777: no system uses it.
 */
export function planNewNode(dir: FileAttributes, request: NodeRequest, who: Identity): NodePlan {
  const s = request.attributes;
  if ((request.type === 'chr' || request.type === 'blk') && !isRoot(who)) return { refusal: Nfs3Status.perm };
  const gid = newObjectGroup(dir, who, null);
  const fresh = { type: request.type, mode: 0, uid: who.uid, gid };
  const ask = { ...(s.uid === null ? {} : { uid: s.uid }), ...(s.gid === null ? {} : { gid: s.gid }) };
  if (setattrRefusal(fresh, ask, who) !== null) return { refusal: Nfs3Status.perm };
  const uid = s.uid ?? who.uid;
  const group = newObjectGroup(dir, who, s.gid);
  let mode = request.type === 'lnk' ? 0o777 : permittedMode(fresh, s.mode ?? DEFAULT_MODE[request.type], group, who);
  if (request.type === 'dir') mode = newDirectoryMode(dir, mode);
  return {
    node: {
      type: request.type,
      mode,
      uid,
      gid: group,
      ...(request.rdev === undefined ? {} : { rdev: request.rdev }),
      ...(request.target === undefined ? {} : { target: request.target }),
      ...(request.exclusive === undefined ? {} : { exclusive: request.exclusive }),
    },
  };
}
