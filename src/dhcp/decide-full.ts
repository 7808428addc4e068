// Full DHCP server decisions over the lease table, boot info included for PXE clients (RFC 2131 §4.3); pure.
import { formatIpv4, parseIpv4, sameSubnet } from '../net/ipv4.js';
import { ZERO_ADDRESS, optionAddress } from './message.js';
import type { DhcpMessage } from './message.js';
import { DhcpOption } from './options.js';
import { ignore } from './decision.js';
import type { DhcpDecision } from './decision.js';
import type { Lease, LeaseView } from './leases.js';
import { inRange, inSubnet } from './pool.js';
import type { PoolPlan } from './pool.js';
import { buildReply, replyDestination } from './reply.js';
import type { PortNumbers } from './reply.js';
import type { DhcpBoot, DhcpClient } from './types.js';

/** RFC 2131 §3.1.5 leaves "how long" to the server; ten minutes outlasts a duplicate that was briefly up. */
export const DECLINE_QUARANTINE_MS = 600_000;

export interface FullInput {
  readonly request: DhcpMessage;
  readonly client: DhcpClient;
  readonly boot: DhcpBoot | null;
  /** policy.reservationFor(mac), already asked. */
  readonly reservation: string | null;
  readonly serverAddress: string;
  readonly ports: PortNumbers;
  readonly pool: PoolPlan;
  readonly leases: LeaseView;
  readonly now: number;
}

export function decideFull(input: FullInput): DhcpDecision {
  const { client, pool } = input;
  if (client.relay !== null) {
    const relay = parseIpv4(client.relay);
    // One pool, one subnet: a relay on another subnet would hand out addresses that cannot work there.
    if (relay === null || !sameSubnet(relay, pool.network, pool.mask)) return ignore(`relay ${client.relay} is not on the pool's subnet`);
  }
  switch (client.messageType) {
    case 'DISCOVER':
      return discover(input);
    case 'REQUEST':
      return requestAddress(input);
    case 'DECLINE':
      return decline(input);
    case 'RELEASE':
      return release(input);
    case 'INFORM':
      return inform(input);
    default:
      return ignore(`${client.messageType} is not a client message`);
  }
}

function discover(input: FullInput): DhcpDecision {
  const { request, client, leases, now, pool } = input;
  const address = chooseAddress(input);
  if (address === null) return ignore('address pool exhausted');
  const current = leases.get(address);
  // A client that still holds a bound lease keeps it bound; only the expiry of an offer moves.
  const stillBound = current !== undefined && current.mac === client.mac && current.state === 'bound' && current.expiresAt > now;
  const change = stillBound ? undefined : record(input, address, 'offered', now + pool.lease.seconds * 1000);
  const reply = buildReply(request, client, { type: 'OFFER', serverAddress: input.serverAddress, yiaddr: address, lease: pool.lease, boot: input.boot });
  return {
    action: 'reply',
    reply,
    to: replyDestination(request, reply, input.ports),
    event: { kind: 'offer', address, proxy: false },
    ...(change === undefined ? {} : { change }),
  };
}

/** RFC 2131 §4.3.1 order: reservation, the client's current or last address, its requested address, a free one. */
function chooseAddress(input: FullInput): string | null {
  const { client, leases, now, pool } = input;
  const reserved = usableReservation(input);
  if (reserved !== null) return reserved;
  const own = leases.byMac(client.mac);
  if (own !== undefined && own.state !== 'declined' && inRange(pool, parseIpv4(own.ip)!) && leases.availableTo(own.ip, client.mac, now)) return own.ip;
  const requested = optionAddress(input.request, DhcpOption.RequestedAddress);
  if (requested !== null && isLeasable(input, requested)) return requested;
  return leases.allocate(now);
}

/** The reservation when it is in the subnet and nobody else holds it (then the client gets a pool address). */
function usableReservation(input: FullInput): string | null {
  const { reservation, pool, leases, client, now } = input;
  if (reservation === null) return null;
  const n = parseIpv4(reservation);
  if (n === null || !inSubnet(pool, n)) return null;
  // The policy's text may be "198.18.0.05"; leases are keyed by the canonical form.
  const address = formatIpv4(n);
  return leases.availableTo(address, client.mac, now) ? address : null;
}

function isLeasable(input: FullInput, address: string): boolean {
  const n = parseIpv4(address);
  if (n === null) return false;
  const reserved = usableReservation(input);
  if (reserved !== null) return reserved === address;
  return inRange(input.pool, n) && input.leases.availableTo(address, input.client.mac, input.now);
}

