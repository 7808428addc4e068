// The DHCP server on loopback: proxy and full exchanges, lease file across restarts, start-up and policy failures.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { encodeDhcp } from '../../src/dhcp/codec.js';
import { DhcpOption } from '../../src/dhcp/options.js';
import { createDhcpServer } from '../../src/dhcp/server.js';
import type { DhcpBoot, DhcpClient, DhcpEvent, DhcpPolicy, DhcpServer, DhcpServerOptions } from '../../src/dhcp/server.js';
import { silentLogger } from '../../src/log/logger.js';
import { request } from './support/requests.js';
import type { Edits } from './support/requests.js';
import type { CaptureName } from './support/fixtures.js';
import { openUdpClient } from './support/udp-client.js';
import type { UdpClient } from './support/udp-client.js';

const US = '198.18.0.2';
const boot: DhcpBoot = { bootFile: 'ipxe.efi', nextServer: US, vendorClass: 'PXEClient' };
const pool = { first: '198.18.0.100', last: '198.18.0.150', netmask: '255.255.255.0', router: '198.18.0.1', dns: ['198.18.0.1'], leaseSeconds: 3600 };

function recordingPolicy(bootFor: (client: DhcpClient) => DhcpBoot | null = (c) => (c.vendorClass?.startsWith('PXEClient') ? boot : null)) {
  const events: { client: DhcpClient; event: DhcpEvent }[] = [];
  const policy: DhcpPolicy = { bootFor, observe: (client, event) => events.push({ client, event }) };
  return { policy, events };
}

async function startServer(
  t: { after(fn: () => Promise<void> | void): void },
  client: UdpClient,
  options: Partial<DhcpServerOptions> & Pick<DhcpServerOptions, 'mode' | 'policy'>,
): Promise<DhcpServer> {
  const server = createDhcpServer({
    interfaceName: null,
    serverAddress: US,
    ports: { server: 0, proxy: 0, client: client.port },
    broadcastAddress: '127.0.0.1',
    log: silentLogger(),
    ...options,
  });
  await server.start();
  t.after(() => server.stop());
  return server;
}

function packet(capture: CaptureName, edits: Edits = {}): { bytes: Buffer; xid: number } {
  const { message } = request(capture, edits);
  return { bytes: encodeDhcp(message), xid: message.xid };
}

async function udpClient(t: { after(fn: () => Promise<void>): void }): Promise<UdpClient> {
  const client = await openUdpClient();
  t.after(() => client.close());
  return client;
}

describe('proxy mode on loopback', () => {
  test('answers an iPXE DISCOVER with a padded proxy OFFER, and counts it', async (t) => {
    const client = await udpClient(t);
    const { policy, events } = recordingPolicy();
    const server = await startServer(t, client, { mode: 'proxy', policy });
    const discover = packet('ipxe-bios-discover');
    await client.send(discover.bytes, server.addresses().server);
    const offer = await client.reply(discover.xid);
    assert.equal(offer.options.get(DhcpOption.MessageType)![0], 2);
    assert.equal(offer.yiaddr, '0.0.0.0');
    assert.equal(offer.siaddr, US);
    assert.equal(offer.options.get(DhcpOption.BootFileName)!.toString(), 'ipxe.efi');
    assert.ok(client.received().at(-1)!.length >= 300);
    assert.deepEqual(server.stats(), { received: 1, malformed: 0, answered: 1, ignored: 0 });
    assert.equal(events[0]?.event.kind, 'offer');
    assert.equal(events[0]?.event.proxy, true);
    assert.equal(events[0]?.client.isIpxe, true);
  });

  test('stays silent for a non-PXE DISCOVER and reports it as ignored', async (t) => {
    const client = await udpClient(t);
    const { policy, events } = recordingPolicy();
    const server = await startServer(t, client, { mode: 'proxy', policy });
    const discover = packet('udhcpc-discover');
    const pxe = packet('ovmf-discover');
    await client.send(discover.bytes, server.addresses().server);
    await client.send(pxe.bytes, server.addresses().server);
    await client.reply(pxe.xid);
    assert.equal(client.received().length, 1, 'only the PXE client got an answer');
    assert.equal(server.stats().ignored, 1);
    assert.equal(events.find((e) => e.client.xid === discover.xid)?.event.kind, 'ignored');
  });

  test('answers a boot-server REQUEST on the 4011 port back to its source', async (t) => {
    const client = await udpClient(t);
    const { policy } = recordingPolicy();
    const server = await startServer(t, client, { mode: 'proxy', policy, ports: { server: 0, proxy: 0, client: 9 } });
    const req = packet('ovmf-request', { options: [[54, null]], ciaddr: '127.0.0.1' });
    await client.send(req.bytes, server.addresses().proxy);
    const ack = await client.reply(req.xid);
    assert.equal(ack.options.get(DhcpOption.MessageType)![0], 5);
    assert.equal(ack.options.get(DhcpOption.VendorClass)!.toString(), 'PXEClient');
  });

  test('a policy that throws costs no more than that answer', async (t) => {
    const client = await udpClient(t);
    let calls = 0;
    const policy: DhcpPolicy = {
      bootFor: () => {
        calls += 1;
        if (calls === 1) throw new Error('policy bug');
        return boot;
      },
      observe: () => {
        throw new Error('observer bug');
      },
    };
    const server = await startServer(t, client, { mode: 'proxy', policy });
    const first = packet('ovmf-discover');
    await client.send(first.bytes, server.addresses().server);
    const second = packet('ipxe-bios-discover');
    await client.send(second.bytes, server.addresses().server);
    await client.reply(second.xid);
    assert.deepEqual(server.stats(), { received: 2, malformed: 0, answered: 1, ignored: 1 });
  });
});

