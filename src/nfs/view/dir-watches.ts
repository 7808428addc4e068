// Change reports for the golden folder's directories (Linux inotify(7), through fs.watch), so that what the golden
// view keeps of a watched directory can be trusted until the kernel says something in it changed.
//
// One watch per directory a client has listed, up to a bound; the oldest is dropped past it. A watch reports
// names created, removed, renamed, written or given new attributes in its directory, and changes to the directory
// itself. Atime updates are not reported, so kept atimes may lag: nothing a client caches depends on them.
import { watch, type FSWatcher } from 'node:fs';

export interface DirWatches {
  /** Starts watching `path` as directory `dirId` (nothing when it is watched already or cannot be). */
  watch(dirId: bigint, path: string): void;
  watched(dirId: bigint): boolean;
  /** Moves with every report: a read that began before one and ends after it may have seen too early. */
  changes(): number;
  close(): void;
}

/** `changed` runs for every report, and when a watch is dropped (its directory is then no longer watched). */
export function dirWatches(changed: (dirId: bigint) => void, max: number): DirWatches {
  const watchers = new Map<bigint, FSWatcher>();
  let reports = 0;
  const report = (dirId: bigint): void => {
    reports++;
    changed(dirId);
  };
  const drop = (dirId: bigint): void => {
    const watcher = watchers.get(dirId);
    if (watcher === undefined) return;
    watchers.delete(dirId);
    watcher.close();
    report(dirId);
  };
  return {
    watch(dirId, path) {
      if (watchers.has(dirId)) return;
      let watcher: FSWatcher;
      try {
        // Not persistent: a watch never keeps the process alive.
        watcher = watch(path, { persistent: false }, () => report(dirId));
      } catch {
        return; // out of inotify watches, or the directory is gone: kept attributes then age as unwatched ones
      }
      watcher.on('error', () => drop(dirId));
      watchers.set(dirId, watcher);
      if (watchers.size > max) drop(watchers.keys().next().value!);
    },
    watched: (dirId) => watchers.has(dirId),
    changes: () => reports,
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
