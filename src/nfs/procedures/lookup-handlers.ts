// NFSv3 name resolution over a View (RFC 1813 §3.3.3 LOOKUP, §3.3.5 READLINK).
import type { LookupArgs, LookupRes, ReadlinkArgs, ReadlinkRes } from '../nfs3-name-procs.js';
import { Nfs3Status } from '../nfs3-status.js';
import { maySearch } from '../permissions.js';
import { open, type NfsCall } from './nfs-call.js';
import { nameStatus } from './names.js';
import { viewStatus } from './view-status.js';

/** LOOKUPs answered by lookupNow: tests read it to know the view was not asked. */
export const lookupsWithoutView = { count: 0 };

export function lookup(call: NfsCall, args: LookupArgs): LookupRes | Promise<LookupRes> {
  return lookupNow(call, args) ?? lookupView(call, args);
}

/** The long way, through the view; also every failure. */
async function lookupView(call: NfsCall, args: LookupArgs): Promise<LookupRes> {
  const found = await open(call, args.what.dir);
  if (!found.ok) return { status: found.status, dirAttributes: null };
  const { target, attrs } = found;
  const dirAttributes = target.fattr(attrs);
  if (attrs.type !== 'dir') return { status: Nfs3Status.notdir, dirAttributes };
  if (!maySearch(attrs, target.who)) return { status: Nfs3Status.acces, dirAttributes };
  const name = args.what.name;
  // '.' and '..' are what a client may look up; other names must be one well-formed component.
  const bad = name === '.' || name === '..' ? null : nameStatus(name);
  if (bad !== null) return { status: bad, dirAttributes };
  const id = await target.view.lookup(target.id, name);
  if (!id.ok) return { status: viewStatus(id.error), dirAttributes };
  return { status: Nfs3Status.ok, object: target.handle(id.value), objAttributes: await target.postOp(id.value), dirAttributes };
}

/**
 * The answer from what the view has at hand (the directory's and the file's attributes fresh, the name in a kept
 * listing), as the long way would give it after ~6 awaits; a client walking a tree asks one per directory. null:
 * take the long way, which also answers every failure.
 */
function lookupNow(call: NfsCall, args: LookupArgs): LookupRes | null {
  const resolved = call.resolve(args.what.dir);
  if (!resolved.ok) return null;
  const { target } = resolved;
  const { view } = target;
  const name = args.what.name;
  if (view.lookupNow === undefined || name === '.' || name === '..' || nameStatus(name) !== null) return null;
  const dir = view.attributesNow(target.id);
  if (dir === undefined || dir.type !== 'dir' || !maySearch(dir, target.who)) return null;
  const id = view.lookupNow(target.id, name);
  if (id === undefined) return null;
  const attrs = view.attributesNow(id);
  if (attrs === undefined) return null;
  lookupsWithoutView.count++;
  return { status: Nfs3Status.ok, object: target.handle(id), objAttributes: target.fattr(attrs), dirAttributes: target.fattr(dir) };
}

export async function readlink(call: NfsCall, args: ReadlinkArgs): Promise<ReadlinkRes> {
  const found = await open(call, args.symlink);
  if (!found.ok) return { status: found.status, symlinkAttributes: null };
  const { target, attrs } = found;
  const symlinkAttributes = target.fattr(attrs);
  if (attrs.type !== 'lnk') return { status: Nfs3Status.inval, symlinkAttributes };
  const link = await target.view.readlink(target.id);
  if (!link.ok) return { status: viewStatus(link.error), symlinkAttributes };
  return { status: Nfs3Status.ok, symlinkAttributes, data: link.value };
}
