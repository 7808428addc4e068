// Decision table for the full DHCP server (RFC 2131 §4.3) on real client requests, over a real lease table.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DECLINE_QUARANTINE_MS, decideFull } from '../../src/dhcp/decide-full.js';
import type { DhcpDecision } from '../../src/dhcp/decision.js';
import { createLeaseTable } from '../../src/dhcp/leases.js';
import type { LeaseTable } from '../../src/dhcp/leases.js';
import { DhcpOption } from '../../src/dhcp/options.js';
import { planPool } from '../../src/dhcp/pool.js';
import type { DhcpBoot } from '../../src/dhcp/types.js';
import type { CaptureName } from './support/fixtures.js';
import { request } from './support/requests.js';
import type { Edits } from './support/requests.js';

// The captures' server (dnsmasq) was 198.18.0.1: to us that is "another server".
const US = '198.18.0.2';
const OTHER = '198.18.0.1';
const T0 = 1_700_000_000_000;
const pool = planPool(
  { first: '198.18.0.100', last: '198.18.0.109', netmask: '255.255.255.0', router: '198.18.0.254', dns: ['198.18.0.53'], domain: 'lab', leaseSeconds: 3600 },
  US,
);
const uefi: DhcpBoot = { bootFile: 'ipxe.efi', nextServer: US, vendorClass: 'PXEClient' };

interface Options {
  readonly boot?: DhcpBoot | null;
  readonly reservation?: string | null;
  readonly now?: number;
}

/** Decides like the server does, and applies the lease change to the table the same way. */
function decide(table: LeaseTable, capture: CaptureName, edits: Edits = {}, options: Options = {}): DhcpDecision {
  const { message, client } = request(capture, edits);
  const decision = decideFull({
    request: message,
    client,
    boot: options.boot ?? null,
    reservation: options.reservation ?? null,
    serverAddress: US,
    ports: { server: 67, client: 68 },
    pool,
    leases: table,
    now: options.now ?? T0,
  });
  if (decision.change !== undefined) table.apply(decision.change);
  return decision;
}

function replyOf(decision: DhcpDecision, type: number) {
  assert.equal(decision.action, 'reply', decision.action === 'ignore' ? decision.reason : decision.action);
  if (decision.action !== 'reply') throw new Error('unreachable');
  assert.equal(decision.reply.options.get(DhcpOption.MessageType)![0], type);
  return decision;
}

function destination(decision: DhcpDecision): string {
  if (decision.action !== 'reply') return decision.action;
  const to = decision.to;
  return to.kind === 'broadcast' ? `broadcast:${to.port}` : `${to.kind === 'hardware' ? 'hw ' : ''}${to.address}:${to.port}`;
}

const offerOf = (table: LeaseTable, capture: CaptureName, edits: Edits = {}, options: Options = {}): string =>
  replyOf(decide(table, capture, edits, options), 2).reply.yiaddr;

/** DISCOVER then REQUEST(SELECTING) naming us: the 4-way exchange. */
function bind(table: LeaseTable, mac: string, now = T0): string {
  const address = offerOf(table, 'udhcpc-discover', { mac }, { now });
  replyOf(decide(table, 'udhcpc-request', { mac, options: [[54, US], [50, address]] }, { now }), 5);
  return address;
}

const fresh = (): LeaseTable => createLeaseTable(pool);

