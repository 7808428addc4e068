// The full-mode lease journal: DHCP leases as JSON Lines in src/store's group-committed journal.
import type { Logger } from '../log/logger.js';
import { formatIpv4, parseIpv4 } from '../net/ipv4.js';
import { normalizeMac } from '../net/mac.js';
import { openJournal, readJournal, type Journal } from '../store/jsonl-journal.js';
import { DhcpServerError } from './errors.js';
import type { Lease } from './leases.js';

export type LeaseJournal = Journal<Lease>;

export interface JournalOptions {
  readonly path: string;
  readonly log: Logger;
  /** Every live record, for compaction (the server's lease table). */
  readonly snapshot: () => Iterable<Lease>;
  /** Compact when the journal has this many lines more than the live table (default 10,000). */
  readonly slack?: number;
}

const failure = (message: string, cause: unknown): Error => new DhcpServerError('LEASE_FILE', message, { cause });

/** Reads the records of an existing journal in order; a missing file is an empty one. Torn or foreign lines are skipped. */
export async function readLeaseFile(path: string, log: Logger): Promise<Lease[]> {
  const { records, skipped } = await readJournal(path, parseLeaseLine, failure);
  // A crash mid-write leaves a torn last line; anything else here means someone edited the file.
  if (skipped > 0) log.warn('skipped unreadable lease file lines', { path, skipped });
  return records;
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
export function openLeaseJournal(options: JournalOptions): Promise<LeaseJournal> {
  return openJournal({ ...options, format: formatLeaseLine, failure, what: 'lease file' });
}
