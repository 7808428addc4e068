// The checks before any procedure that adds or removes a name in a directory (RFC 1813 §3.3.8-15): the directory
// exists, is one, may change (export and View writable, w+x for the caller), and the name is acceptable.
import { wccData } from '../fattr.js';
import { Nfs3Status, type Nfs3ErrorStat } from '../nfs3-status.js';
import { EMPTY_WCC, type Diropargs3, type WccData } from '../nfs3-types.js';
import { mayChangeEntries, maySearch } from '../permissions.js';
import type { FileAttributes } from '../view/view.js';
import { open, type NfsCall, type Target } from './nfs-call.js';

export type ChangeableDir =
  | { readonly ok: true; readonly target: Target; readonly dir: FileAttributes }
  /** `wcc`: the directory's attributes, unchanged, when they were read. */
  | { readonly ok: false; readonly status: Nfs3ErrorStat; readonly wcc: WccData };

/**
 * `entries: 'search'` asks only x on the directory, for CREATE UNCHECKED of a name that may already hold a file:
 * truncating that file needs write permission on it, not on the directory (nfsd checks create permission only
 * once it knows the name is free).
 */
export async function openDirForChange(
  call: NfsCall,
  where: Diropargs3,
  checkName: (name: string) => Nfs3ErrorStat | null,
  entries: 'change' | 'search' = 'change',
): Promise<ChangeableDir> {
  const found = await open(call, where.dir);
  if (!found.ok) return { ok: false, status: found.status, wcc: EMPTY_WCC };
  const { target, attrs } = found;
  const refuse = (status: Nfs3ErrorStat): ChangeableDir => ({ ok: false, status, wcc: unchangedWcc(target, attrs) });
  if (target.readOnly) return refuse(Nfs3Status.rofs);
  if (attrs.type !== 'dir') return refuse(Nfs3Status.notdir);
  const bad = checkName(where.name);
  if (bad !== null) return refuse(bad);
  const allowed = entries === 'change' ? mayChangeEntries(attrs, target.who) : maySearch(attrs, target.who);
  if (!allowed) return refuse(Nfs3Status.acces);
  return { ok: true, target, dir: attrs };
}

/** wcc_data of a directory after a change: its attributes from before, and now. */
export async function dirWccAfter(target: Target, dirId: bigint, before: FileAttributes): Promise<WccData> {
  const after = await target.getattr(dirId);
  return wccData(before, after.ok ? after.value : null, target.exp.fsid);
}

/** wcc_data of a directory a refused call did not touch. */
export function unchangedWcc(target: Target, dir: FileAttributes): WccData {
  return wccData(dir, dir, target.exp.fsid);
}