describe('DISCOVER', () => {
  test('a new client is offered the first free address with the lease options, unicast to chaddr (no broadcast flag)', () => {
    const table = fresh();
    const decision = replyOf(decide(table, 'udhcpc-discover'), 2);
    const reply = decision.reply;
    assert.equal(reply.yiaddr, '198.18.0.100');
    assert.equal(destination(decision), 'hw 198.18.0.100:68');
    assert.equal(reply.options.get(DhcpOption.LeaseTime)!.readUInt32BE(0), 3600);
    assert.equal(reply.options.get(DhcpOption.RenewalTime)!.readUInt32BE(0), 1800);
    assert.equal(reply.options.get(DhcpOption.RebindingTime)!.readUInt32BE(0), 3150);
    assert.deepEqual([...reply.options.get(DhcpOption.SubnetMask)!], [255, 255, 255, 0]);
    assert.deepEqual([...reply.options.get(DhcpOption.Router)!], [198, 18, 0, 254]);
    assert.deepEqual([...reply.options.get(DhcpOption.DomainNameServer)!], [198, 18, 0, 53]);
    assert.equal(reply.options.get(DhcpOption.DomainName)!.toString(), 'lab');
    assert.equal(reply.options.has(DhcpOption.VendorClass), false, 'no boot info for a plain client');
    assert.equal(decision.change?.state, 'offered');
  });

  test('the broadcast flag (OVMF) makes the offer a broadcast', () => {
    assert.equal(destination(decide(fresh(), 'ovmf-discover')), 'broadcast:68');
  });

  test('a PXE client gets address and boot information in one reply', () => {
    const decision = replyOf(decide(fresh(), 'ovmf-discover', {}, { boot: uefi }), 2);
    assert.equal(decision.reply.yiaddr, '198.18.0.100');
    assert.equal(decision.reply.options.get(DhcpOption.BootFileName)!.toString(), 'ipxe.efi');
    assert.equal(decision.reply.options.get(DhcpOption.VendorClass)!.toString(), 'PXEClient');
    assert.equal(decision.reply.siaddr, US);
    assert.equal(decision.reply.file.toString(), 'ipxe.efi');
  });

  test('an offer reserves the address (the Pi 3B never REQUESTs): the next client gets another one', () => {
    const table = fresh();
    assert.equal(offerOf(table, 'udhcpc-discover', { mac: '02:00:00:00:00:01' }), '198.18.0.100');
    assert.equal(offerOf(table, 'udhcpc-discover', { mac: '02:00:00:00:00:02' }, { now: T0 + 3_000_000 }), '198.18.0.101');
  });

  test('a client that asks again is offered the same address', () => {
    const table = fresh();
    const first = bind(table, '02:00:00:00:00:01');
    bind(table, '02:00:00:00:00:02');
    assert.equal(offerOf(table, 'udhcpc-discover', { mac: '02:00:00:00:00:01' }), first);
  });

  test('the reservation wins over everything', () => {
    const table = fresh();
    assert.equal(offerOf(table, 'udhcpc-discover', { options: [[50, '198.18.0.105']] }, { reservation: '198.18.0.42' }), '198.18.0.42');
  });

  test('a reservation held by another client falls back to the pool', () => {
    const table = fresh();
    const held = bind(table, '02:00:00:00:00:01');
    assert.notEqual(offerOf(table, 'udhcpc-discover', {}, { reservation: held }), held);
  });

  test('a reservation outside the subnet is not used', () => {
    assert.equal(offerOf(fresh(), 'udhcpc-discover', {}, { reservation: '10.1.2.3' }), '198.18.0.100');
  });

  test('a free requested address (option 50) is honoured', () => {
    assert.equal(offerOf(fresh(), 'udhcpc-discover', { options: [[50, '198.18.0.107']] }), '198.18.0.107');
  });

  test('a requested address that another client holds is not', () => {
    const table = fresh();
    const held = bind(table, '02:00:00:00:00:01');
    assert.notEqual(offerOf(table, 'udhcpc-discover', { options: [[50, held]] }), held);
  });

  test('a requested address outside the range is not', () => {
    assert.equal(offerOf(fresh(), 'udhcpc-discover', { options: [[50, '198.18.0.200']] }), '198.18.0.100');
  });

  test('an exhausted pool -> no answer', () => {
    const table = fresh();
    for (let i = 0; i < 10; i++) bind(table, `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`);
    const decision = decide(table, 'udhcpc-discover');
    assert.equal(decision.action, 'ignore');
  });

  test('a relayed DISCOVER is answered to giaddr:67', () => {
    assert.equal(destination(decide(fresh(), 'udhcpc-discover', { giaddr: '198.18.0.250' })), '198.18.0.250:67');
  });

  test("a relay's agent information (option 82) is echoed, last", () => {
    const agent = [1, 4, 0x65, 0x74, 0x68, 0x30];
    const decision = replyOf(decide(fresh(), 'udhcpc-discover', { giaddr: '198.18.0.250', options: [[82, agent]] }), 2);
    assert.deepEqual([...decision.reply.options.get(DhcpOption.RelayAgentInformation)!], agent);
    assert.equal([...decision.reply.options.keys()].at(-1), DhcpOption.RelayAgentInformation);
  });

  test('a relay on another subnet -> no answer', () => {
    assert.equal(decide(fresh(), 'udhcpc-discover', { giaddr: '198.19.7.1' }).action, 'ignore');
  });
});

