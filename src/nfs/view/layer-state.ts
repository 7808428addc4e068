// The per-machine layer's metadata (plan in src/nfs/README.md): records of an append-only log, checked and folded into state; pure.
//
// The upper folder holds file contents only. Who owns a file, its mode, device numbers, which golden names are
// deleted, which directories hide or redirect their golden twin, and where each file id lives now: all that is
// here, so that Bramble needs no privileges on the host and the upper folder can sit on any file system.

import type { FileType } from './view.js';

/** Ids made in the layer have the top bit set; golden ids (inode numbers) never do on Linux file systems. */
export const LAYER_ID_BIT = 1n << 63n;

export interface InodeMeta {
  readonly type: FileType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev?: { readonly major: number; readonly minor: number };
  /** Set by SETATTR; otherwise the upper file's own times count. */
  readonly atimeNs?: bigint;
  readonly mtimeNs?: bigint;
  /** Symlinks of the layer keep their target here. */
  readonly target?: string;
}

/** Where a file id lives in the merged tree: its directory's id and its name there. */
export interface Dentry {
  readonly parent: bigint;
  readonly name: string;
}

export type LayerRecord =
  /** A file got (or changed) its metadata: made in the layer, or copied up from golden. */
  | { readonly op: 'meta'; readonly id: bigint; readonly meta: InodeMeta }
  /** The layer holds this file's content (copied up or made here); its place in the merged tree. */
  | { readonly op: 'link'; readonly id: bigint; readonly at: Dentry }
  | { readonly op: 'unlink'; readonly id: bigint; readonly at: Dentry }
  /** A golden name deleted (or renamed away) in this layer. */
  | { readonly op: 'whiteout'; readonly at: Dentry }
  /** A name made again where a whiteout was. */
  | { readonly op: 'unwhiteout'; readonly at: Dentry }
  /** A directory made anew over a deleted golden one: no golden entries show below it. */
  | { readonly op: 'opaque'; readonly dir: bigint }
  /** A golden directory renamed: its golden entries are still read from where it was (overlayfs redirect_dir). */
  | { readonly op: 'redirect'; readonly dir: bigint; readonly goldenPath: string }
  /** The file is gone from the layer altogether (last name removed). */
  | { readonly op: 'forget'; readonly id: bigint }
  /** The id counter, written by compaction: ids of removed files are never handed out again. */
  | { readonly op: 'next'; readonly id: bigint };

export interface LayerState {
  /** The next id to hand out for a file made in the layer (with LAYER_ID_BIT). */
  readonly nextId: bigint;
  readonly meta: ReadonlyMap<bigint, InodeMeta>;
  /** Every name of every file the layer holds (hard links: several). */
  readonly names: ReadonlyMap<bigint, readonly Dentry[]>;
  /** Whiteouts, as "parentId/name". */
  readonly whiteouts: ReadonlySet<string>;
  readonly opaque: ReadonlySet<bigint>;
  readonly redirects: ReadonlyMap<bigint, string>;
}

export const emptyLayer: LayerState = {
  nextId: LAYER_ID_BIT | 1n,
  meta: new Map(),
  names: new Map(),
  whiteouts: new Set(),
  opaque: new Set(),
  redirects: new Map(),
};

export const dentryKey = (at: Dentry): string => `${at.parent}/${at.name}`;

/** Folds one record in; a new state object, the old one untouched (so a failed write can be forgotten). */
export function applyRecord(state: LayerState, record: LayerRecord): LayerState {
  switch (record.op) {
    case 'meta': {
      const meta = new Map(state.meta).set(record.id, record.meta);
      const nextId = (record.id & LAYER_ID_BIT) !== 0n && record.id >= state.nextId ? record.id + 1n : state.nextId;
      return { ...state, meta, nextId };
    }
    case 'link': {
      const existing = state.names.get(record.id) ?? [];
      if (existing.some((d) => dentryKey(d) === dentryKey(record.at))) return state;
      return { ...state, names: new Map(state.names).set(record.id, [...existing, record.at]) };
    }
    case 'unlink': {
      const left = (state.names.get(record.id) ?? []).filter((d) => dentryKey(d) !== dentryKey(record.at));
      const names = new Map(state.names);
      if (left.length === 0) names.delete(record.id);
      else names.set(record.id, left);
      return { ...state, names };
    }
    case 'whiteout':
      return { ...state, whiteouts: new Set(state.whiteouts).add(dentryKey(record.at)) };
    case 'unwhiteout': {
      const whiteouts = new Set(state.whiteouts);
      whiteouts.delete(dentryKey(record.at));
      return { ...state, whiteouts };
    }
    case 'opaque':
      return { ...state, opaque: new Set(state.opaque).add(record.dir) };
    case 'redirect':
      return { ...state, redirects: new Map(state.redirects).set(record.dir, record.goldenPath) };
    case 'next':
      return record.id > state.nextId ? { ...state, nextId: record.id } : state;
    case 'forget': {
      const meta = new Map(state.meta);
      meta.delete(record.id);
      const names = new Map(state.names);
      names.delete(record.id);
      const opaque = new Set(state.opaque);
      opaque.delete(record.id);
      const redirects = new Map(state.redirects);
      redirects.delete(record.id);
      return { ...state, meta, names, opaque, redirects };
    }
  }
}

/** Every record that rebuilds `state` from empty: what compaction writes. */
export function recordsOf(state: LayerState): LayerRecord[] {
  const out: LayerRecord[] = [];
  for (const [id, meta] of state.meta) out.push({ op: 'meta', id, meta });
  for (const [id, names] of state.names) for (const at of names) out.push({ op: 'link', id, at });
  for (const key of state.whiteouts) {
    const slash = key.indexOf('/');
    out.push({ op: 'whiteout', at: { parent: BigInt(key.slice(0, slash)), name: key.slice(slash + 1) } });
  }
  for (const dir of state.opaque) out.push({ op: 'opaque', dir });
  for (const [dir, goldenPath] of state.redirects) out.push({ op: 'redirect', dir, goldenPath });
  if (state.nextId !== emptyLayer.nextId) out.push({ op: 'next', id: state.nextId });
  return out;
}
