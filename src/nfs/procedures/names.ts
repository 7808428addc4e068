// Which names a procedure that adds or removes one may be given (RFC 1813 §3.3.3 filename3 rules, §3.3.8-15).
import { Nfs3Status, type Nfs3ErrorStat } from '../nfs3-status.js';
import { checkName } from '../view/view.js';
import { viewStatus } from './view-status.js';

export const isDotName = (name: string): boolean => name === '.' || name === '..';

/** INVAL or NAMETOOLONG for a name that is not one component; null when it is. */
export function nameStatus(name: string): Nfs3ErrorStat | null {
  const bad = checkName(name);
  return bad === null ? null : viewStatus(bad);
}

/** A name to create: '.' and '..' always exist (nfsd answers EXIST too). */
export function newNameStatus(name: string): Nfs3ErrorStat | null {
  return isDotName(name) ? Nfs3Status.exist : nameStatus(name);
}

/** A name to remove or rename: '.' and '..' cannot be (RFC 1813 §3.3.13 allows INVAL). */
export function oldNameStatus(name: string): Nfs3ErrorStat | null {
  return isDotName(name) ? Nfs3Status.inval : nameStatus(name);
}