describe('REQUEST', () => {
  test('SELECTING us with the offered address -> ACK, lease bound', () => {
    const table = fresh();
    const address = offerOf(table, 'udhcpc-discover');
    const decision = replyOf(decide(table, 'udhcpc-request', { options: [[54, US], [50, address]] }), 5);
    assert.equal(decision.reply.yiaddr, address);
    assert.equal(decision.change?.state, 'bound');
    assert.equal(table.get(address)?.state, 'bound');
  });

  test('SELECTING another server -> silence, and our offer is let go', () => {
    const table = fresh();
    const address = offerOf(table, 'udhcpc-discover');
    const decision = decide(table, 'udhcpc-request', { options: [[54, OTHER], [50, '198.18.0.130']] });
    assert.equal(decision.action, 'ignore');
    assert.equal(table.get(address)?.state, 'released');
    assert.equal(offerOf(table, 'udhcpc-discover', { mac: '02:00:00:00:00:09' }), '198.18.0.101', 'released addresses are reused after never-used ones');
  });

  test('SELECTING us for an address another client holds -> NAK, broadcast', () => {
    const table = fresh();
    const held = bind(table, '02:00:00:00:00:01');
    const decision = replyOf(decide(table, 'udhcpc-request', { options: [[54, US], [50, held]] }), 6);
    assert.equal(decision.reply.yiaddr, '0.0.0.0');
    assert.equal(destination(decision), 'broadcast:68');
  });

  test('a relayed NAK goes to the relay with the broadcast flag set', () => {
    const table = fresh();
    const held = bind(table, '02:00:00:00:00:01');
    const decision = replyOf(decide(table, 'udhcpc-request', { giaddr: '198.18.0.250', options: [[54, US], [50, held]] }), 6);
    assert.equal(destination(decision), '198.18.0.250:67');
    assert.equal(decision.reply.flags & 0x8000, 0x8000);
  });

  test('SELECTING us for an address other than the reservation -> NAK', () => {
    const table = fresh();
    replyOf(decide(table, 'udhcpc-request', { options: [[54, US], [50, '198.18.0.103']] }, { reservation: '198.18.0.42' }), 6);
  });

  test('INIT-REBOOT with its own address -> ACK (broadcast: no ciaddr yet)', () => {
    const table = fresh();
    const mine = bind(table, '02:00:00:00:00:01');
    const decision = replyOf(decide(table, 'udhcpc-request', { mac: '02:00:00:00:00:01', options: [[54, null], [50, mine]] }, { now: T0 + 7_200_000 }), 5);
    assert.equal(decision.reply.yiaddr, mine);
    assert.equal(table.get(mine)?.expiresAt, T0 + 7_200_000 + 3_600_000);
  });

  test('INIT-REBOOT with another address than its lease -> NAK', () => {
    const table = fresh();
    bind(table, '02:00:00:00:00:01');
    replyOf(decide(table, 'udhcpc-request', { mac: '02:00:00:00:00:01', options: [[54, null], [50, '198.18.0.108']] }), 6);
  });

  test('INIT-REBOOT on the wrong network -> NAK', () => {
    const table = fresh();
    replyOf(decide(table, 'udhcpc-request', { options: [[54, null], [50, '192.0.2.10']] }), 6);
  });

  test("INIT-REBOOT for another client's address -> NAK", () => {
    const table = fresh();
    const held = bind(table, '02:00:00:00:00:01');
    replyOf(decide(table, 'udhcpc-request', { options: [[54, null], [50, held]] }), 6);
  });

  test('INIT-REBOOT from a client we have no record of -> silence', () => {
    assert.equal(decide(fresh(), 'udhcpc-request', { options: [[54, null], [50, '198.18.0.105']] }).action, 'ignore');
  });

  test('RENEWING (ciaddr) its own lease -> ACK unicast to ciaddr, lease extended', () => {
    const table = fresh();
    const mine = bind(table, '02:00:00:00:00:01');
    const decision = replyOf(decide(table, 'udhcpc-request', { mac: '02:00:00:00:00:01', ciaddr: mine, options: [[54, null], [50, null]] }, { now: T0 + 1_800_000 }), 5);
    assert.equal(destination(decision), `${mine}:68`);
    assert.equal(decision.reply.ciaddr, mine);
    assert.equal(table.get(mine)?.expiresAt, T0 + 1_800_000 + 3_600_000);
  });

  test("RENEWING someone else's address -> NAK", () => {
    const table = fresh();
    const held = bind(table, '02:00:00:00:00:01');
    replyOf(decide(table, 'udhcpc-request', { ciaddr: held, options: [[54, null], [50, null]] }), 6);
  });

  test('RENEWING an address we have no record of -> silence', () => {
    assert.equal(decide(fresh(), 'udhcpc-request', { ciaddr: '198.18.0.104', options: [[54, null], [50, null]] }).action, 'ignore');
  });
});

