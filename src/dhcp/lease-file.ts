// The full-mode lease journal: append-only JSON Lines, group-committed with fdatasync, compacted by atomic rename.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log/logger.js';
import { formatIpv4, parseIpv4 } from '../net/ipv4.js';
import { normalizeMac } from '../net/mac.js';
import { DhcpServerError } from './errors.js';
import type { Lease } from './leases.js';

export interface LeaseJournal {
  /** Queues one record; resolves once it (and everything queued before it) is on disk. */
  append(lease: Lease): Promise<void>;
  /** Resolves once everything queued so far is on disk. */
  flush(): Promise<void>;
  /** Flushes, compacts, closes. */
  close(): Promise<void>;
}

export interface JournalOptions {
  readonly path: string;
  readonly log: Logger;
  /** Every live record, for compaction (the server's lease table). */
  readonly snapshot: () => Iterable<Lease>;
  /** Compact when the journal has this many lines more than the live table (default 10,000). */
  readonly slack?: number;
}

/** Reads the records of an existing journal in order; a missing file is an empty one. Torn or foreign lines are skipped. */
export async function readLeaseFile(path: string, log: Logger): Promise<Lease[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DhcpServerError('LEASE_FILE', `cannot read lease file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const out: Lease[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const lease = parseLeaseLine(line);
    if (lease === null) skipped += 1;
    else out.push(lease);
  }
  // A crash mid-write leaves a torn last line; anything else here means someone edited the file.
  if (skipped > 0) log.warn('skipped unreadable lease file lines', { path, skipped });
  return out;
}

export function parseLeaseLine(line: string): Lease | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const states = ['offered', 'bound', 'released', 'declined'];
  if (typeof v.ip !== 'string' || parseIpv4(v.ip) === null) return null;
  if (v.mac !== null && (typeof v.mac !== 'string' || normalizeMac(v.mac) !== v.mac)) return null;
  if (typeof v.state !== 'string' || !states.includes(v.state)) return null;
  if (typeof v.expiresAt !== 'number' || typeof v.updatedAt !== 'number') return null;
  const text = (x: unknown): string | null => (typeof x === 'string' ? x : null);
  return {
    // Canonical dotted quad: the lease table is keyed by it.
    ip: formatIpv4(parseIpv4(v.ip)!),
    mac: v.mac,
    clientId: text(v.clientId),
    hostname: text(v.hostname),
    state: v.state as Lease['state'],
    expiresAt: v.expiresAt,
    updatedAt: v.updatedAt,
  };
}

/**
 * Written out by hand: this runs for every offer and ack, and JSON.stringify with a key list was the hottest
 * function under perfdhcp. ip, mac and state are validated formats (no escaping needed); free text goes
 * through JSON.stringify. The key order keeps lines comparable.
 */
export function formatLeaseLine(lease: Lease): string {
  const mac = lease.mac === null ? 'null' : `"${lease.mac}"`;
  return `{"ip":"${lease.ip}","mac":${mac},"clientId":${JSON.stringify(lease.clientId)},"hostname":${JSON.stringify(lease.hostname)},"state":"${lease.state}","expiresAt":${lease.expiresAt},"updatedAt":${lease.updatedAt}}\n`;
}

/** Rewrites the journal from the live table (atomically), then keeps it open for appends. */
export async function openLeaseJournal(options: JournalOptions): Promise<LeaseJournal> {
  const { path, log } = options;
  const slack = options.slack ?? 10_000;
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw new DhcpServerError('LEASE_FILE', `cannot create the folder of ${path}: ${(error as Error).message}`, { cause: error });
  }
  let handle = await rewrite(path, options.snapshot());
  let lines = 0;
  let live = 0;
  for (const _ of options.snapshot()) live += 1;

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
          live = 0;
          for (const _ of options.snapshot()) live += 1;
          await handle.close();
          handle = await rewrite(path, options.snapshot());
          lines = 0;
        }
        for (const resolve of done) resolve();
      } catch (error) {
        log.error('lease file write failed', { path, error });
        const wrapped = new DhcpServerError('LEASE_FILE', `cannot write lease file ${path}: ${(error as Error).message}`, { cause: error });
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

  const journal: LeaseJournal = {
    append: (lease) => {
      if (closed) return Promise.reject(new DhcpServerError('LEASE_FILE', `lease file ${path} is closed`));
      pending.push(formatLeaseLine(lease));
      const promise = new Promise<void>((resolve, reject) => {
        waiters.push(resolve);
        failures.push(reject);
      });
      // setImmediate lets the rest of this event-loop turn's packets join the batch.
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
      const final = await rewrite(path, options.snapshot());
      await final.close();
    },
  };
  return journal;
}

async function rewrite(path: string, records: Iterable<Lease>): Promise<FileHandle> {
  const temporary = `${path}.tmp`;
  try {
    const out = await open(temporary, 'w', 0o600);
    try {
      let chunk: string[] = [];
      for (const lease of records) {
        chunk.push(formatLeaseLine(lease));
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
    throw new DhcpServerError('LEASE_FILE', `cannot write lease file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