function requestAddress(input: FullInput): DhcpDecision {
  const { request, client, leases, serverAddress, pool, now } = input;
  const serverId = optionAddress(request, DhcpOption.ServerIdentifier);
  const requested = optionAddress(request, DhcpOption.RequestedAddress);
  const ciaddr = request.ciaddr === ZERO_ADDRESS ? null : request.ciaddr;
  const own = leases.byMac(client.mac);

  if (serverId !== null) {
    // SELECTING (§4.3.2): the client chose a server. If not us, let go of what we offered it.
    if (serverId !== serverAddress) {
      const change = own?.state === 'offered' ? { ...own, state: 'released' as const, expiresAt: now, updatedAt: now } : undefined;
      return ignore(`REQUEST for server ${serverId}`, change);
    }
    const address = requested ?? ciaddr;
    if (address === null) return ignore('SELECTING REQUEST without a requested address');
    return isLeasable(input, address) ? ack(input, address) : nak(input, `${address} is not available`);
  }

  if (ciaddr === null) {
    // INIT-REBOOT (§4.3.2): verify the client's remembered address.
    if (requested === null) return ignore('REQUEST with neither server id, requested address nor ciaddr');
    const n = parseIpv4(requested)!;
    if (!sameSubnet(n, pool.network, pool.mask)) return nak(input, `${requested} is on the wrong network`);
    if (own === undefined || own.state === 'declined') {
      if (!leases.availableTo(requested, client.mac, now)) return nak(input, `${requested} belongs to another client`);
      // §4.3.2: no record of this client, so it may be another server's: stay silent.
      return ignore(`INIT-REBOOT for ${requested}: no record of this client`);
    }
    return own.ip === requested && isLeasable(input, requested) ? ack(input, requested) : nak(input, `${requested} is not this client's address`);
  }

  // RENEWING (unicast) or REBINDING (broadcast), §4.3.2: extend the lease the client is using.
  if (own !== undefined && own.ip === ciaddr && own.state !== 'declined') {
    return isLeasable(input, ciaddr) ? ack(input, ciaddr) : nak(input, `${ciaddr} is no longer this client's address`);
  }
  const n = parseIpv4(ciaddr)!;
  if (!sameSubnet(n, pool.network, pool.mask) || !leases.availableTo(ciaddr, client.mac, now)) return nak(input, `${ciaddr} is not this client's address`);
  return ignore(`renewal of ${ciaddr}: no record of this client`);
}

function ack(input: FullInput, address: string): DhcpDecision {
  const { request, client, pool, now } = input;
  const change = record(input, address, 'bound', now + pool.lease.seconds * 1000);
  const reply = buildReply(request, client, { type: 'ACK', serverAddress: input.serverAddress, yiaddr: address, lease: pool.lease, boot: input.boot });
  return { action: 'reply', reply, to: replyDestination(request, reply, input.ports), event: { kind: 'ack', address, proxy: false }, change };
}

function nak(input: FullInput, why: string): DhcpDecision {
  const reply = buildReply(input.request, input.client, { type: 'NAK', serverAddress: input.serverAddress, text: why });
  return { action: 'reply', reply, to: replyDestination(input.request, reply, input.ports), event: { kind: 'nak', reason: why, proxy: false } };
}

function decline(input: FullInput): DhcpDecision {
  const { request, client, leases, now } = input;
  const serverId = optionAddress(request, DhcpOption.ServerIdentifier);
  if (serverId !== input.serverAddress) return ignore(`DECLINE for server ${serverId ?? 'none'}`);
  const address = optionAddress(request, DhcpOption.RequestedAddress);
  const lease = address === null ? undefined : leases.get(address);
  if (lease === undefined || lease.mac !== client.mac) return ignore(`DECLINE of ${address ?? 'no address'}, not this client's`);
  // §4.3.3: someone else answers on that address; keep it out of the pool for a while.
  const change: Lease = { ...lease, mac: null, clientId: null, hostname: null, state: 'declined', expiresAt: now + DECLINE_QUARANTINE_MS, updatedAt: now };
  return { action: 'silent', event: { kind: 'decline', address: lease.ip, proxy: false }, change };
}

function release(input: FullInput): DhcpDecision {
  const { request, client, leases, now } = input;
  const serverId = optionAddress(request, DhcpOption.ServerIdentifier);
  if (serverId !== null && serverId !== input.serverAddress) return ignore(`RELEASE for server ${serverId}`);
  const lease = leases.get(request.ciaddr);
  if (lease === undefined || lease.mac !== client.mac || lease.state === 'declined') return ignore(`RELEASE of ${request.ciaddr}, not this client's`);
  // The record keeps the MAC, so the same machine gets the same address back next time (§4.3.4).
  const change: Lease = { ...lease, state: 'released', expiresAt: now, updatedAt: now };
  return { action: 'silent', event: { kind: 'release', address: lease.ip, proxy: false }, change };
}

function inform(input: FullInput): DhcpDecision {
  const { request, client, pool } = input;
  // §4.3.5: configuration only, no lease time, no yiaddr; sent to ciaddr.
  const reply = buildReply(request, client, {
    type: 'ACK',
    serverAddress: input.serverAddress,
    lease: { ...pool.lease, seconds: 0 },
    boot: input.boot,
  });
  if (request.ciaddr === ZERO_ADDRESS && request.giaddr === ZERO_ADDRESS) return ignore('INFORM without ciaddr');
  return { action: 'reply', reply, to: replyDestination(request, reply, input.ports), event: { kind: 'inform', address: request.ciaddr, proxy: false } };
}

function record(input: FullInput, ip: string, state: 'offered' | 'bound', expiresAt: number): Lease {
  return {
    ip,
    mac: input.client.mac,
    clientId: input.client.clientId,
    hostname: input.client.hostname,
    state,
    expiresAt,
    updatedAt: input.now,
  };
}
