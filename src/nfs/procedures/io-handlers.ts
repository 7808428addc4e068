// NFSv3 data procedures over a View (RFC 1813 §3.3.6 READ, §3.3.7 WRITE, §3.3.21 COMMIT).
import { closeSync } from 'node:fs';
import { wccData } from '../fattr.js';
import type { FileSlice } from '../../rpc/xdr-writer.js';
import type { CommitArgs, CommitRes, ReadArgs, ReadReply, WriteArgs, WriteRes } from '../nfs3-io-procs.js';
import { Nfs3Status, type Nfs3ErrorStat } from '../nfs3-status.js';
import { EMPTY_WCC, FATTR3_SIZE, StableHow, type NfsFh3, type StableHowValue, type WccData } from '../nfs3-types.js';
import { mayReadData, mayWriteData } from '../permissions.js';
import type { FileAttributes, FileRange, Stability } from '../view/view.js';
import { MAX_TRANSFER } from './attr-handlers.js';
import { BufferPool } from '../../net/buffer-pool.js';
import { open, type NfsCall, type Target } from './nfs-call.js';
import { readAhead } from './read-ahead.js';
import { viewStatus } from './view-status.js';

/** Read buffers up to the largest READ, shared by every export; at most 16 MiB of them idle. */
const READ_BUFFERS = new BufferPool(16 * MAX_TRANSFER, MAX_TRANSFER);
const READ_AHEAD = readAhead(READ_BUFFERS);

/** status, post_op_attr, count, eof, the data's length word and up to 3 fill bytes. */
const READ_OVERHEAD = 4 + 4 + FATTR3_SIZE + 4 + 4 + 4 + 3;

const STABILITY: Readonly<Record<StableHowValue, Stability>> = {
  [StableHow.unstable]: 'unstable',
  [StableHow.dataSync]: 'data',
  [StableHow.fileSync]: 'file',
};
const STABLE_HOW: Readonly<Record<Stability, StableHowValue>> = {
  unstable: StableHow.unstable,
  data: StableHow.dataSync,
  file: StableHow.fileSync,
};

/** READ, WRITE and COMMIT act on regular files: a directory is ISDIR, anything else INVAL. */
function notAFile(a: FileAttributes): Nfs3ErrorStat | null {
  if (a.type === 'dir') return Nfs3Status.isdir;
  return a.type === 'reg' ? null : Nfs3Status.inval;
}

/**
 * From this many bytes a READ's data goes from the file to the socket inside the kernel, where the transport can
 * (TCP with the sendfile addon): no pread into our memory, no copy out of it. Smaller reads are copied, since
 * a send from the kernel holds the connection's other replies until it is done.
 */
const FROM_KERNEL_AT = 64 * 1024;

export async function read(call: NfsCall, args: ReadArgs): Promise<ReadReply> {
  const found = await open(call, args.file);
  if (!found.ok) return { status: found.status, fileAttributes: null };
  const { target, attrs } = found;
  const fileAttributes = target.fattr(attrs);
  const wrong = notAFile(attrs);
  if (wrong !== null) return { status: wrong, fileAttributes };
  if (!mayReadData(attrs, target.who)) return { status: Nfs3Status.acces, fileAttributes };
  // A short read is legal (the client asks again from where it ended), so fitting a datagram costs only a round trip.
  const count = Math.max(0, Math.min(args.count, MAX_TRANSFER, call.room - READ_OVERHEAD));
  if (call.holdFile !== undefined && target.view.openRange !== undefined && count >= FROM_KERNEL_AT) {
    const range = await target.view.openRange(target.id, BigInt(args.offset), count);
    if (!range.ok) return { status: viewStatus(range.error), fileAttributes };
    const slice = holdSlice(call.holdFile, range.value);
    if (slice !== null) {
      // On the loop: closing a duplicate only drops a reference (the view keeps the file open), and a trip through
      // the thread pool for it cost more than the READ's own send from the page cache.
      call.whenSent(() => closeSync(slice.fd));
      return { status: Nfs3Status.ok, fileAttributes, eof: range.value.eof, data: slice };
    }
  }
  const ahead = READ_AHEAD.take(target.view, target.id, args.offset, count);
  const buffer = ahead?.buffer ?? READ_BUFFERS.take(count);
  call.whenSent(() => READ_BUFFERS.give(buffer));
  const got = await (ahead?.read ?? target.view.read(target.id, BigInt(args.offset), count, buffer));
  // The attributes from before the read stand for after it: a read changes nothing a client caches, and this
  // saves a getattr on the busiest procedure.
  if (!got.ok) return { status: viewStatus(got.error), fileAttributes };
  if (!got.value.eof && got.value.data.length === count) READ_AHEAD.start(target.view, target.id, args.offset + count, count);
  return { status: Nfs3Status.ok, fileAttributes, eof: got.value.eof, data: got.value.data };
}

