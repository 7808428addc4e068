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
import { FATTR3_SIZE, postOpAttrSize, postOpFh3Size, writePostOpAttr, writeVerf8, type PostOpAttr } from '../nfs3-types.js';
import { ListingCache } from '../view/listing-cache.js';
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

/**
 * READDIRPLUS pages as written (entries, the list's end and eof), by view, generation, directory, cookie and
 * counts: a client lists the same directories again and again (`ls -l`, a desktop, `find`), and while the view's
 * epoch stays nothing on such a page can have changed. Only over TCP, where no transport limit cuts a page.
 */
const PAGE_BYTES_KEPT = 8 * 1024 * 1024;
interface KeptPage {
  readonly epoch: number;
  readonly body: Buffer;
  readonly cookieverf: Buffer;
  /** The parent directory, when the page shows '..': its attributes are on the page too. */
  readonly parent: bigint | undefined;
}
const pages = new ListingCache<KeptPage, string>(PAGE_BYTES_KEPT, (p) => p.body.length);
const viewIds = new WeakMap<object, number>();
/** Pages answered from `pages` (withoutView: by keptPageNow): tests read it to know a page was kept, not built again. */
export const keptPagesServed = { count: 0, withoutView: 0 };
let nextViewId = 1;

/** READDIRPLUS results with the page already written, or a way to keep the page once it is. */
type PlusRes = ReaddirplusRes & { readonly written?: Buffer; readonly keep?: (body: Buffer) => void };

export function encodeReaddirplusReply(w: XdrWriter, res: ReaddirplusRes, args: ReaddirplusArgs, room: number): void {
  const plus = res as PlusRes;
  if (plus.written !== undefined && res.status === Nfs3Status.ok) {
    w.enum(Nfs3Status.ok);
    writePostOpAttr(w, res.dirAttributes);
    writeVerf8(w, res.cookieverf, 'cookieverf3');
    // By reference: a kept page is never changed, and the transport copies the record once anyway.
    w.appendRaw(plus.written);
    return;
  }
  const start = w.length;
  const written = encodeReaddirplusRes(w, res, readdirplusLimits(args, room));
  if (plus.keep !== undefined && written.status === Nfs3Status.ok && res.status === Nfs3Status.ok) {
    plus.keep(w.copySince(start + 4 + postOpAttrSize(res.dirAttributes) + 8));
  }
}

