// A machine's view of a diskless root: the shared golden folder plus that machine's own layer (RFC 1813 semantics).
//
// Reads fall through to the golden folder until a file changes; the first change copies the file's bytes into
// the layer's content store under the same id, so the client's handle stays valid. Deleting or renaming away a
// golden name leaves a whiteout. Names, owners, modes, devices and links of the layer live in its log
// (layer-state.ts), so the golden folder is never written and the host needs no privileges for a client's
// root-owned files. Changes to names run one at a time and are answered only once their log line is on disk.
import { join } from 'node:path';
import type { Logger } from '../../log/logger.js';
import { inCookieOrder, pageAfter } from './dir-cookies.js';
import type { GoldenView } from './golden-view.js';
import { openContentStore } from './layer-content.js';
import { openLayerLog } from './layer-log.js';
import { ListingCache } from './listing-cache.js';
import { LAYER_ID_BIT, type Dentry, type InodeMeta, type LayerRecord } from './layer-state.js';
import {
  checkName,
  type AttributeChanges,
  type DirEntry,
  type FileAttributes,
  type NewNode,
  type View,
  type ViewError,
  type ViewResult,
} from './view.js';

export interface LayeredViewOptions {
  readonly golden: GoldenView;
  /** The machine's layer folder: meta.jsonl and content/ go here. */
  readonly folder: string;
  readonly log: Logger;
  /** Nanoseconds since the epoch; tests pass their own clock. */
  readonly now?: () => bigint;
}

export interface LayeredView extends View {
  lookupNow(dirId: bigint, name: string): bigint | undefined;
  listingFreshNow(dirId: bigint): boolean;
  /** Flushes the log and closes every file; the view answers nothing after this. */
  close(): Promise<void>;
}

const ok = <T>(value: T): ViewResult<T> => ({ ok: true, value });
const fail = (error: ViewError): ViewResult<never> => ({ ok: false, error });
const isLayerId = (id: bigint): boolean => (id & LAYER_ID_BIT) !== 0n;
const NO_DEVICE = { major: 0, minor: 0 };

/** A content file's write or sync that failed as disks fail, as NFS names it; anything else is our bug and thrown. */
function writeFailure(error: unknown): ViewResult<never> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return fail('NOSPC');
  if (code === 'EFBIG') return fail('FBIG');
  if (code === 'EIO') return fail('IO');
  throw error;
}
/** Entries of directory listings kept in their cookie order, for clients paging through one directory. */
const LISTED_KEPT = 50_000;

/** What one change did: the records to log, what to answer, and what to do once the records are on disk. */
interface Change<T> {
  readonly records: LayerRecord[];
  readonly value: T;
  readonly after?: () => Promise<void>;
}

