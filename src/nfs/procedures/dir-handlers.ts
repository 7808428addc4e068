// NFSv3 directory listing over a View (RFC 1813 §3.3.16 READDIR, §3.3.17 READDIRPLUS), sized to the client's
// counts and to the transport's reply limit, each page resuming at the cookie where the last one stopped.
import type { XdrWriter } from '../../rpc/xdr-writer.js';
import {
  encodeReaddirplusRes,
  encodeReaddirRes,
  entry3Size,
  type Entry3,
  type Entryplus3,
  type ReaddirArgs,
  type ReaddirplusArgs,
  type ReaddirplusRes,
  type ReaddirRes,
} from '../nfs3-readdir.js';
import { HANDLE_BYTES } from '../file-handle.js';
import { Nfs3Status, type Nfs3ErrorStat } from '../nfs3-status.js';
import { FATTR3_SIZE, postOpFh3Size, type PostOpAttr } from '../nfs3-types.js';
import { mayList } from '../permissions.js';
import type { FileAttributes, ReadDirPage, ViewResult } from '../view/view.js';
import { open, type NfsCall, type Target } from './nfs-call.js';
import { viewStatus } from './view-status.js';

/** Status, post_op_attr, cookieverf, the list's end and eof: a reply with no entries. */
const LIST_OVERHEAD = 4 + 4 + FATTR3_SIZE + 8 + 4 + 4;
/** The smallest entry3 (a name of up to 4 bytes), so a page never asks the view for fewer entries than fit. */
const MIN_ENTRY3 = 4 + 8 + 4 + 4 + 8;
/** What READDIRPLUS adds to an entry3: its post_op_attr and post_op_fh3, both present. */
const PLUS_EXTRA = 4 + FATTR3_SIZE + postOpFh3Size(Buffer.alloc(HANDLE_BYTES));
/** Above any count a client sends (1 MiB / 28 bytes); bounds the work one call can ask of the view. */
const MAX_PAGE = 40_000;

/** RFC 1813 leaves the count to the client; the reply must also fit the transport. */
export const readdirLimit = (args: ReaddirArgs, room: number): number => Math.min(args.count, room);
export const readdirplusLimits = (args: ReaddirplusArgs, room: number): { dircount: number; maxcount: number } => ({
  dircount: args.dircount,
  maxcount: Math.min(args.maxcount, room),
});

export function encodeReaddirReply(w: XdrWriter, res: ReaddirRes, args: ReaddirArgs, room: number): void {
  encodeReaddirRes(w, res, readdirLimit(args, room));
}

export function encodeReaddirplusReply(w: XdrWriter, res: ReaddirplusRes, args: ReaddirplusArgs, room: number): void {
  encodeReaddirplusRes(w, res, readdirplusLimits(args, room));
}

const verifierOf = (bytes: Uint8Array): bigint => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readBigUInt64BE(0);

function verifierBytes(verifier: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt.asUintN(64, verifier));
  return out;
}

/** The most entries that could fit in `bytes`, at least one so that a too small count is answered TOOSMALL. */
function pageSize(bytes: number, entryBytes: number): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.floor((bytes - LIST_OVERHEAD) / entryBytes)));
}

type Listing =
  | { readonly ok: true; readonly target: Target; readonly page: ReadDirPage; readonly res: { readonly dirAttributes: PostOpAttr; readonly cookieverf: Buffer } }
  | { readonly ok: false; readonly res: { readonly status: Nfs3ErrorStat; readonly dirAttributes: PostOpAttr } };

async function list(call: NfsCall, dirFh: Uint8Array, cookie: bigint, cookieverf: Uint8Array, max: number): Promise<Listing> {
  const found = await open(call, dirFh);
  if (!found.ok) return { ok: false, res: { status: found.status, dirAttributes: null } };
  const { target, attrs } = found;
  const dirAttributes = target.fattr(attrs);
  if (attrs.type !== 'dir') return { ok: false, res: { status: Nfs3Status.notdir, dirAttributes } };
  if (!mayList(attrs, target.who)) return { ok: false, res: { status: Nfs3Status.acces, dirAttributes } };
  const page = await target.view.readdir(target.id, cookie, verifierOf(cookieverf), max);
  if (!page.ok) return { ok: false, res: { status: viewStatus(page.error), dirAttributes } };
  return { ok: true, target, page: page.value, res: { dirAttributes, cookieverf: verifierBytes(page.value.verifier) } };
}

export async function readdir(call: NfsCall, args: ReaddirArgs): Promise<ReaddirRes> {
  const listing = await list(call, args.dir, args.cookie, args.cookieverf, pageSize(readdirLimit(args, call.room), MIN_ENTRY3));
  if (!listing.ok) return listing.res;
  const entries: Entry3[] = listing.page.entries.map((e) => ({ fileid: e.fileId, name: e.name, cookie: e.cookie }));
  // The encoder cuts the list to the count; eof then goes out only if nothing was cut.
  return { status: Nfs3Status.ok, ...listing.res, entries, eof: listing.page.eof };
}

export async function readdirplus(call: NfsCall, args: ReaddirplusArgs): Promise<ReaddirplusRes> {
  const limits = readdirplusLimits(args, call.room);
  const byMaxcount = pageSize(limits.maxcount, MIN_ENTRY3 + PLUS_EXTRA);
  const byDircount = Math.floor(limits.dircount / MIN_ENTRY3) + 1;
  const listing = await list(call, args.dir, args.cookie, args.cookieverf, Math.min(byMaxcount, byDircount));
  if (!listing.ok) return listing.res;
  const { target, page } = listing;
  // Attributes cost a getattr each: read them only for the entries that will fit, as the encoder will count them.
  const fitting = fittingEntries(page, limits);
  const shown = page.entries.slice(0, fitting);
  // The listing has just read most of them; the rest all at once, rather than each waiting for its own trip
  // through the file system's thread pool.
  const at: Array<ViewResult<FileAttributes> | Promise<ViewResult<FileAttributes>>> = shown.map((e) => {
    const now = target.view.attributesNow(e.fileId);
    return now !== undefined ? { ok: true, value: now } : target.getattr(e.fileId);
  });
  const attributes = at.some((a) => a instanceof Promise) ? await Promise.all(at) : (at as ViewResult<FileAttributes>[]);
  const entries: Entryplus3[] = shown.map((e, i) => {
    const attrs = attributes[i]!;
    return {
      fileid: e.fileId,
      name: e.name,
      cookie: e.cookie,
      nameAttributes: attrs.ok ? target.fattr(attrs.value) : null,
      nameHandle: attrs.ok ? target.handle(e.fileId) : null,
    };
  });
  return { status: Nfs3Status.ok, ...listing.res, entries, eof: page.eof && fitting === page.entries.length };
}

/** How many entries of the page fit maxcount and dircount (the first exempt from dircount, as nfs3-readdir.ts counts). */
function fittingEntries(page: ReadDirPage, limits: { dircount: number; maxcount: number }): number {
  let total = LIST_OVERHEAD;
  let dirBytes = 0;
  let n = 0;
  for (const e of page.entries) {
    const size = entry3Size({ fileid: e.fileId, name: e.name, cookie: e.cookie });
    total += size + PLUS_EXTRA;
    dirBytes += size;
    if (total > limits.maxcount || (n > 0 && dirBytes > limits.dircount)) break;
    n++;
  }
  // Not even one: the encoder answers TOOSMALL, which needs one entry to know it does not fit.
  return Math.max(n, Math.min(1, page.entries.length));
}
