// SETATTR's sattr3 turned into the View's changes, or the status that refuses it (RFC 1813 §3.3.2, POSIX
// chmod/chown/truncate/utimensat as Linux's nfsd applies them): pure.
import { nsFromNfstime3 } from './fattr.js';
import type { Sattr3 } from './nfs3-sattr.js';
import { Nfs3Status } from './nfs3-status.js';
import { modeAfterOwnerChange, permittedMode, setattrRefusal, type Identity, type SetattrAsk } from './permissions.js';
import type { AttributeChanges, FileAttributes } from './view/view.js';

export type SetattrPlan = { readonly changes: AttributeChanges } | { readonly refusal: typeof Nfs3Status.perm | typeof Nfs3Status.acces | typeof Nfs3Status.isdir | typeof Nfs3Status.inval };

/**
 * sattr3 into the View's changes, or why not. An owner or group set to what it already is asks nothing (as
 * nfsd_sanitize_attrs drops it), so `chown` to oneself works for the owner and does not strip set-id bits.
 */
export function planSetattr(attrs: FileAttributes, s: Sattr3, who: Identity, nowNs: bigint): SetattrPlan {
  if (s.size !== null && attrs.type === 'dir') return { refusal: Nfs3Status.isdir };
  if (s.size !== null && attrs.type !== 'reg') return { refusal: Nfs3Status.inval };
  const uid = s.uid !== null && s.uid !== attrs.uid ? s.uid : undefined;
  const gid = s.gid !== null && s.gid !== attrs.gid ? s.gid : undefined;
  const ask: SetattrAsk = {
    mode: s.mode !== null,
    ...(uid === undefined ? {} : { uid }),
    ...(gid === undefined ? {} : { gid }),
    size: s.size !== null,
    ...(s.atime === null ? {} : { atime: s.atime.how }),
    ...(s.mtime === null ? {} : { mtime: s.mtime.how }),
  };
  const refusal = setattrRefusal(attrs, ask, who);
  if (refusal !== null) return { refusal: refusal === 'PERM' ? Nfs3Status.perm : Nfs3Status.acces };
  let mode = s.mode === null ? undefined : permittedMode(attrs, s.mode, gid ?? attrs.gid, who);
  if (uid !== undefined || gid !== undefined) {
    const stripped = modeAfterOwnerChange(attrs.type, mode ?? attrs.mode);
    if (mode !== undefined || stripped !== attrs.mode) mode = stripped;
  }
  const time = (t: Sattr3['atime']): bigint | undefined => (t === null ? undefined : t.how === 'server' ? nowNs : nsFromNfstime3(t.time));
  const atimeNs = time(s.atime);
  const mtimeNs = time(s.mtime);
  return {
    changes: {
      ...(mode === undefined ? {} : { mode }),
      ...(uid === undefined ? {} : { uid }),
      ...(gid === undefined ? {} : { gid }),
      ...(s.size === null ? {} : { size: BigInt(s.size) }),
      ...(atimeNs === undefined ? {} : { atimeNs }),
      ...(mtimeNs === undefined ? {} : { mtimeNs }),
    },
  };
}