describe('full mode on loopback', () => {
  test('DISCOVER/REQUEST -> OFFER/ACK; the lease is in the file and survives a restart', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bdhcp-server-'));
    // Servers stop (and write their last lease file) before the folder goes: after-hooks run in order.
    const stops: (() => Promise<void>)[] = [];
    t.after(async () => {
      for (const stop of stops) await stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const leaseFile = join(dir, 'leases.jsonl');
    const client = await udpClient(t);
    const { policy, events } = recordingPolicy();
    const mac = '02:b7:00:00:00:01';

    const first = await startServer({ after: (fn) => stops.push(async () => fn()) }, client, { mode: 'full', pool, leaseFile, policy });
    const discover = packet('udhcpc-discover', { mac });
    await client.send(discover.bytes, first.addresses().server);
    const offer = await client.reply(discover.xid);
    assert.equal(offer.yiaddr, '198.18.0.100');
    const req = packet('udhcpc-request', { mac, options: [[54, US], [50, offer.yiaddr]] });
    await client.send(req.bytes, first.addresses().server);
    const ack = await client.reply(req.xid);
    assert.equal(ack.options.get(DhcpOption.MessageType)![0], 5);
    assert.equal(ack.yiaddr, offer.yiaddr);
    assert.deepEqual(events.map((e) => e.event.kind), ['offer', 'ack']);
    await first.stop();

    const lines = readFileSync(leaseFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { ip: string; mac: string; state: string });
    assert.deepEqual(lines.map((l) => [l.ip, l.mac, l.state]), [[offer.yiaddr, mac, 'bound']]);

    const second = await startServer({ after: (fn) => stops.push(async () => fn()) }, client, { mode: 'full', pool, leaseFile, policy });
    const other = packet('udhcpc-discover', { mac: '02:b7:00:00:00:02' });
    await client.send(other.bytes, second.addresses().server);
    assert.equal((await client.reply(other.xid)).yiaddr, '198.18.0.101', 'the restored lease is not given away');
    const again = packet('ovmf-discover', { mac });
    await client.send(again.bytes, second.addresses().server);
    const reoffer = await client.reply(again.xid);
    assert.equal(reoffer.yiaddr, offer.yiaddr, 'same address after restart');
    assert.equal(reoffer.options.get(DhcpOption.BootFileName)!.toString(), 'ipxe.efi', 'PXE client: boot info too');
  });
});

describe('start-up failures', () => {
  const policy: DhcpPolicy = { bootFor: () => null };
  const base: DhcpServerOptions = { mode: 'proxy', interfaceName: null, serverAddress: US, ports: { server: 0, proxy: 0 }, policy, log: silentLogger() };

  test('a port in use -> EADDRINUSE naming the port', async (t) => {
    const first = createDhcpServer(base);
    await first.start();
    t.after(() => first.stop());
    const second = createDhcpServer({ ...base, ports: { server: first.addresses().server, proxy: 0 } });
    await assert.rejects(second.start(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'EADDRINUSE');
      assert.match(error.message, new RegExp(`port ${first.addresses().server}`));
      return true;
    });
  });

  test('a missing interface -> NO_SUCH_INTERFACE', async () => {
    await assert.rejects(createDhcpServer({ ...base, interfaceName: 'nosuchif0' }).start(), { code: 'NO_SUCH_INTERFACE' });
  });

  test('full mode without a pool -> INVALID_OPTIONS', async () => {
    await assert.rejects(createDhcpServer({ ...base, mode: 'full' }).start(), { code: 'INVALID_OPTIONS' });
  });

  test('a bad pool -> INVALID_POOL', async () => {
    await assert.rejects(createDhcpServer({ ...base, mode: 'full', pool: { ...pool, first: '198.18.1.1' } }).start(), { code: 'INVALID_POOL' });
  });

  test('addresses() before start -> NOT_STARTED', () => {
    assert.throws(() => createDhcpServer(base).addresses(), { code: 'NOT_STARTED' });
  });
});
