// NFSv3 procedures that make a new object over a View (RFC 1813 §3.3.8 CREATE, §3.3.9 MKDIR, §3.3.10 SYMLINK,
// §3.3.11 MKNOD).
import type { CreateArgs, CreateRes, MkdirArgs, MkdirRes, MknodArgs, MknodRes, NewObjectRes, SymlinkArgs, SymlinkRes } from '../nfs3-name-procs.js';
import { SATTR3_NONE, type Sattr3 } from '../nfs3-sattr.js';
import { Nfs3Status, type Nfs3Stat } from '../nfs3-status.js';
import { Ftype3, type Diropargs3 } from '../nfs3-types.js';
import { planNewNode, type NodeRequest } from '../new-node.js';
import { mayChangeEntries } from '../permissions.js';
import { planSetattr } from '../setattr-plan.js';
import type { FileAttributes } from '../view/view.js';
import { dirWccAfter, openDirForChange, unchangedWcc } from './dir-change.js';
import type { NfsCall, Target } from './nfs-call.js';
import { newNameStatus } from './names.js';
import { viewStatus } from './view-status.js';

/** Size and times of sattr3 cannot be given to View.make: they are set on the object once it exists. */
const laterAttributes = (s: Sattr3): Sattr3 => ({ ...SATTR3_NONE, size: s.size, atime: s.atime, mtime: s.mtime });
const hasAny = (s: Sattr3): boolean => s.size !== null || s.atime !== null || s.mtime !== null;

async function makeObject(call: NfsCall, where: Diropargs3, request: NodeRequest): Promise<NewObjectRes> {
  const opened = await openDirForChange(call, where, newNameStatus);
  if (!opened.ok) return { status: opened.status, dirWcc: opened.wcc };
  return makeIn(call, opened.target, opened.dir, where.name, request);
}

async function makeIn(call: NfsCall, target: Target, dir: FileAttributes, name: string, request: NodeRequest): Promise<NewObjectRes> {
  const plan = planNewNode(dir, request, target.who);
  if ('refusal' in plan) return { status: plan.refusal, dirWcc: unchangedWcc(target, dir) };
  const made = await target.view.make(target.id, name, plan.node);
  if (!made.ok) return { status: viewStatus(made.error), dirWcc: await dirWccAfter(target, target.id, dir) };
  const later = laterAttributes(request.attributes);
  const status = hasAny(later) ? await applyAttributes(call, target, made.value, later) : Nfs3Status.ok;
  const dirWcc = await dirWccAfter(target, target.id, dir);
  if (status !== Nfs3Status.ok) return { status, dirWcc };
  return { status, obj: target.handle(made.value), objAttributes: await target.postOp(made.value), dirWcc };
}

/** SETATTR's rules and effects on a file of this export, for what CREATE asks beyond making it. */
async function applyAttributes(call: NfsCall, target: Target, id: bigint, s: Sattr3): Promise<Nfs3Stat> {
  const attrs = await target.getattr(id);
  if (!attrs.ok) return viewStatus(attrs.error);
  const plan = planSetattr(attrs.value, s, target.who, call.nowNs());
  if ('refusal' in plan) return plan.refusal;
  const done = await target.view.setattr(id, plan.changes);
  return done.ok ? Nfs3Status.ok : viewStatus(done.error);
}

export async function create(call: NfsCall, args: CreateArgs): Promise<CreateRes> {
  const how = args.how;
  if (how.mode === 'exclusive') {
    // The view keeps the verifier with the file, so a retransmitted CREATE finds its own file, not EXIST.
    const exclusive = Buffer.from(how.verf).toString('hex');
    return makeObject(call, args.where, { type: 'reg', attributes: SATTR3_NONE, exclusive });
  }
  if (how.mode === 'guarded') return makeObject(call, args.where, { type: 'reg', attributes: how.attributes });
  return createUnchecked(call, args.where, how.attributes);
}

/** UNCHECKED: an existing regular file is the answer, truncated when a size is given; nothing else of sattr applies. */
async function createUnchecked(call: NfsCall, where: Diropargs3, attributes: Sattr3): Promise<CreateRes> {
  const opened = await openDirForChange(call, where, newNameStatus, 'search');
  if (!opened.ok) return { status: opened.status, dirWcc: opened.wcc };
  const { target, dir } = opened;
  const existing = await target.view.lookup(target.id, where.name);
  if (!existing.ok && existing.error !== 'NOENT') return { status: viewStatus(existing.error), dirWcc: await dirWccAfter(target, target.id, dir) };
  if (!existing.ok) {
    if (!mayChangeEntries(dir, target.who)) return { status: Nfs3Status.acces, dirWcc: unchangedWcc(target, dir) };
    return makeIn(call, target, dir, where.name, { type: 'reg', attributes });
  }
  const id = existing.value;
  const attrs = await target.getattr(id);
  let status: Nfs3Stat = attrs.ok ? (attrs.value.type === 'reg' ? Nfs3Status.ok : Nfs3Status.exist) : viewStatus(attrs.error);
  if (status === Nfs3Status.ok && attributes.size !== null) status = await applyAttributes(call, target, id, { ...SATTR3_NONE, size: attributes.size });
  const dirWcc = await dirWccAfter(target, target.id, dir);
  if (status !== Nfs3Status.ok) return { status, dirWcc };
  return { status, obj: target.handle(id), objAttributes: await target.postOp(id), dirWcc };
}

export async function mkdir(call: NfsCall, args: MkdirArgs): Promise<MkdirRes> {
  return makeObject(call, args.where, { type: 'dir', attributes: args.attributes });
}

export async function symlink(call: NfsCall, args: SymlinkArgs): Promise<SymlinkRes> {
  return makeObject(call, args.where, { type: 'lnk', attributes: args.symlinkAttributes, target: args.symlinkData });
}

export async function mknod(call: NfsCall, args: MknodArgs): Promise<MknodRes> {
  const what = args.what;
  switch (what.type) {
    case Ftype3.chr:
    case Ftype3.blk:
      return makeObject(call, args.where, {
        type: what.type === Ftype3.chr ? 'chr' : 'blk',
        attributes: what.devAttributes,
        rdev: { major: what.spec.specdata1, minor: what.spec.specdata2 },
      });
    case Ftype3.sock:
    case Ftype3.fifo:
      return makeObject(call, args.where, { type: what.type === Ftype3.sock ? 'sock' : 'fifo', attributes: what.pipeAttributes });
    default: {
      // Regular files, directories and symlinks have their own procedures.
      const opened = await openDirForChange(call, args.where, newNameStatus);
      if (!opened.ok) return { status: opened.status, dirWcc: opened.wcc };
      return { status: Nfs3Status.badtype, dirWcc: unchangedWcc(opened.target, opened.dir) };
    }
  }
}
