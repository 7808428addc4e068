// The per-machine layer's metadata (plan in src/nfs/README.md): records of an append-only log folded into state.
//
// The layer's content store holds file contents only, one file per id. Who owns a file, its mode, device
// numbers, where each id has names in the merged tree and which golden names are deleted: all that is here,
// so Bramble needs no privileges on the host and the store can sit on any file system. Because golden
// directories keep their inode number as id wherever they are renamed to, a renamed golden directory still
// finds its golden entries by id: no redirect or opaque markers are needed (a new directory has a new id and
// so no golden entries at all).
//
// State is changed in place: replaying a large log must stay linear. The log appends a change before the
// client is answered, so state never runs ahead of what is answered.
import type { FileType } from './view.js';

/** Ids made in the layer have the top bit set; golden ids (inode numbers) never do on Linux file systems. */
export const LAYER_ID_BIT = 1n << 63n;

export interface InodeMeta {
  readonly type: FileType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev?: { readonly major: number; readonly minor: number };
  /**
   * Times of files whose content is not in the layer (directories, links, devices, golden files whose mode was
   * changed); a file with content in the layer keeps its times on its content file.
   */
  readonly atimeNs?: bigint;
  readonly mtimeNs?: bigint;
  readonly ctimeNs?: bigint;
  /** Symlinks of the layer keep their target here. */
  readonly target?: string;
  /** The layer's content store holds this file's bytes (copied up, or made here). */
  readonly data?: true;
  /** CREATE EXCLUSIVE's verifier, so a retransmitted create finds its own file. */
  readonly exclusive?: string;
}

/** A name in the merged tree: its directory's id and the name there. */
export interface Dentry {
  readonly parent: bigint;
  readonly name: string;
}

export type LayerRecord =
  /** A file got (or changed) its metadata: made in the layer, or a golden file changed. */
  | { readonly op: 'meta'; readonly id: bigint; readonly meta: InodeMeta }
  /** A name in the layer for this id (a new file, a rename's target, a hard link). */
  | { readonly op: 'link'; readonly id: bigint; readonly at: Dentry }
  | { readonly op: 'unlink'; readonly id: bigint; readonly at: Dentry }
  /** A golden name deleted (or renamed away) in this layer. */
  | { readonly op: 'whiteout'; readonly at: Dentry }
  /** The file is gone from the layer altogether (last name removed): its metadata and names go. */
  | { readonly op: 'forget'; readonly id: bigint }
  /** The id counter, written by compaction: ids of removed files are never handed out again. */
  | { readonly op: 'next'; readonly id: bigint };

export interface LayerState {
  /** The next id to hand out for a file made in the layer (with LAYER_ID_BIT). */
  nextId: bigint;
  readonly meta: Map<bigint, InodeMeta>;
  /** Every layer name of every id (hard links: several). */
  readonly names: Map<bigint, Dentry[]>;
  /** The same names by directory: parent id -> name -> id. */
  readonly children: Map<bigint, Map<string, bigint>>;
  /** Deleted golden names by directory: parent id -> names. */
  readonly whiteouts: Map<bigint, Set<string>>;
}

const FIRST_LAYER_ID = LAYER_ID_BIT | 1n;

export function emptyLayer(): LayerState {
  return { nextId: FIRST_LAYER_ID, meta: new Map(), names: new Map(), children: new Map(), whiteouts: new Map() };
}

const same = (a: Dentry, b: Dentry): boolean => a.parent === b.parent && a.name === b.name;

function dropChild(state: LayerState, id: bigint, at: Dentry): void {
  const dir = state.children.get(at.parent);
  if (dir?.get(at.name) !== id) return;
  dir.delete(at.name);
  if (dir.size === 0) state.children.delete(at.parent);
}

/** Folds one record into `state`, in place. Replaying a record twice (a crash between batches) changes nothing. */
export function applyRecord(state: LayerState, record: LayerRecord): void {
  switch (record.op) {
    case 'meta':
      state.meta.set(record.id, record.meta);
      if ((record.id & LAYER_ID_BIT) !== 0n && record.id >= state.nextId) state.nextId = record.id + 1n;
      return;
    case 'link': {
      const existing = state.names.get(record.id) ?? [];
      if (!existing.some((d) => same(d, record.at))) state.names.set(record.id, [...existing, record.at]);
      let dir = state.children.get(record.at.parent);
      if (dir === undefined) state.children.set(record.at.parent, (dir = new Map()));
      dir.set(record.at.name, record.id);
      return;
    }
    case 'unlink': {
      const left = (state.names.get(record.id) ?? []).filter((d) => !same(d, record.at));
      if (left.length === 0) state.names.delete(record.id);
      else state.names.set(record.id, left);
      dropChild(state, record.id, record.at);
      return;
    }
    case 'whiteout': {
      let dir = state.whiteouts.get(record.at.parent);
      if (dir === undefined) state.whiteouts.set(record.at.parent, (dir = new Set()));
      dir.add(record.at.name);
      return;
    }
    case 'next':
      if (record.id > state.nextId) state.nextId = record.id;
      return;
    case 'forget':
      for (const at of state.names.get(record.id) ?? []) dropChild(state, record.id, at);
      state.names.delete(record.id);
      state.meta.delete(record.id);
      return;
  }
}

/** Every record that rebuilds `state` from empty: what compaction writes. */
export function* recordsOf(state: LayerState): Generator<LayerRecord> {
  for (const [id, meta] of state.meta) yield { op: 'meta', id, meta };
  for (const [id, names] of state.names) for (const at of names) yield { op: 'link', id, at };
  for (const [parent, names] of state.whiteouts) for (const name of names) yield { op: 'whiteout', at: { parent, name } };
  if (state.nextId !== FIRST_LAYER_ID) yield { op: 'next', id: state.nextId };
}
