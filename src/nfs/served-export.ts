// One export as the NFS program serves it (RFC 1813 §2.3.3 file handles over a View): its id, generation, rule and file system.
import type { ExportRule } from './export-access.js';
import type { HandleSigner } from './file-handle.js';
import type { View } from './view/view.js';

export interface ServedExport {
  /** The export id signed into every handle. */
  readonly id: number;
  /** Read per request, so a reset's new generation makes old handles STALE at once. */
  readonly generation: () => number;
  readonly rule: ExportRule;
  readonly view: View;
  /** fattr3.fsid: distinct per export, so a client never takes two exports' file ids for one file system. */
  readonly fsid: bigint;
}

/** Handles made per export, so that a directory listed again costs no HMAC per entry; a reset starts afresh. */
const HANDLES_KEPT = 100_000;
const made = new WeakMap<ServedExport, { generation: number; handles: Map<bigint, Buffer> }>();

/** The handle of a file of this export, as of its current generation. */
export function exportHandle(signer: HandleSigner, exp: ServedExport, fileId: bigint): Buffer {
  const generation = exp.generation();
  let kept = made.get(exp);
  if (kept === undefined || kept.generation !== generation) made.set(exp, (kept = { generation, handles: new Map() }));
  let handle = kept.handles.get(fileId);
  if (handle === undefined) {
    handle = signer.encode({ exportId: exp.id, generation, fileId });
    if (kept.handles.size >= HANDLES_KEPT) kept.handles.delete(kept.handles.keys().next().value!);
    kept.handles.set(fileId, handle);
  }
  return handle;
}

/** The export's root handle, which MOUNT hands out. */
export function rootHandle(signer: HandleSigner, exp: ServedExport): Buffer {
  return exportHandle(signer, exp, exp.view.rootId);
}
