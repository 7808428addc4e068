// Real DHCP clients (udhcpc, dhclient, perfdhcp) against the server in network namespaces.

// Needs root, iproute2, busybox, isc-dhcp-client and perfdhcp (kea-admin); skips without them, fails under CI.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { parseIpv4 } from '../../src/net/ipv4.js';
import type { ManagedProcess } from '../support/managed-process.js';
import { runCommandStatus } from '../support/run-command.js';
import { requireTools } from './support/require-tool.js';
import { SERVER_ADDRESS, createSegment, eventsOf, runDhclient, runUdhcpc, startServerFixture } from './support/segment.js';
import type { ClientLease, Segment } from './support/segment.js';

const pool = { first: '198.18.0.100', last: '198.18.0.150', netmask: '255.255.255.0', router: SERVER_ADDRESS, dns: ['198.18.0.53', '198.18.0.54'], leaseSeconds: 600 };
const boot = { bootFile: 'undionly.kpxe', nextServer: SERVER_ADDRESS, vendorClass: 'PXEClient' };

async function segment(t: TestContext, clientMac: string, clientAddress?: string): Promise<Segment> {
  const seg = await createSegment({ clientMac, ...(clientAddress === undefined ? {} : { clientAddress }) });
  t.after(() => seg.destroy());
  return seg;
}

async function server(t: TestContext, seg: Segment, options: Record<string, unknown>): Promise<ManagedProcess> {
  const child = await startServerFixture(seg.server, { interfaceName: seg.serverIf, serverAddress: SERVER_ADDRESS, boot, ...options });
  t.after(() => child.stop());
  return child;
}

function assertPoolLease(lease: ClientLease | null): asserts lease is ClientLease {
  assert.ok(lease !== null, 'the client got no lease');
  const ip = parseIpv4(lease.ip);
  assert.ok(ip !== null && ip >= parseIpv4(pool.first)! && ip <= parseIpv4(pool.last)!, `${lease.ip} is outside the pool`);
  assert.equal(lease.router, SERVER_ADDRESS);
  assert.deepEqual(lease.dns.split(' '), pool.dns);
  assert.equal(lease.subnet, '255.255.255.0');
  assert.equal(lease.serverId, SERVER_ADDRESS);
}

describe('real clients in network namespaces', () => {
  test('busybox udhcpc gets a lease from the pool in full mode', async (t) => {
    if (!requireTools(t, ['ip', 'busybox'])) return;
    const seg = await segment(t, '02:b7:01:00:00:01');
    const child = await server(t, seg, { mode: 'full', pool });
    const lease = await runUdhcpc(seg);
    assertPoolLease(lease);
    assert.deepEqual(eventsOf(child).map((e) => e.kind), ['offer', 'ack']);
  });

  test('ISC dhclient gets a lease from the pool in full mode', async (t) => {
    if (!requireTools(t, ['ip', 'dhclient'])) return;
    const seg = await segment(t, '02:b7:01:00:00:02');
    const child = await server(t, seg, { mode: 'full', pool });
    const lease = await runDhclient(seg);
    assertPoolLease(lease);
    assert.ok(eventsOf(child).some((e) => e.kind === 'ack' && e.address === lease.ip && e.mac === '02:b7:01:00:00:02'));
  });

  test('proxy mode: udhcpc and dhclient get nothing, and the server says why', async (t) => {
    if (!requireTools(t, ['ip', 'busybox', 'dhclient'])) return;
    const seg = await segment(t, '02:b7:01:00:00:03');
    const child = await server(t, seg, { mode: 'proxy' });
    assert.equal(await runUdhcpc(seg, { tries: 2 }), null);
    assert.equal(await runDhclient(seg, { timeoutSeconds: 4 }), null);
    const events = eventsOf(child);
    assert.ok(events.length >= 2, 'the DISCOVERs reached the server');
    assert.ok(events.every((e) => e.kind === 'ignored'), JSON.stringify(events));
  });

  test('a lease survives a server restart, read back from the lease file', async (t) => {
    if (!requireTools(t, ['ip', 'busybox'])) return;
    const first = '02:b7:01:00:00:04';
    const second = '02:b7:01:00:00:05';
    const seg = await segment(t, first);
    const leaseFile = join(seg.dir, 'leases.jsonl');
    const before = await server(t, seg, { mode: 'full', pool, leaseFile });
    const lease = await runUdhcpc(seg);
    assertPoolLease(lease);
    await before.stop();
    assert.match(before.output(), /^STATS /m, 'the server stopped cleanly');
    const records = readFileSync(leaseFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { ip: string; mac: string; state: string });
    assert.ok(records.some((r) => r.ip === lease.ip && r.mac === first && r.state === 'bound'), JSON.stringify(records));

    await server(t, seg, { mode: 'full', pool, leaseFile });
    // Another machine first: it must not be given the restored address...
    await seg.client.run(['ip', 'link', 'set', seg.clientIf, 'address', second]);
    const other = await runUdhcpc(seg);
    assertPoolLease(other);
    assert.notEqual(other.ip, lease.ip);
    // ...and the first machine gets its address back.
    await seg.client.run(['ip', 'link', 'set', seg.clientIf, 'address', first]);
    const again = await runUdhcpc(seg);
    assertPoolLease(again);
    assert.equal(again.ip, lease.ip);
  });

  test('perfdhcp (a relay, giaddr set) gets its 4-way exchanges answered', async (t) => {
    if (!requireTools(t, ['ip', 'perfdhcp'])) return;
    const seg = await segment(t, '02:b7:01:00:00:06', '198.18.0.2/24');
    await server(t, seg, { mode: 'full', events: false, pool: { ...pool, last: '198.18.0.250' }, leaseFile: join(seg.dir, 'leases.jsonl') });
    // A modest rate: this proves the relay path, not speed.
    const result = await runCommandStatus(seg.client.argv(['perfdhcp', '-4', '-l', '198.18.0.2', '-r', '50', '-p', '3', '-R', '100', SERVER_ADDRESS]), { timeoutMs: 60_000 });
    assert.ok(result.code === 0 || result.code === 3, `perfdhcp exited ${result.code}: ${result.stderr}`);
    const stats = perfdhcpStats(result.stdout);
    for (const exchange of ['DISCOVER-OFFER', 'REQUEST-ACK']) {
      const s = stats.get(exchange);
      assert.ok(s !== undefined, `no ${exchange} statistics in:\n${result.stdout}`);
      assert.ok(s.sent > 50, `${exchange}: only ${s.sent} sent`);
      assert.ok(s.received >= s.sent * 0.95, `${exchange}: ${s.received} of ${s.sent} answered`);
    }
  });
});

/** "***Statistics for: DISCOVER-OFFER***" blocks with "sent packets: N" and "received packets: N". */
function perfdhcpStats(output: string): Map<string, { sent: number; received: number }> {
  const out = new Map<string, { sent: number; received: number }>();
  for (const block of output.split('***Statistics for: ').slice(1)) {
    const name = block.slice(0, block.indexOf('***'));
    const sent = /sent packets: (\d+)/.exec(block);
    const received = /received packets: (\d+)/.exec(block);
    if (sent !== null && received !== null) out.set(name, { sent: Number(sent[1]), received: Number(received[1]) });
  }
  return out;
}