/** The range on a descriptor of the reply's own; null when the view's file is closing or none can be had. */
function holdSlice(holdFile: (fd: number) => number, range: FileRange): FileSlice | null {
  const fd = range.file.fd;
  // -1: the view is closing the file (its handle cache moved on); the copying path opens it again.
  if (fd < 0) return null;
  try {
    return { fd: holdFile(fd), offset: range.offset, length: range.length };
  } catch {
    // Out of descriptors, say: copying needs none.
    return null;
  }
}

type Changeable = { readonly ok: true; readonly target: Target; readonly attrs: FileAttributes } | { readonly ok: false; readonly status: Nfs3ErrorStat; readonly fileWcc: WccData };

/** WRITE and COMMIT: a regular file of a writable export. */
async function openFileForChange(call: NfsCall, fh: NfsFh3): Promise<Changeable> {
  const found = await open(call, fh);
  if (!found.ok) return { ok: false, status: found.status, fileWcc: EMPTY_WCC };
  const { target, attrs } = found;
  const refuse = (status: Nfs3ErrorStat): Changeable => ({ ok: false, status, fileWcc: wccData(attrs, attrs, target.exp.fsid) });
  if (target.readOnly) return refuse(Nfs3Status.rofs);
  const wrong = notAFile(attrs);
  return wrong === null ? found : refuse(wrong);
}

/** wcc_data of a file after a change: its attributes from before, and now. */
async function fileWccAfter(target: Target, before: FileAttributes): Promise<WccData> {
  const after = await target.getattr();
  return wccData(before, after.ok ? after.value : null, target.exp.fsid);
}

export async function write(call: NfsCall, args: WriteArgs): Promise<WriteRes> {
  const found = await openFileForChange(call, args.file);
  if (!found.ok) return { status: found.status, fileWcc: found.fileWcc };
  const { target, attrs } = found;
  if (!mayWriteData(attrs, target.who)) return { status: Nfs3Status.acces, fileWcc: wccData(attrs, attrs, target.exp.fsid) };
  const written = await target.view.write(target.id, BigInt(args.offset), args.data, STABILITY[args.stable], call.keepArgs);
  // Attributes after a write still going to the file would wait for it, which is what answering early saves:
  // wcc_data then has none (RFC 1813 §2.6 allows it), and a client asks for them when it needs them.
  const fileWcc = written.ok && written.value.pending === true ? wccData(attrs, null, target.exp.fsid) : await fileWccAfter(target, attrs);
  if (!written.ok) return { status: viewStatus(written.error), fileWcc };
  return {
    status: Nfs3Status.ok,
    fileWcc,
    count: args.data.length,
    committed: STABLE_HOW[written.value.committed],
    verf: call.writeVerifier,
  };
}

/** The whole file is committed whatever range is asked: the View syncs files, not ranges, and more is allowed. */
export async function commit(call: NfsCall, args: CommitArgs): Promise<CommitRes> {
  const found = await openFileForChange(call, args.file);
  if (!found.ok) return { status: found.status, fileWcc: found.fileWcc };
  const { target, attrs } = found;
  const done = await target.view.commit(target.id);
  const fileWcc = await fileWccAfter(target, attrs);
  if (!done.ok) return { status: viewStatus(done.error), fileWcc };
  return { status: Nfs3Status.ok, fileWcc, verf: call.writeVerifier };
}
