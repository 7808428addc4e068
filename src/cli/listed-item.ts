// What `bramble nfs` and `bramble iscsi` share: sizes as people read them, and acting on one listed item
// (reset, rm) found by whatever reference the user typed.
import { withApi } from '../control/control-client.js';
import { failed } from './api-result.js';
import type { Output } from './output.js';

export function sizeText(bytes: number | null): string {
  if (bytes === null) return '?';
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export interface ListedAction<T extends { readonly id: number }> {
  /** API path of the listing, e.g. /api/v1/nfs/exports; items are at `${list}/${id}`. */
  readonly list: string;
  find(items: readonly T[]): T | undefined;
  /** The error line when nothing matches. */
  readonly missing: string;
  readonly method: 'POST' | 'DELETE';
  /** After the item's path: '' or '/reset'. */
  readonly tail: string;
  /** The line printed when done. */
  done(item: T): string;
}

export function actOnListed<T extends { readonly id: number }>(dataDir: string, io: Output, action: ListedAction<T>): Promise<number> {
  return withApi(dataDir, async (call) => {
    const listed = await call('GET', action.list);
    if (failed(listed, io)) return 1;
    const found = action.find(listed.body as T[]);
    if (found === undefined) {
      io.err(action.missing);
      return 1;
    }
    const res = await call(action.method, `${action.list}/${found.id}${action.tail}`);
    if (failed(res, io)) return 1;
    io.out(action.done(found));
    return 0;
  });
}
