// An append-only JSON Lines journal (jsonlines.org): group-committed with fdatasync, compacted by atomic rename.
//
// Used where every change must be on disk before it is answered (DHCP leases, the NFS layers' metadata) and
// lowdb's whole-file writes would be too slow. A crash can tear only the last line; readers skip it.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log/logger.js';

export interface Journal<R> {
  /** Queues one record; resolves once it (and everything queued before it) is on disk. */
  append(record: R): Promise<void>;
  /** Resolves once everything queued so far is on disk. */
  flush(): Promise<void>;
  /** Flushes, compacts, closes. */
  close(): Promise<void>;
}

export interface JournalOptions<R> {
  readonly path: string;
  readonly log: Logger;
  /** One record as one line, ending in "\n". */
  readonly format: (record: R) => string;
  /** Every live record, for compaction. */
  readonly snapshot: () => Iterable<R>;
  /** Compact when the journal has this many lines more than the live records (default 10,000). */
  readonly slack?: number;
  /** The error to reject with, carrying the caller's code (e.g. LEASE_FILE). */
  readonly failure: (message: string, cause: unknown) => Error;
  /** What the journal is called in messages, e.g. "lease file". */
  readonly what: string;
}

/** The lines of an existing journal in order (a missing file is an empty one), each parsed; unparsable ones counted. */
export async function readJournal<R>(path: string, parse: (line: string) => R | null, failure: (message: string, cause: unknown) => Error): Promise<{ records: R[]; skipped: number }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: 0 };
    throw failure(`cannot read ${path}: ${(error as Error).message}`, error);
  }
  const records: R[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = parse(line);
    if (record === null) skipped += 1;
    else records.push(record);
  }
  return { records, skipped };
}

/** Rewrites the journal from the live records (atomically), then keeps it open for appends. */
export async function openJournal<R>(options: JournalOptions<R>): Promise<Journal<R>> {
  const { path, log, what } = options;
  const slack = options.slack ?? 10_000;
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw options.failure(`cannot create the folder of ${path}: ${(error as Error).message}`, error);
  }
  const rewrite = (): Promise<FileHandle> => rewriteJournal(path, options.snapshot(), options.format, options.failure, what);
  const count = (): number => {
    let n = 0;
    for (const _ of options.snapshot()) n += 1;
    return n;
  };
  let handle = await rewrite();
  let lines = 0;
  let live = count();

  let pending: string[] = [];
  let waiters: (() => void)[] = [];
  let failures: ((error: Error) => void)[] = [];
  let writing: Promise<void> | null = null;
  let closed = false;

  // One write + one fdatasync per batch: everything that arrived while the previous batch was syncing.
  const writeBatch = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending;
      const done = waiters;
      const failed = failures;
      pending = [];
      waiters = [];
      failures = [];
      try {
        await handle.write(batch.join(''));
        await handle.datasync();
        lines += batch.length;
        if (lines > live + slack) {
          live = count();
          await handle.close();
          handle = await rewrite();
          lines = 0;
        }
        for (const resolve of done) resolve();
      } catch (error) {
        log.error(`${what} write failed`, { path, error });
        const wrapped = options.failure(`cannot write ${what} ${path}: ${(error as Error).message}`, error);
        for (const reject of failed) reject(wrapped);
      }
    }
  };
  const kick = (): void => {
    if (writing !== null) return;
    writing = writeBatch().finally(() => {
      writing = null;
      if (pending.length > 0) kick();
    });
  };

  const journal: Journal<R> = {
    append: (record) => {
      if (closed) return Promise.reject(options.failure(`${what} ${path} is closed`, undefined));
      pending.push(options.format(record));
      const promise = new Promise<void>((resolve, reject) => {
        waiters.push(resolve);
        failures.push(reject);
      });
      // setImmediate lets the rest of this event-loop turn's changes join the batch.
      if (writing === null) setImmediate(kick);
      return promise;
    },
    flush: async () => {
      while (writing !== null || pending.length > 0) {
        kick();
        await writing;
      }
    },
    close: async () => {
      if (closed) return;
      await journal.flush();
      closed = true;
      await handle.close();
      const final = await rewrite();
      await final.close();
    },
  };
  return journal;
}

async function rewriteJournal<R>(
  path: string,
  records: Iterable<R>,
  format: (record: R) => string,
  failure: (message: string, cause: unknown) => Error,
  what: string,
): Promise<FileHandle> {
  const temporary = `${path}.tmp`;
  try {
    const out = await open(temporary, 'w', 0o600);
    try {
      let chunk: string[] = [];
      for (const record of records) {
        chunk.push(format(record));
        if (chunk.length >= 1000) {
          await out.write(chunk.join(''));
          chunk = [];
        }
      }
      await out.write(chunk.join(''));
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(temporary, path);
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return await open(path, 'a', 0o600);
  } catch (error) {
    throw failure(`cannot write ${what} ${path}: ${(error as Error).message}`, error);
  }
}
