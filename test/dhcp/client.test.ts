// What describeClient reads from real firmware and OS clients (RFC 2132, 3004, 4578, iPXE 175), and its edge cases.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeClient, formatClientUuid, parseUserClasses } from '../../src/dhcp/client.js';
import { decodeDhcp } from '../../src/dhcp/codec.js';
import type { DhcpMessage } from '../../src/dhcp/message.js';
import type { DhcpClient } from '../../src/dhcp/types.js';
import { captureInput, loadCapture } from './support/fixtures.js';
import type { CaptureName } from './support/fixtures.js';

function message(name: CaptureName): DhcpMessage {
  const result = decodeDhcp(loadCapture(name));
  if (!result.ok) throw new Error(result.error.message);
  return result.message;
}

function client(name: CaptureName, port = 67): DhcpClient {
  const result = describeClient(message(name), port);
  if (!result.ok) assert.fail(result.reason);
  return result.client;
}

describe('describeClient on real captures', () => {
  test('iPXE BIOS ROM: arch 0, PXEClient, user class iPXE (plain string), option 175, SMBIOS UUID', () => {
    const c = client('ipxe-bios-discover');
    const input = captureInput('ipxe-bios-discover');
    assert.equal(c.mac, input.mac);
    assert.equal(c.messageType, 'DISCOVER');
    assert.equal(c.arch, 0);
    assert.equal(c.vendorClass, 'PXEClient:Arch:00000:UNDI:002001');
    assert.deepEqual(c.userClasses, ['iPXE']);
    assert.equal(c.isIpxe, true);
    assert.equal(c.uuid, input.uuid);
    assert.equal(c.clientId, '01' + input.mac.replace(/:/g, ''));
    assert.equal(c.hostname, null);
    assert.equal(c.relay, null);
    assert.equal(c.port, 67);
    assert.equal(c.xid, message('ipxe-bios-discover').xid);
  });

  test('iPXE BIOS ROM REQUEST keeps the same facts', () => {
    const c = client('ipxe-bios-request');
    assert.equal(c.messageType, 'REQUEST');
    assert.equal(c.isIpxe, true);
    assert.equal(c.uuid, captureInput('ipxe-bios-request').uuid);
  });

  test('OVMF UEFI PXE: arch 7, UNDI 003000, no user class, not iPXE, same UUID as the VM', () => {
    const c = client('ovmf-discover');
    assert.equal(c.mac, captureInput('ovmf-discover').mac);
    assert.equal(c.arch, 7);
    assert.equal(c.vendorClass, 'PXEClient:Arch:00007:UNDI:003000');
    assert.deepEqual(c.userClasses, []);
    assert.equal(c.isIpxe, false);
    assert.equal(c.uuid, captureInput('ovmf-discover').uuid);
    assert.equal(c.clientId, null);
  });

  test('OVMF UEFI HTTP boot: arch 16, HTTPClient', () => {
    const c = client('ovmf-http-discover');
    assert.equal(c.mac, captureInput('ovmf-http-discover').mac);
    assert.equal(c.arch, 16);
    assert.match(c.vendorClass!, /^HTTPClient:Arch:00016:/);
    assert.equal(c.isIpxe, false);
  });

  test('busybox udhcpc: vendor class udhcp, client id 01+MAC, no PXE facts', () => {
    const c = client('udhcpc-discover');
    const mac = captureInput('udhcpc-discover').mac;
    assert.equal(c.mac, mac);
    assert.match(c.vendorClass!, /^udhcp \d/);
    assert.equal(c.clientId, '01' + mac.replace(/:/g, ''));
    assert.equal(c.arch, null);
    assert.equal(c.uuid, null);
    assert.equal(c.isIpxe, false);
  });

  test('ISC dhclient: host name, no vendor class', () => {
    const c = client('dhclient-request');
    assert.equal(c.mac, captureInput('dhclient-request').mac);
    assert.equal(c.messageType, 'REQUEST');
    assert.equal(c.vendorClass, null);
    assert.equal(typeof c.hostname, 'string');
    assert.ok(c.hostname!.length > 0);
  });

  test('relay and port come from giaddr and the arrival port', () => {
    const relayed = { ...message('udhcpc-discover'), giaddr: '198.18.1.1' };
    const result = describeClient(relayed, 4011);
    assert.ok(result.ok);
    if (!result.ok) return;
    assert.equal(result.client.relay, '198.18.1.1');
    assert.equal(result.client.port, 4011);
  });
});

describe('describeClient refuses what it cannot key', () => {
  test('BOOTP request without option 53', () => {
    const m = message('udhcpc-discover');
    const options = new Map(m.options);
    options.delete(53);
    const result = describeClient({ ...m, options }, 67);
    assert.equal(result.ok, false);
  });
  test('unknown message type', () => {
    const m = message('udhcpc-discover');
    const result = describeClient({ ...m, options: new Map([...m.options, [53, Buffer.from([13])]]) }, 67);
    assert.equal(result.ok, false);
  });
  test('hardware address that is not 6 bytes', () => {
    const result = describeClient({ ...message('udhcpc-discover'), hlen: 8 }, 67);
    assert.equal(result.ok, false);
  });
  test('a BOOTREPLY', () => {
    const result = describeClient({ ...message('udhcpc-discover'), op: 2 }, 67);
    assert.equal(result.ok, false);
  });
});

describe('parseUserClasses (RFC 3004 and the plain form)', () => {
  const cases: readonly [string, number[], string[]][] = [
    ['plain iPXE', [...Buffer.from('iPXE')], ['iPXE']],
    ['RFC 3004 iPXE', [4, ...Buffer.from('iPXE')], ['iPXE']],
    ['RFC 3004 two classes', [3, ...Buffer.from('foo'), 3, ...Buffer.from('bar')], ['foo', 'bar']],
    ['lengths that do not tile: plain', [3, ...Buffer.from('foobar')], ['\u0003foobar']],
    ['zero length inside: plain', [0, 65], ['\u0000A']],
  ];
  for (const [label, bytes, expected] of cases) {
    test(label, () => assert.deepEqual(parseUserClasses(Buffer.from(bytes)), expected));
  }
  test('absent', () => assert.deepEqual(parseUserClasses(undefined), []));
});

describe('formatClientUuid', () => {
  const wire = Buffer.from('00' + '33221100' + '5544' + '7766' + '8899' + 'aabbccddeeff', 'hex');
  test('type 0, SMBIOS mixed-endian', () => assert.equal(formatClientUuid(wire), '00112233-4455-6677-8899-aabbccddeeff'));
  test('all zero is no identity', () => assert.equal(formatClientUuid(Buffer.alloc(17)), null));
  test('all ones is no identity', () => assert.equal(formatClientUuid(Buffer.concat([Buffer.alloc(1), Buffer.alloc(16, 0xff)])), null));
  test('type other than 0', () => assert.equal(formatClientUuid(Buffer.concat([Buffer.from([1]), wire.subarray(1)])), null));
  test('wrong length (Raspberry Pi 4 puts text here)', () => assert.equal(formatClientUuid(Buffer.from('RPi4\u0000\u0000\u0000\u0000')), null));
});
