// The full-mode address pool, validated once, with the addresses never to lease (RFC 2131 §4.3.1).
import { broadcastOf, formatIpv4, parseIpv4, sameSubnet } from '../net/ipv4.js';
import { DhcpServerError } from './errors.js';
import { networkConfiguration } from './reply.js';
import type { LeaseParameters } from './reply.js';
import type { DhcpPool } from './types.js';

export interface PoolPlan {
  readonly first: number;
  readonly last: number;
  readonly mask: number;
  readonly network: number;
  readonly lease: LeaseParameters;
  /** Inside the range but not to be leased: us, the router, DNS servers, network and broadcast addresses. */
  readonly excluded: ReadonlySet<number>;
}

export function planPool(pool: DhcpPool, serverAddress: string): PoolPlan {
  const first = parseIpv4(pool.first);
  const last = parseIpv4(pool.last);
  const mask = parseIpv4(pool.netmask);
  const server = parseIpv4(serverAddress);
  const bad = (why: string): DhcpServerError => new DhcpServerError('INVALID_POOL', `DHCP pool ${pool.first}-${pool.last}/${pool.netmask}: ${why}`);
  if (first === null || last === null) throw bad('first and last must be IPv4 addresses');
  if (mask === null || ((~mask >>> 0) & ((~mask >>> 0) + 1)) !== 0) throw bad('netmask is not a contiguous mask');
  if (server === null) throw bad(`server address ${serverAddress} is not an IPv4 address`);
  if (first > last) throw bad('first is after last');
  if (!sameSubnet(first, last, mask)) throw bad('first and last are in different subnets');
  if (!sameSubnet(first, server, mask)) throw bad(`server address ${serverAddress} is outside the pool's subnet`);
  if (!Number.isInteger(pool.leaseSeconds) || pool.leaseSeconds < 60) throw bad('leaseSeconds must be an integer of at least 60');
  const addresses = [pool.router, ...(pool.dns ?? [])].filter((a): a is string => a !== undefined);
  for (const address of addresses) if (parseIpv4(address) === null) throw bad(`${address} is not an IPv4 address`);
  if (pool.router !== undefined && !sameSubnet(parseIpv4(pool.router)!, first, mask)) throw bad(`router ${pool.router} is outside the subnet`);

  const network = (first & mask) >>> 0;
  const excluded = new Set<number>([server, network, broadcastOf(first, mask), ...addresses.map((a) => parseIpv4(a)!)]);
  const free = last - first + 1 - [...excluded].filter((a) => a >= first && a <= last).length;
  if (free <= 0) throw bad('no address left to lease');
  return {
    first,
    last,
    mask,
    network,
    lease: { seconds: pool.leaseSeconds, configuration: networkConfiguration({ ...pool, netmask: formatIpv4(mask) }) },
    excluded,
  };
}

export function inRange(plan: PoolPlan, address: number): boolean {
  return address >= plan.first && address <= plan.last && !plan.excluded.has(address);
}

/** Leasable at all: in the range, or a reservation inside the subnet (reservations may sit outside the range). */
export function inSubnet(plan: PoolPlan, address: number): boolean {
  return sameSubnet(address, plan.network, plan.mask) && !plan.excluded.has(address);
}
