// A shared export of the golden folder itself (RFC 1813 semantics): everything reads, every change answers ROFS.
import { folderSpace } from './file-io.js';
import type { GoldenView } from './golden-view.js';
import type { View, ViewResult } from './view.js';

const readOnlyFs = async (): Promise<ViewResult<never>> => ({ ok: false, error: 'ROFS' });

export function readOnlyView(golden: GoldenView): View {
  return {
    rootId: golden.rootId,
    readOnly: true,
    getattr: (id) => golden.getattr(id),
    attributesNow: (id) => golden.attributesNow(id),
    listingFreshNow: (dirId) => golden.listingFreshNow(dirId),
    epoch: () => golden.epoch(),
    lookup: (dirId, name) => golden.lookup(dirId, name),
    lookupNow: (dirId, name) => golden.lookupNow(dirId, name),
    readlink: (id) => golden.readlink(id),
    read: (id, offset, count, into) => golden.read(id, offset, count, into),
    openRange: (id, offset, count) => golden.openRange(id, offset, count),
    readdir: (dirId, cookie, verifier, max) => golden.readdir(dirId, cookie, verifier, max),
    setattr: readOnlyFs,
    write: readOnlyFs,
    // Nothing was written, so there is nothing to commit.
    commit: async () => ({ ok: true, value: undefined }),
    make: readOnlyFs,
    remove: readOnlyFs,
    rename: readOnlyFs,
    link: readOnlyFs,
    async fsstat() {
      return { ok: true, value: await folderSpace(golden.root, false) };
    },
  };
}
