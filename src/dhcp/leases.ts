// The in-memory full-mode lease table and address allocation (RFC 2131 §4.3.1-§4.3.6 bookkeeping); no I/O.
import { formatIpv4, parseIpv4 } from '../net/ipv4.js';
import type { PoolPlan } from './pool.js';

export type LeaseState = 'offered' | 'bound' | 'released' | 'declined';

/** One address's record; a change is simply the new record (and a journal line). Times in ms since the epoch. */
export interface Lease {
  readonly ip: string;
  /** Null for a declined address: it belongs to nobody. */
  readonly mac: string | null;
  readonly clientId: string | null;
  readonly hostname: string | null;
  readonly state: LeaseState;
  /** For offered/bound: end of the lease; for declined: end of the quarantine; released: when released. */
  readonly expiresAt: number;
  readonly updatedAt: number;
}

export type LeaseChange = Lease;

/** What decisions may read. */
export interface LeaseView {
  get(ip: string): Lease | undefined;
  byMac(mac: string): Lease | undefined;
  /** Whether `mac` may take `ip` now (no one else holds it). Range checks are the caller's. */
  availableTo(ip: string, mac: string, now: number): boolean;
  /** A free address for a new client, or null when the pool is exhausted. */
  allocate(now: number): string | null;
}

export interface LeaseTable extends LeaseView {
  apply(lease: Lease): void;
  all(): IterableIterator<Lease>;
  readonly size: number;
}

/**
 * An offer is held for the whole lease time, because the Raspberry Pi 3B ROM uses the address it was offered
 * without ever sending a DHCPREQUEST (facts/raspberry-pi.md). Only an exhausted pool takes back offers older
 * than this, oldest first.
 */
export const OFFER_RECLAIM_MS = 120_000;

export function createLeaseTable(plan: PoolPlan): LeaseTable {
  // Keyed by the dotted quad: that is what requests and decisions carry, so no parsing per packet.
  const byIp = new Map<string, Lease>();
  const macIndex = new Map<string, string>();
  // Never-used addresses are handed out first, in order, so that released ones keep their owner's affinity.
  let cursor = plan.first;

  const isHeld = (lease: Lease, now: number): boolean =>
    lease.state === 'declined' ? lease.expiresAt > now : (lease.state === 'offered' || lease.state === 'bound') && lease.expiresAt > now;

  const table: LeaseTable = {
    get: (ip) => byIp.get(ip),
    byMac: (mac) => {
      const ip = macIndex.get(mac);
      return ip === undefined ? undefined : byIp.get(ip);
    },
    availableTo: (ip, mac, now) => {
      const lease = byIp.get(ip);
      if (lease === undefined) return parseIpv4(ip) !== null;
      if (lease.state === 'declined') return lease.expiresAt <= now;
      return lease.mac === mac || !isHeld(lease, now);
    },
    allocate: (now) => {
      while (cursor <= plan.last) {
        const n = cursor;
        cursor += 1;
        if (plan.excluded.has(n)) continue;
        const ip = formatIpv4(n);
        if (!byIp.has(ip)) return ip;
      }
      // Every address has been used once: take the one free the longest, else the stalest unanswered offer.
      let best: Lease | undefined;
      let bestOffer: Lease | undefined;
      for (const lease of byIp.values()) {
        const n = parseIpv4(lease.ip)!;
        if (n < plan.first || n > plan.last || plan.excluded.has(n)) continue;
        if (!isHeld(lease, now)) {
          if (best === undefined || lease.expiresAt < best.expiresAt) best = lease;
        } else if (lease.state === 'offered' && lease.updatedAt + OFFER_RECLAIM_MS <= now) {
          if (bestOffer === undefined || lease.updatedAt < bestOffer.updatedAt) bestOffer = lease;
        }
      }
      return (best ?? bestOffer)?.ip ?? null;
    },
    apply: (lease) => {
      const ip = lease.ip;
      const previous = byIp.get(ip);
      if (previous?.mac != null && previous.mac !== lease.mac && macIndex.get(previous.mac) === ip) macIndex.delete(previous.mac);
      byIp.set(ip, lease);
      if (lease.mac !== null) {
        // A client moving to another address leaves its old record behind, free for others.
        const old = macIndex.get(lease.mac);
        if (old !== undefined && old !== ip) {
          const oldLease = byIp.get(old);
          if (oldLease !== undefined && oldLease.mac === lease.mac && isHeld(oldLease, lease.updatedAt)) {
            byIp.set(old, { ...oldLease, state: 'released', expiresAt: lease.updatedAt, updatedAt: lease.updatedAt });
          }
        }
        macIndex.set(lease.mac, ip);
      }
    },
    all: () => byIp.values(),
    get size() {
      return byIp.size;
    },
  };
  return table;
}