describe('DECLINE, RELEASE, INFORM', () => {
  test('DECLINE quarantines the address for everyone, then it comes back', () => {
    const table = fresh();
    const mac = '02:00:00:00:00:01';
    const bad = bind(table, mac);
    const decision = decide(table, 'udhcpc-request', { mac, type: 4, options: [[54, US], [50, bad]] });
    assert.equal(decision.action, 'silent');
    assert.equal(table.get(bad)?.state, 'declined');
    assert.equal(table.get(bad)?.mac, null);
    assert.notEqual(offerOf(table, 'udhcpc-discover', { mac }, { now: T0 + 1000 }), bad, 'the decliner gets another address');
    assert.equal(table.availableTo(bad, '02:00:00:00:00:99', T0 + DECLINE_QUARANTINE_MS - 1), false);
    assert.equal(table.availableTo(bad, '02:00:00:00:00:99', T0 + DECLINE_QUARANTINE_MS), true);
  });

  test("DECLINE of an address that is not the client's -> ignored", () => {
    const table = fresh();
    const held = bind(table, '02:00:00:00:00:01');
    assert.equal(decide(table, 'udhcpc-request', { type: 4, options: [[54, US], [50, held]] }).action, 'ignore');
    assert.equal(table.get(held)?.state, 'bound');
  });

  test('RELEASE frees the address but the client gets it back next time', () => {
    const table = fresh();
    const mac = '02:00:00:00:00:01';
    const mine = bind(table, mac);
    const decision = decide(table, 'udhcpc-request', { mac, type: 7, ciaddr: mine, options: [[54, US], [50, null]] });
    assert.equal(decision.action, 'silent');
    assert.equal(table.get(mine)?.state, 'released');
    assert.equal(offerOf(table, 'udhcpc-discover', { mac }), mine);
  });

  test('RELEASE for another server -> ignored', () => {
    const table = fresh();
    const mac = '02:00:00:00:00:01';
    const mine = bind(table, mac);
    assert.equal(decide(table, 'udhcpc-request', { mac, type: 7, ciaddr: mine, options: [[54, OTHER], [50, null]] }).action, 'ignore');
    assert.equal(table.get(mine)?.state, 'bound');
  });

  test('INFORM -> ACK to ciaddr with configuration, no lease time, no yiaddr', () => {
    const decision = replyOf(decide(fresh(), 'udhcpc-request', { type: 8, ciaddr: '198.18.0.77', options: [[54, null], [50, null]] }, { boot: uefi }), 5);
    assert.equal(destination(decision), '198.18.0.77:68');
    assert.equal(decision.reply.yiaddr, '0.0.0.0');
    assert.equal(decision.reply.options.has(DhcpOption.LeaseTime), false);
    assert.deepEqual([...decision.reply.options.get(DhcpOption.Router)!], [198, 18, 0, 254]);
    assert.equal(decision.reply.options.get(DhcpOption.BootFileName)!.toString(), 'ipxe.efi');
  });

  test('OFFER/ACK-type messages from a client -> ignored', () => {
    assert.equal(decide(fresh(), 'udhcpc-request', { type: 2 }).action, 'ignore');
  });
});
