// Who may do what to a file, from its mode, owner and group (POSIX.1 file access, RFC 1813 §3.3.4 ACCESS,
// §3.3.2 SETATTR), decided as Linux's nfsd decides it: pure.
//
// The View does not check permissions (view.ts); the handlers ask here first. Refusals that POSIX answers with
// EPERM (not the owner) are PERM, those it answers with EACCES (mode bits) are ACCES, as nfsd maps them.
import type { FileAttributes } from './view/view.js';
import { Access3 } from './nfs3-types.js';

/** The caller, as export-access.ts's effectiveIdentity() gives it (already root-squashed). */
export interface Identity {
  readonly uid: number;
  readonly gid: number;
  readonly gids: readonly number[];
}

export type Refusal = 'PERM' | 'ACCES';

type Subject = Pick<FileAttributes, 'type' | 'mode' | 'uid' | 'gid'>;

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;
const S_IXGRP = 0o010;

export const isRoot = (who: Identity): boolean => who.uid === 0;
const owns = (who: Identity, a: Subject): boolean => who.uid === a.uid;

export function inGroup(who: Identity, gid: number): boolean {
  return who.gid === gid || who.gids.includes(gid);
}

/**
 * rwx as a 3-bit number. Only one class applies (an owner denied by its own bits is not saved by the group's);
 * root reads and writes anything and executes what has any x bit, or any directory (CAP_DAC_OVERRIDE).
 */
export function modeBits(a: Subject, who: Identity): number {
  if (isRoot(who)) return 0o6 | (a.type === 'dir' || (a.mode & 0o111) !== 0 ? 0o1 : 0);
  if (owns(who, a)) return (a.mode >> 6) & 0o7;
  if (inGroup(who, a.gid)) return (a.mode >> 3) & 0o7;
  return a.mode & 0o7;
}

const R = 0o4;
const W = 0o2;
const X = 0o1;

/**
 * ACCESS3 bits granted (RFC 1813 §3.3.4), as Linux's nfs3_diraccess/nfs3_regaccess: on a directory READ is r,
 * LOOKUP x, MODIFY/EXTEND/DELETE w and x (a name changes only in a directory one can search); on anything else
 * READ r, MODIFY/EXTEND w, EXECUTE x. LOOKUP and DELETE mean nothing on a file, EXECUTE nothing on a directory.
 */
export function grantedAccess(a: Subject, who: Identity): number {
  const bits = modeBits(a, who);
  let granted = 0;
  if (bits & R) granted |= Access3.read;
  if (a.type === 'dir') {
    if (bits & X) granted |= Access3.lookup;
    if ((bits & (W | X)) === (W | X)) granted |= Access3.modify | Access3.extend | Access3.delete;
  } else {
    if (bits & W) granted |= Access3.modify | Access3.extend;
    if (bits & X) granted |= Access3.execute;
  }
  return granted;
}

/** LOOKUP in a directory. */
export function maySearch(dir: Subject, who: Identity): boolean {
  return (modeBits(dir, who) & X) !== 0;
}

/** READDIR and READDIRPLUS of a directory. */
export function mayList(dir: Subject, who: Identity): boolean {
  return (modeBits(dir, who) & R) !== 0;
}

/** Adding or removing a name: w and x on the directory. */
export function mayChangeEntries(dir: Subject, who: Identity): boolean {
  return (modeBits(dir, who) & (W | X)) === (W | X);
}

/** Removing (or renaming away, or replacing) `entry` in `dir`: in a sticky directory only its owner, the directory's, or root. */
export function mayDelete(dir: Subject, entry: Subject, who: Identity): boolean {
  if (!mayChangeEntries(dir, who)) return false;
  if ((dir.mode & S_ISVTX) === 0 || isRoot(who)) return true;
  return owns(who, dir) || owns(who, entry);
}

/**
 * READ of a file's data. The owner always may, and so may whoever may execute it: the client checked the mode
 * at open, and a program with mode 0711 must still be readable to be run (nfsd's OWNER_OVERRIDE, READ_IF_EXEC).
 */
export function mayReadData(a: Subject, who: Identity): boolean {
  return owns(who, a) || (modeBits(a, who) & (R | X)) !== 0;
}

/** WRITE (and truncation): the owner always may, so a file created read-only can still be filled (nfsd's OWNER_OVERRIDE). */
export function mayWriteData(a: Subject, who: Identity): boolean {
  return owns(who, a) || (modeBits(a, who) & W) !== 0;
}

/** What a SETATTR asks to change, for the permission decision. */
export interface SetattrAsk {
  readonly mode?: boolean;
  readonly uid?: number;
  readonly gid?: number;
  readonly size?: boolean;
  /** How the times are set, when either is. */
  readonly atime?: 'server' | 'client';
  readonly mtime?: 'server' | 'client';
}

/**
 * SETATTR's rules (POSIX chmod/chown/truncate/utimensat): chmod and times set to a client's value by the owner
 * or root; a new owner by root only; a group by root, or by the owner to a group it is in; a size by whoever
 * may write the data; times set to "now" by the owner, root or whoever may write.
 */
export function setattrRefusal(a: Subject, ask: SetattrAsk, who: Identity): Refusal | null {
  if (isRoot(who)) return null;
  const owner = owns(who, a);
  if (ask.mode === true && !owner) return 'PERM';
  if (ask.uid !== undefined && !(owner && ask.uid === a.uid)) return 'PERM';
  if (ask.gid !== undefined && !(owner && (ask.gid === a.gid || inGroup(who, ask.gid)))) return 'PERM';
  if ((ask.atime === 'client' || ask.mtime === 'client') && !owner) return 'PERM';
  if (ask.size === true && !mayWriteData(a, who)) return 'ACCES';
  if ((ask.atime === 'server' || ask.mtime === 'server') && !owner && (modeBits(a, who) & W) === 0) return 'ACCES';
  return null;
}

/** chmod by someone not root and not in the file's group cannot set the setgid bit on a file (Linux drops it silently). */
export function permittedMode(a: Subject, mode: number, gid: number, who: Identity): number {
  const bits = mode & 0o7777;
  if (a.type === 'dir' || isRoot(who) || inGroup(who, gid)) return bits;
  return bits & ~S_ISGID;
}

/**
 * A change of owner or group strips setuid, and setgid where the group may execute (setgid without group x is
 * mandatory locking, kept), from anything but a directory: nfsd_sanitize_attrs, then the VFS's ATTR_KILL_S*ID.
 */
export function modeAfterOwnerChange(type: FileAttributes['type'], mode: number): number {
  if (type === 'dir') return mode;
  let out = mode & ~S_ISUID;
  if (out & S_IXGRP) out &= ~S_ISGID;
  return out;
}

/** The group a new object gets: asked for, else the directory's when it is setgid (BSD semantics), else the caller's. */
export function newObjectGroup(dir: Subject, who: Identity, asked: number | null): number {
  if (asked !== null) return asked;
  return (dir.mode & S_ISGID) !== 0 ? dir.gid : who.gid;
}

/** A directory made in a setgid directory is setgid too, so the group keeps passing down. */
export function newDirectoryMode(parent: Subject, mode: number): number {
  return (parent.mode & S_ISGID) !== 0 ? mode | S_ISGID : mode;
}

/** Moving a directory to another parent rewrites its '..': that needs write permission on the directory itself. */
export function mayReparent(dir: Subject, who: Identity): boolean {
  return (modeBits(dir, who) & W) !== 0;
}