function pageKey(target: Target, args: ReaddirplusArgs, limits: { dircount: number; maxcount: number }): string {
  let viewId = viewIds.get(target.view);
  if (viewId === undefined) viewIds.set(target.view, (viewId = nextViewId++));
  return `${viewId}:${target.exp.generation()}:${target.id}:${args.cookie}:${limits.dircount}:${limits.maxcount}`;
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
  | {
      readonly ok: true;
      readonly target: Target;
      readonly page: ReadDirPage;
      /** The view's epoch from before the page was read (undefined: the view keeps none). */
      readonly epoch: number | undefined;
      readonly res: { readonly dirAttributes: PostOpAttr; readonly cookieverf: Buffer };
    }
  | { readonly ok: false; readonly res: { readonly status: Nfs3ErrorStat; readonly dirAttributes: PostOpAttr } };

async function list(call: NfsCall, dirFh: Uint8Array, cookie: bigint, cookieverf: Uint8Array, max: number): Promise<Listing> {
  const found = await open(call, dirFh);
  if (!found.ok) return { ok: false, res: { status: found.status, dirAttributes: null } };
  const { target, attrs } = found;
  const dirAttributes = target.fattr(attrs);
  if (attrs.type !== 'dir') return { ok: false, res: { status: Nfs3Status.notdir, dirAttributes } };
  if (!mayList(attrs, target.who)) return { ok: false, res: { status: Nfs3Status.acces, dirAttributes } };
  const epoch = target.view.epoch?.();
  const page = await target.view.readdir(target.id, cookie, verifierOf(cookieverf), max);
  if (!page.ok) return { ok: false, res: { status: viewStatus(page.error), dirAttributes } };
  return { ok: true, target, page: page.value, epoch, res: { dirAttributes, cookieverf: verifierBytes(page.value.verifier) } };
}

export async function readdir(call: NfsCall, args: ReaddirArgs): Promise<ReaddirRes> {
  const listing = await list(call, args.dir, args.cookie, args.cookieverf, pageSize(readdirLimit(args, call.room), MIN_ENTRY3));
  if (!listing.ok) return listing.res;
  const entries: Entry3[] = listing.page.entries.map((e) => ({ fileid: e.fileId, name: e.name, cookie: e.cookie }));
  // The encoder cuts the list to the count; eof then goes out only if nothing was cut.
  return { status: Nfs3Status.ok, ...listing.res, entries, eof: listing.page.eof };
}

export function readdirplus(call: NfsCall, args: ReaddirplusArgs): PlusRes | Promise<PlusRes> {
  const limits = readdirplusLimits(args, call.room);
  return keptPageNow(call, args, limits) ?? readPage(call, args, limits);
}

/** The long way: the page read from the view, its entries' attributes, and the page kept for next time. */
async function readPage(call: NfsCall, args: ReaddirplusArgs, limits: { dircount: number; maxcount: number }): Promise<PlusRes> {
  const byMaxcount = pageSize(limits.maxcount, MIN_ENTRY3 + PLUS_EXTRA);
  const byDircount = Math.floor(limits.dircount / MIN_ENTRY3) + 1;
  const listing = await list(call, args.dir, args.cookie, args.cookieverf, Math.min(byMaxcount, byDircount));
  if (!listing.ok) return listing.res;
  const { target, page, epoch } = listing;
  const key = epoch !== undefined && call.room === Infinity ? pageKey(target, args, limits) : null;
  if (key !== null) {
    const kept = pages.get(key);
    if (kept !== undefined) {
      // The listing has just brought its entries' attributes up to date, and '.' was read to open the directory;
      // '..' is another directory's, brought up to date here. Any change among them moves the epoch.
      const parent = page.entries.find((e) => e.name === '..');
      if (parent !== undefined) await target.getattr(parent.fileId);
      if (kept.epoch === target.view.epoch?.()) {
        keptPagesServed.count++;
        return { status: Nfs3Status.ok, ...listing.res, entries: [], eof: false, written: kept.body };
      }
    }
  }
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
  const res = { status: Nfs3Status.ok, ...listing.res, entries, eof: page.eof && fitting === page.entries.length } as const;
  if (key === null || epoch === undefined) return res;
  const parent = shown.find((e) => e.name === '..')?.fileId;
  return { ...res, keep: (body: Buffer) => pages.set(key, { epoch, body, cookieverf: listing.res.cookieverf, parent }) };
}

/**
 * The kept page, answered without a trip through the view: when the directory's listing is fresh (names and every
 * entry's attributes, as the long way's listing would find them without a look at the file system), so are the
 * directory's and its parent's attributes, and the epoch has not moved since the page was written. Then the long
 * way would serve this page too, after ~10 awaits (open, getattr, readdir, list...); a fresh server interprets
 * those until V8 has compiled them, ~600 calls a listing. null: take the long way.
 */
function keptPageNow(call: NfsCall, args: ReaddirplusArgs, limits: { dircount: number; maxcount: number }): PlusRes | null {
  if (call.room !== Infinity) return null;
  const resolved = call.resolve(args.dir);
  if (!resolved.ok) return null;
  const { target } = resolved;
  const { view } = target;
  const epoch = view.epoch?.();
  if (epoch === undefined || view.listingFreshNow === undefined) return null;
  const kept = pages.get(pageKey(target, args, limits));
  if (kept === undefined || kept.epoch !== epoch) return null;
  const attrs = view.attributesNow(target.id);
  if (attrs === undefined || attrs.type !== 'dir' || !mayList(attrs, target.who)) return null;
  // The long way's view refuses a golden cookie with another verifier (BAD_COOKIE).
  if (args.cookie !== 0n && !kept.cookieverf.equals(args.cookieverf)) return null;
  if (!view.listingFreshNow(target.id)) return null;
  if (kept.parent !== undefined && view.attributesNow(kept.parent) === undefined) return null;
  keptPagesServed.count++;
  keptPagesServed.withoutView++;
  return { status: Nfs3Status.ok, dirAttributes: target.fattr(attrs), cookieverf: kept.cookieverf, entries: [], eof: false, written: kept.body };
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