export async function openLayeredView(options: LayeredViewOptions): Promise<LayeredView> {
  const { golden } = options;
  const clock = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  // Strictly increasing: clients notice a directory changed by its mtime, so two changes must never share one.
  let last = 0n;
  const now = (): bigint => {
    const t = clock();
    last = t > last ? t : last + 1n;
    return last;
  };
  const layer = await openLayerLog(join(options.folder, 'meta.jsonl'), options.log);
  const content = await openContentStore(join(options.folder, 'content'));
  const state = layer.state();
  const rootId = golden.rootId;

  // --- where ids live ---

  /** The golden name of a golden id (null for the root, or an id the golden folder does not have). */
  const goldenDentry = async (id: bigint): Promise<Dentry | null> => {
    if (isLayerId(id) || id === rootId) return null;
    const place = await golden.placeOf(id);
    return place === null ? null : { parent: place.parent, name: place.name };
  };
  const whitedOut = (at: Dentry): boolean => state.whiteouts.get(at.parent)?.has(at.name) === true;

  /** The golden name still shows in the merged tree. */
  /** A golden name is gone once deleted (whited out) or taken by a name of the layer. */
  const goldenNameGone = (at: Dentry): boolean => whitedOut(at) || state.children.get(at.parent)?.has(at.name) === true;

  const goldenNameLives = async (id: bigint): Promise<boolean> => {
    const at = await goldenDentry(id);
    return at !== null && !goldenNameGone(at);
  };

  /** An id is reachable while it has a name in the merged tree; a removed file's handle answers STALE. */
  const alive = async (id: bigint): Promise<boolean> =>
    id === rootId || state.names.has(id) || (!isLayerId(id) && (await goldenNameLives(id)));

  const parentOf = async (dirId: bigint): Promise<bigint> => {
    if (dirId === rootId) return rootId;
    const named = state.names.get(dirId);
    if (named !== undefined && named.length > 0) return named[0]!.parent;
    return (await goldenDentry(dirId))?.parent ?? rootId;
  };

  /**
   * A golden file the layer never touched, whose golden place is known and whose name still shows: its attributes
   * are golden's own (the same object, so what is made from them can be kept). 'gone' when its name is deleted or
   * taken; undefined when the layer has a say in it or golden has not seen it yet.
   */
  const untouchedGolden = (id: bigint): 'alive' | 'gone' | undefined => {
    if (isLayerId(id) || state.meta.has(id) || state.names.has(id)) return undefined;
    if (id === rootId) return 'alive';
    const place = golden.placeKnown(id);
    if (place === undefined) return undefined;
    return goldenNameGone({ parent: place.parent, name: place.name }) ? 'gone' : 'alive';
  };

  const attrsOf = async (id: bigint): Promise<ViewResult<FileAttributes>> => {
    const untouched = untouchedGolden(id);
    if (untouched === 'gone') return fail('STALE');
    if (untouched === 'alive') return golden.getattr(id);
    if (!(await alive(id))) return fail('STALE');
    const meta = state.meta.get(id);
    const layerNames = state.names.get(id)?.length ?? 0;
    if (meta?.data === true) {
      const st = await content.stat(id);
      if (st === null) return fail('IO');
      const goldenLinks = !isLayerId(id) && (await goldenNameLives(id)) ? 1 : 0;
      return ok({
        type: meta.type,
        mode: meta.mode,
        nlink: Math.max(1, layerNames + goldenLinks),
        uid: meta.uid,
        gid: meta.gid,
        size: st.size,
        used: st.blocks * 512n,
        rdev: NO_DEVICE,
        fileId: id,
        atimeNs: st.atimeNs,
        mtimeNs: st.mtimeNs,
        ctimeNs: meta.ctimeNs !== undefined && meta.ctimeNs > st.ctimeNs ? meta.ctimeNs : st.ctimeNs,
      });
    }
    if (isLayerId(id)) {
      if (meta === undefined) return fail('STALE');
      const size = meta.type === 'lnk' ? BigInt(Buffer.byteLength(meta.target ?? '')) : meta.type === 'dir' ? 4096n : 0n;
      const time = meta.mtimeNs ?? 0n;
      return ok({
        type: meta.type,
        mode: meta.mode,
        nlink: meta.type === 'dir' ? 2 : Math.max(1, layerNames),
        uid: meta.uid,
        gid: meta.gid,
        size,
        used: size,
        rdev: meta.rdev ?? NO_DEVICE,
        fileId: id,
        atimeNs: meta.atimeNs ?? time,
        mtimeNs: time,
        ctimeNs: meta.ctimeNs ?? time,
      });
    }
    const found = await golden.getattr(id);
    if (!found.ok) return found;
    const g = found.value;
    const nlink = g.type === 'dir' ? g.nlink : Math.max(1, g.nlink - ((await goldenNameLives(id)) ? 0 : 1) + layerNames);
    if (meta === undefined) return ok({ ...g, nlink });
    return ok({
      ...g,
      nlink,
      mode: meta.mode,
      uid: meta.uid,
      gid: meta.gid,
      rdev: meta.rdev ?? g.rdev,
      atimeNs: meta.atimeNs ?? g.atimeNs,
      mtimeNs: meta.mtimeNs ?? g.mtimeNs,
      ctimeNs: meta.ctimeNs ?? g.ctimeNs,
    });
  };

  /** The id a directory holds under `name`, or null. The layer's names come first, then golden ones not deleted. */
  const childOf = async (dirId: bigint, name: string): Promise<bigint | null> => {
    const own = state.children.get(dirId)?.get(name);
    if (own !== undefined) return own;
    if (isLayerId(dirId) || whitedOut({ parent: dirId, name })) return null;
    const found = await golden.lookup(dirId, name);
    return found.ok ? found.value : null;
  };

  /** Every entry of a merged directory (no '.' or '..'). */
  const entriesOf = async (dirId: bigint): Promise<ViewResult<Map<string, bigint>>> => {
    const entries = new Map<string, bigint>();
    if (!isLayerId(dirId)) {
      const listed = await golden.list(dirId);
      if (!listed.ok) return listed;
      const gone = state.whiteouts.get(dirId);
      for (const e of listed.value.entries) if (gone?.has(e.name) !== true) entries.set(e.name, e.id);
    }
    for (const [name, id] of state.children.get(dirId) ?? []) entries.set(name, id);
    return ok(entries);
  };

  const directory = async (dirId: bigint): Promise<ViewResult<FileAttributes>> => {
    const attrs = await attrsOf(dirId);
    if (!attrs.ok) return attrs;
    return attrs.value.type === 'dir' ? attrs : fail('NOTDIR');
  };

  // --- building records ---

  // Cookie-ordered listings by directory, kept while the directory's mtime is the same.
  const listings = new ListingCache<{ mtimeNs: bigint; ordered: DirEntry[] }>(LISTED_KEPT, (l) => l.ordered.length);

  /** The metadata a change starts from: the layer's, or the golden file's as it is. */
  const baseMeta = (id: bigint, attrs: FileAttributes): InodeMeta =>
    state.meta.get(id) ?? {
      type: attrs.type,
      mode: attrs.mode,
      uid: attrs.uid,
      gid: attrs.gid,
      ...(attrs.type === 'chr' || attrs.type === 'blk' ? { rdev: attrs.rdev } : {}),
      atimeNs: attrs.atimeNs,
      mtimeNs: attrs.mtimeNs,
    };

  /** A directory's entries changed: its mtime and ctime move, so clients drop what they cached of it. */
  const touched = async (dirId: bigint, at: bigint): Promise<LayerRecord | null> => {
    listings.delete(dirId);
    const attrs = await attrsOf(dirId);
    if (!attrs.ok) return null;
    return { op: 'meta', id: dirId, meta: { ...baseMeta(dirId, attrs.value), mtimeNs: at, ctimeNs: at } };
  };

  /** Takes `name` away from `id` in `dirId`: the layer's name is unlinked, a golden one whited out. */
  const unname = (dirId: bigint, name: string, id: bigint): LayerRecord =>
    state.children.get(dirId)?.get(name) === id ? { op: 'unlink', id, at: { parent: dirId, name } } : { op: 'whiteout', at: { parent: dirId, name } };

  /** True when `id` keeps another name once `at` is gone. */
  const keepsAName = async (id: bigint, at: Dentry): Promise<boolean> => {
    const others = (state.names.get(id) ?? []).filter((d) => d.parent !== at.parent || d.name !== at.name);
    if (others.length > 0) return true;
    if (isLayerId(id)) return false;
    const g = await goldenDentry(id);
    return g !== null && (g.parent !== at.parent || g.name !== at.name) && (await goldenNameLives(id));
  };

  /** The records (and clean-up) when `id` loses the name `at`. */
  const dropName = async (id: bigint, at: Dentry): Promise<{ records: LayerRecord[]; after?: () => Promise<void> }> => {
    const records = [unname(at.parent, at.name, id)];
    if (await keepsAName(id, at)) return { records };
    const hadContent = state.meta.get(id)?.data === true;
    if (!state.meta.has(id) && !state.names.has(id)) return { records };
    records.push({ op: 'forget', id });
    return hadContent ? { records, after: () => content.remove(id) } : { records };
  };

  // --- running changes one at a time ---

  let tail: Promise<unknown> = Promise.resolve();
  // Moves before and after every change, so that nothing made from a listing during a change outlives it.
  let layerEpoch = 0;
  const changing = async <T>(work: () => Promise<T>): Promise<T> => {
    layerEpoch++;
    try {
      return await work();
    } finally {
      layerEpoch++;
    }
  };

  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };

  /** Runs one change alone; its records are applied at once and answered once they are on disk. */
  const change = <T>(work: () => Promise<ViewResult<Change<T>>>): Promise<ViewResult<T>> =>
    changing(async () => {
      let durable: Promise<void> = Promise.resolve();
      const outcome = await serially(async () => {
        const result = await work();
        if (result.ok && result.value.records.length > 0) durable = layer.commit(result.value.records);
        return result;
      });
      if (!outcome.ok) return outcome;
      try {
        await durable;
      } catch (error) {
        options.log.error('layer change not saved', { folder: options.folder, error });
        return fail('IO');
      }
      await outcome.value.after?.();
      return ok(outcome.value.value);
    });

  /** Brings a golden file's bytes into the layer before its first change (under the change lock). */
  const copyUp = async (id: bigint, attrs: FileAttributes): Promise<LayerRecord[]> => {
    if (state.meta.get(id)?.data === true) return [];
    const place = await golden.placeOf(id);
    if (place === null) throw new Error(`golden file ${id} has no place`);
    const meta = baseMeta(id, attrs);
    await content.copyFrom(id, place.path, meta.atimeNs ?? attrs.atimeNs, meta.mtimeNs ?? attrs.mtimeNs);
    const { atimeNs: _a, mtimeNs: _m, ...rest } = meta;
    return [{ op: 'meta', id, meta: { ...rest, data: true } }];
  };

  const regular = (attrs: FileAttributes): ViewError | null => (attrs.type === 'reg' ? null : attrs.type === 'dir' ? 'ISDIR' : 'INVAL');

  const view: LayeredView = {
    rootId,
    readOnly: false,
    getattr: attrsOf,
    attributesNow: (id) => (untouchedGolden(id) === 'alive' ? golden.attributesNow(id) : undefined),
    // A directory the layer has not touched holds only golden names: every change of a name in a directory
    // records the directory's new times (touched()), so it has no names of the layer and no whiteouts.
    lookupNow: (dirId, name) => (untouchedGolden(dirId) === 'alive' ? golden.lookupNow(dirId, name) : undefined),
    listingFreshNow(dirId) {
      // A directory the layer has touched lists its own names and attributes: readdir works those out.
      if (untouchedGolden(dirId) !== 'alive') return false;
      const kept = listings.get(dirId);
      const attrs = golden.attributesNow(dirId);
      return kept !== undefined && attrs !== undefined && kept.mtimeNs === attrs.mtimeNs && golden.listingFreshNow(dirId);
    },
    epoch: () => golden.epoch() + layerEpoch,
    async lookup(dirId, name) {
      const dir = await directory(dirId);
      if (!dir.ok) return dir;
      if (name === '.') return ok(dirId);
      if (name === '..') return ok(await parentOf(dirId));
      const bad = checkName(name);
      if (bad !== null) return fail(bad);
      const id = await childOf(dirId, name);
      return id === null ? fail('NOENT') : ok(id);
    },
    async readlink(id) {
      const attrs = await attrsOf(id);
      if (!attrs.ok) return attrs;
      if (attrs.value.type !== 'lnk') return fail('INVAL');
      const target = state.meta.get(id)?.target;
      if (target !== undefined) return ok(target);
      return golden.readlink(id);
    },
    async read(id, offset, count, into) {
      const attrs = await attrsOf(id);
      if (!attrs.ok) return attrs;
      const bad = regular(attrs.value);
      if (bad !== null) return fail(bad);
      if (state.meta.get(id)?.data === true) return ok(await content.read(id, offset, count, attrs.value.size, into));
      return golden.read(id, offset, count, into);
    },
    async openRange(id, offset, count) {
      const attrs = await attrsOf(id);
      if (!attrs.ok) return attrs;
      const bad = regular(attrs.value);
      if (bad !== null) return fail(bad);
      if (state.meta.get(id)?.data === true) return ok(await content.openRange(id, offset, count, attrs.value.size));
      return golden.openRange(id, offset, count);
    },
    async readdir(dirId, cookie, _verifier, max) {
      const dir = await directory(dirId);
      if (!dir.ok) return dir;
      let kept = listings.get(dirId);
      // Golden entries' attributes are refreshed a listing at a time (READDIRPLUS asks for each right after).
      if (kept !== undefined && !isLayerId(dirId)) await golden.list(dirId);
      if (kept === undefined || kept.mtimeNs !== dir.value.mtimeNs) {
        const entries = await entriesOf(dirId);
        if (!entries.ok) return entries;
        const listed = [...entries.value].map(([name, fileId]) => ({ name, fileId }));
        kept = { mtimeNs: dir.value.mtimeNs, ordered: inCookieOrder(dirId, await parentOf(dirId), listed) };
        listings.set(dirId, kept);
      }
      // Cookies are name hashes, valid across changes: the verifier never needs to refuse one.
      return ok({ ...pageAfter(kept.ordered, cookie, max), verifier: 0n });
    },
    setattr: (id, changes: AttributeChanges) =>
      change(async () => {
        const found = await attrsOf(id);
        if (!found.ok) return found;
        const attrs = found.value;
        const records: LayerRecord[] = [];
        const at = now();
        if (changes.size !== undefined) {
          const bad = regular(attrs);
          if (bad !== null) return fail(bad);
          records.push(...(await copyUp(id, attrs)));
          await content.truncate(id, changes.size);
        }
        const hasContent = state.meta.get(id)?.data === true || records.length > 0;
        let meta: InodeMeta = records.length > 0 && records[0]!.op === 'meta' ? records[0]!.meta : baseMeta(id, attrs);
        if (changes.atimeNs !== undefined || changes.mtimeNs !== undefined) {
          if (hasContent) await content.setTimes(id, changes.atimeNs ?? attrs.atimeNs, changes.mtimeNs ?? attrs.mtimeNs);
          else meta = { ...meta, atimeNs: changes.atimeNs ?? attrs.atimeNs, mtimeNs: changes.mtimeNs ?? attrs.mtimeNs };
        }
        meta = {
          ...meta,
          ...(changes.mode === undefined ? {} : { mode: changes.mode & 0o7777 }),
          ...(changes.uid === undefined ? {} : { uid: changes.uid }),
          ...(changes.gid === undefined ? {} : { gid: changes.gid }),
          ctimeNs: at,
        };
        return ok({ records: [{ op: 'meta', id, meta }], value: undefined });
      }).then(async (r) => (r.ok ? attrsOf(id) : r)),
    async write(id, offset, data, stable, keep) {
      const found = await attrsOf(id);
      if (!found.ok) return found;
      const bad = regular(found.value);
      if (bad !== null) return fail(bad);
      if (state.meta.get(id)?.data !== true) {
        const copied = await change(async () => {
          const again = await attrsOf(id);
          if (!again.ok) return again;
          return ok({ records: await copyUp(id, again.value), value: undefined });
        });
        if (!copied.ok) return copied;
      }
      let outcome: 'written' | 'pending';
      try {
        outcome = await changing(() => content.write(id, offset, data, stable, keep));
      } catch (error) {
        return writeFailure(error);
      }
      return ok(outcome === 'pending' ? { committed: stable, pending: true } : { committed: stable });
    },
    async commit(id) {
      if (!(await alive(id))) return fail('STALE');
      if (state.meta.get(id)?.data === true) {
        try {
          await content.sync(id);
        } catch (error) {
          // An earlier write answered before its bytes were in the file could not write them after all.
          return writeFailure(error);
        }
      }
      await layer.flush();
      return ok(undefined);
    },
    make: (dirId, name, node: NewNode) =>
      change(async () => {
        const dir = await directory(dirId);
        if (!dir.ok) return dir;
        const bad = checkName(name);
        if (bad !== null) return fail(bad);
        const existing = await childOf(dirId, name);
        if (existing !== null) {
          const mine = node.exclusive !== undefined && state.meta.get(existing)?.exclusive === node.exclusive;
          return mine ? ok({ records: [], value: existing }) : fail('EXIST');
        }
        const id = state.nextId;
        const at = now();
        const meta: InodeMeta = {
          type: node.type,
          mode: node.mode & 0o7777,
          uid: node.uid,
          gid: node.gid,
          ...(node.type === 'chr' || node.type === 'blk' ? { rdev: node.rdev ?? NO_DEVICE } : {}),
          ...(node.type === 'lnk' ? { target: node.target ?? '' } : {}),
          ...(node.exclusive === undefined ? {} : { exclusive: node.exclusive }),
          ...(node.type === 'reg' ? { data: true as const, ctimeNs: at } : { atimeNs: at, mtimeNs: at, ctimeNs: at }),
        };
        if (node.type === 'reg') await content.create(id);
        const records: LayerRecord[] = [{ op: 'meta', id, meta }, { op: 'link', id, at: { parent: dirId, name } }];
        const dirTouch = await touched(dirId, at);
        if (dirTouch !== null) records.push(dirTouch);
        return ok({ records, value: id });
      }),
    remove: (dirId, name, dir) =>
      change(async () => {
        const parent = await directory(dirId);
        if (!parent.ok) return parent;
        if (name === '.' || name === '..') return fail(dir ? 'INVAL' : 'ISDIR');
        const id = await childOf(dirId, name);
        if (id === null) return fail('NOENT');
        const attrs = await attrsOf(id);
        if (!attrs.ok) return attrs;
        if (dir && attrs.value.type !== 'dir') return fail('NOTDIR');
        if (!dir && attrs.value.type === 'dir') return fail('ISDIR');
        if (dir) {
          const entries = await entriesOf(id);
          if (!entries.ok) return entries;
          if (entries.value.size > 0) return fail('NOTEMPTY');
        }
        const dropped = await dropName(id, { parent: dirId, name });
        const dirTouch = await touched(dirId, now());
        const records = dirTouch === null ? dropped.records : [...dropped.records, dirTouch];
        return ok({ records, value: undefined, ...(dropped.after === undefined ? {} : { after: dropped.after }) });
      }),
    rename: (fromDir, fromName, toDir, toName) =>
      change(async () => {
        const from = await directory(fromDir);
        if (!from.ok) return from;
        const to = await directory(toDir);
        if (!to.ok) return to;
        for (const name of [fromName, toName]) if (name === '.' || name === '..') return fail('INVAL');
        const bad = checkName(toName);
        if (bad !== null) return fail(bad);
        const id = await childOf(fromDir, fromName);
        if (id === null) return fail('NOENT');
        if (fromDir === toDir && fromName === toName) return ok({ records: [], value: undefined });
        const attrs = await attrsOf(id);
        if (!attrs.ok) return attrs;
        if (attrs.value.type === 'dir') {
          // Not into itself: walk up from the target directory.
          for (let dirId = toDir, steps = 0; ; dirId = await parentOf(dirId), steps++) {
            if (dirId === id) return fail('INVAL');
            if (dirId === rootId || steps > 4096) break;
          }
        }
        const target = await childOf(toDir, toName);
        if (target === id) return ok({ records: [], value: undefined });
        const records: LayerRecord[] = [];
        let after: (() => Promise<void>) | undefined;
        records.push(...(await dropName(id, { parent: fromDir, name: fromName })).records.filter((r) => r.op !== 'forget'));
        if (target !== null) {
          const targetAttrs = await attrsOf(target);
          if (!targetAttrs.ok) return targetAttrs;
          if (attrs.value.type === 'dir' && targetAttrs.value.type !== 'dir') return fail('NOTDIR');
          if (attrs.value.type !== 'dir' && targetAttrs.value.type === 'dir') return fail('ISDIR');
          if (targetAttrs.value.type === 'dir') {
            const entries = await entriesOf(target);
            if (!entries.ok) return entries;
            if (entries.value.size > 0) return fail('NOTEMPTY');
          }
          const dropped = await dropName(target, { parent: toDir, name: toName });
          records.push(...dropped.records);
          after = dropped.after;
        }
        records.push({ op: 'link', id, at: { parent: toDir, name: toName } });
        const at = now();
        for (const dirId of fromDir === toDir ? [fromDir] : [fromDir, toDir]) {
          const dirTouch = await touched(dirId, at);
          if (dirTouch !== null) records.push(dirTouch);
        }
        return ok({ records, value: undefined, ...(after === undefined ? {} : { after }) });
      }),
    link: (id, dirId, name) =>
      change(async () => {
        const attrs = await attrsOf(id);
        if (!attrs.ok) return attrs;
        if (attrs.value.type === 'dir') return fail('ISDIR');
        const dir = await directory(dirId);
        if (!dir.ok) return dir;
        const bad = checkName(name);
        if (bad !== null) return fail(bad);
        if ((await childOf(dirId, name)) !== null) return fail('EXIST');
        const records: LayerRecord[] = [{ op: 'link', id, at: { parent: dirId, name } }];
        // A golden file with a second name must not lose the first when the layer names it; its golden name
        // stays alive, and both names resolve to the one id (and, after a copy-up, the one content file).
        const dirTouch = await touched(dirId, now());
        if (dirTouch !== null) records.push(dirTouch);
        return ok({ records, value: undefined });
      }),
    async fsstat() {
      return ok(await content.fsstat());
    },
    async close() {
      await serially(async () => {
        await layer.close();
        await content.close();
      });
    },
  };
  return view;
}
