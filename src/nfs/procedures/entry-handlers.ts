// NFSv3 procedures that remove, move or add a name of an existing object over a View (RFC 1813 §3.3.12 REMOVE,
// §3.3.13 RMDIR, §3.3.14 RENAME, §3.3.15 LINK).
import type { LinkArgs, LinkRes, RemoveArgs, RemoveRes, RenameArgs, RenameRes, RmdirArgs, RmdirRes } from '../nfs3-name-procs.js';
import { Nfs3Status, type Nfs3ErrorStat } from '../nfs3-status.js';
import { EMPTY_WCC, type NfsFh3 } from '../nfs3-types.js';
import { mayDelete, mayReparent } from '../permissions.js';
import type { FileAttributes, ViewResult } from '../view/view.js';
import { dirWccAfter, openDirForChange, unchangedWcc } from './dir-change.js';
import { open, type NfsCall, type Target } from './nfs-call.js';
import { newNameStatus, oldNameStatus } from './names.js';
import { viewStatus } from './view-status.js';

/** The object a name in a directory holds, with its attributes. */
async function entryOf(target: Target, dirId: bigint, name: string): Promise<ViewResult<FileAttributes>> {
  const id = await target.view.lookup(dirId, name);
  return id.ok ? target.getattr(id.value) : id;
}

async function removeName(call: NfsCall, args: RemoveArgs, directory: boolean): Promise<RemoveRes> {
  const opened = await openDirForChange(call, args.object, oldNameStatus);
  if (!opened.ok) return { status: opened.status, dirWcc: opened.wcc };
  const { target, dir } = opened;
  const entry = await entryOf(target, target.id, args.object.name);
  if (!entry.ok) return { status: viewStatus(entry.error), dirWcc: unchangedWcc(target, dir) };
  if (!mayDelete(dir, entry.value, target.who)) return { status: Nfs3Status.acces, dirWcc: unchangedWcc(target, dir) };
  const removed = await target.view.remove(target.id, args.object.name, directory);
  const dirWcc = await dirWccAfter(target, target.id, dir);
  return removed.ok ? { status: Nfs3Status.ok, dirWcc } : { status: viewStatus(removed.error), dirWcc };
}

export function remove(call: NfsCall, args: RemoveArgs): Promise<RemoveRes> {
  return removeName(call, args, false);
}

export function rmdir(call: NfsCall, args: RmdirArgs): Promise<RmdirRes> {
  return removeName(call, args, true);
}

/** Both handles must name files of one export: a rename or link between exports (or machines' layers) is XDEV. */
function crossesExports(call: NfsCall, a: NfsFh3, b: NfsFh3): boolean {
  const first = call.resolve(a);
  const second = call.resolve(b);
  return first.ok && second.ok && first.target.exp.id !== second.target.exp.id;
}

export async function rename(call: NfsCall, args: RenameArgs): Promise<RenameRes> {
  const failed = (status: Nfs3ErrorStat, fromdirWcc = EMPTY_WCC, todirWcc = EMPTY_WCC): RenameRes => ({ status, fromdirWcc, todirWcc });
  if (crossesExports(call, args.from.dir, args.to.dir)) return failed(Nfs3Status.xdev);
  const from = await openDirForChange(call, args.from, oldNameStatus);
  if (!from.ok) return failed(from.status, from.wcc);
  const to = await openDirForChange(call, args.to, oldNameStatus);
  if (!to.ok) return failed(to.status, unchangedWcc(from.target, from.dir), to.wcc);
  const refuse = (status: Nfs3ErrorStat): RenameRes => failed(status, unchangedWcc(from.target, from.dir), unchangedWcc(to.target, to.dir));
  const { target, dir: fromDir } = from;
  const who = target.who;
  const source = await entryOf(target, target.id, args.from.name);
  if (!source.ok) return refuse(viewStatus(source.error));
  if (!mayDelete(fromDir, source.value, who)) return refuse(Nfs3Status.acces);
  const replaced = await entryOf(target, to.target.id, args.to.name);
  if (!replaced.ok && replaced.error !== 'NOENT') return refuse(viewStatus(replaced.error));
  if (replaced.ok && !mayDelete(to.dir, replaced.value, who)) return refuse(Nfs3Status.acces);
  if (source.value.type === 'dir' && target.id !== to.target.id && !mayReparent(source.value, who)) return refuse(Nfs3Status.acces);
  const moved = await target.view.rename(target.id, args.from.name, to.target.id, args.to.name);
  const fromdirWcc = await dirWccAfter(target, target.id, fromDir);
  const todirWcc = target.id === to.target.id ? fromdirWcc : await dirWccAfter(target, to.target.id, to.dir);
  return moved.ok ? { status: Nfs3Status.ok, fromdirWcc, todirWcc } : { status: viewStatus(moved.error), fromdirWcc, todirWcc };
}

export async function link(call: NfsCall, args: LinkArgs): Promise<LinkRes> {
  const failed = (status: Nfs3ErrorStat, fileAttributes: LinkRes['fileAttributes'] = null, linkdirWcc = EMPTY_WCC): LinkRes => ({ status, fileAttributes, linkdirWcc });
  if (crossesExports(call, args.file, args.link.dir)) return failed(Nfs3Status.xdev);
  const file = await open(call, args.file);
  if (!file.ok) return failed(file.status);
  const fileAttributes = file.target.fattr(file.attrs);
  const opened = await openDirForChange(call, args.link, newNameStatus);
  if (!opened.ok) return failed(opened.status, fileAttributes, opened.wcc);
  const { target, dir } = opened;
  // A directory with two parents would make '..' ambiguous and cycles possible.
  if (file.attrs.type === 'dir') return failed(Nfs3Status.isdir, fileAttributes, unchangedWcc(target, dir));
  const linked = await target.view.link(file.target.id, target.id, args.link.name);
  const linkdirWcc = await dirWccAfter(target, target.id, dir);
  const after = await target.postOp(file.target.id);
  return linked.ok ? { status: Nfs3Status.ok, fileAttributes: after, linkdirWcc } : { status: viewStatus(linked.error), fileAttributes: after, linkdirWcc };
}
