import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changesMachine, firmwareFromDhcp, firmwareFromIpxePlatform, mergeMachine, type MachineFacts } from '../../src/inventory/machine-facts.js';
import type { Firmware, Machine } from '../../src/store/schema.js';

const pc = '52:54:00:12:34:56';
const pi = 'dc:a6:32:01:36:c2';

const dhcp: readonly { name: string; client: { mac: string; arch: number | null; vendorClass: string | null; isIpxe: boolean }; expect: Firmware | undefined }[] = [
  { name: 'BIOS PXE', client: { mac: pc, arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', isIpxe: false }, expect: 'bios' },
  { name: 'PXE without arch', client: { mac: pc, arch: null, vendorClass: 'PXEClient', isIpxe: false }, expect: 'bios' },
  { name: 'Raspberry Pi bootloader', client: { mac: pi, arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', isIpxe: false }, expect: 'rpi' },
  { name: 'UEFI x64', client: { mac: pc, arch: 7, vendorClass: 'PXEClient:Arch:00007:UNDI:003000', isIpxe: false }, expect: 'uefi' },
  { name: 'UEFI arch 9', client: { mac: pc, arch: 9, vendorClass: 'PXEClient:Arch:00009:UNDI:003000', isIpxe: false }, expect: 'uefi' },
  { name: 'ARM64 UEFI', client: { mac: pc, arch: 11, vendorClass: 'PXEClient:Arch:00011:UNDI:003000', isIpxe: false }, expect: 'uefi' },
  { name: 'UEFI HTTP boot', client: { mac: pc, arch: 16, vendorClass: 'HTTPClient:Arch:00016:UNDI:003000', isIpxe: false }, expect: 'uefi-http' },
  // iPXE's own DHCP requests say nothing about the firmware underneath.
  { name: 'iPXE', client: { mac: pc, arch: 7, vendorClass: 'PXEClient:Arch:00007:UNDI:003010', isIpxe: true }, expect: undefined },
  { name: 'not a boot client', client: { mac: pc, arch: null, vendorClass: 'MSFT 5.0', isIpxe: false }, expect: undefined },
  { name: 'no vendor class', client: { mac: pc, arch: 0, vendorClass: null, isIpxe: false }, expect: undefined },
];

for (const c of dhcp) {
  test(`firmwareFromDhcp: ${c.name} -> ${c.expect}`, () => {
    assert.equal(firmwareFromDhcp(c.client), c.expect);
  });
}

const platforms: readonly [string | undefined, Firmware | undefined][] = [
  ['pcbios', 'bios'],
  ['efi', 'uefi'],
  ['EFI', undefined],
  ['', undefined],
  [undefined, undefined],
];

for (const [platform, expect] of platforms) {
  test(`firmwareFromIpxePlatform(${JSON.stringify(platform)}) -> ${expect}`, () => {
    assert.equal(firmwareFromIpxePlatform(platform), expect);
  });
}

const t1 = '2026-01-01T00:00:00.000Z';
const t2 = '2026-02-02T00:00:00.000Z';

test('mergeMachine: a new machine gets firstSeen = lastSeen = now and the arch name', () => {
  assert.deepEqual(mergeMachine(undefined, { mac: pc, arch: 7, firmware: 'uefi', ip: '192.168.1.50' }, t1), {
    mac: pc,
    arch: 7,
    archName: 'x64 UEFI',
    firmware: 'uefi',
    ip: '192.168.1.50',
    firstSeen: t1,
    lastSeen: t1,
  });
});

test('mergeMachine: a new machine without facts has no arch fields', () => {
  assert.deepEqual(mergeMachine(undefined, { mac: pc }, t1), { mac: pc, firstSeen: t1, lastSeen: t1 });
});

const known: Machine = {
  mac: pc,
  name: 'nuc',
  firstSeen: t1,
  lastSeen: t1,
  ip: '192.168.1.50',
  arch: 0,
  archName: 'x86 BIOS',
  firmware: 'bios',
  hostname: 'nuc-1',
  profile: 'debian',
  bootOnce: 'memtest',
};

test('mergeMachine: keeps firstSeen, name, profile and boot-once; updates lastSeen and new facts', () => {
  assert.deepEqual(mergeMachine(known, { mac: pc, arch: 7, firmware: 'uefi', ip: '192.168.1.51', uuid: 'a-b' }, t2), {
    ...known,
    lastSeen: t2,
    arch: 7,
    archName: 'x64 UEFI',
    firmware: 'uefi',
    ip: '192.168.1.51',
    uuid: 'a-b',
  });
});

test('mergeMachine: undefined and empty facts do not erase what is known', () => {
  const facts: MachineFacts = { mac: pc, ip: undefined, hostname: '', arch: undefined, firmware: undefined, serial: '' };
  const merged = mergeMachine(known, facts, t2);
  assert.deepEqual(merged, { ...known, lastSeen: t2 });
  assert.equal(Object.hasOwn(merged, 'serial'), false);
});

test('mergeMachine: the arch name follows a stored arch when the facts carry none', () => {
  const old: Machine = { mac: pc, firstSeen: t1, lastSeen: t1, arch: 16 };
  assert.equal(mergeMachine(old, { mac: pc }, t2).archName, 'x64 UEFI HTTP');
});

test('mergeMachine: an unregistered arch is named by number', () => {
  assert.equal(mergeMachine(undefined, { mac: pc, arch: 42 }, t1).archName, 'arch 42');
});

test('mergeMachine: iPXE query facts are recorded', () => {
  const merged = mergeMachine(undefined, { mac: pc, manufacturer: 'QEMU', product: 'Standard PC', platform: 'efi', buildarch: 'x86_64', serial: 'S1' }, t1);
  assert.deepEqual(merged, { mac: pc, manufacturer: 'QEMU', product: 'Standard PC', platform: 'efi', buildarch: 'x86_64', serial: 'S1', firstSeen: t1, lastSeen: t1 });
});

const changes: readonly { name: string; existing: Machine | undefined; facts: MachineFacts; expect: boolean }[] = [
  { name: 'a new machine', existing: undefined, facts: { mac: pc }, expect: true },
  { name: 'the same facts again', existing: known, facts: { mac: pc, ip: '192.168.1.50', arch: 0, firmware: 'bios', hostname: 'nuc-1' }, expect: false },
  { name: 'only the MAC', existing: known, facts: { mac: pc }, expect: false },
  { name: 'undefined and empty facts', existing: known, facts: { mac: pc, ip: undefined, hostname: '', uuid: '' }, expect: false },
  { name: 'a new IP', existing: known, facts: { mac: pc, ip: '192.168.1.99' }, expect: true },
  { name: 'a new arch', existing: known, facts: { mac: pc, arch: 7 }, expect: true },
  { name: 'arch 0 where none was known', existing: { mac: pc, firstSeen: t1, lastSeen: t1 }, facts: { mac: pc, arch: 0 }, expect: true },
  { name: 'a first UUID', existing: known, facts: { mac: pc, uuid: 'a-b' }, expect: true },
  { name: 'different firmware', existing: known, facts: { mac: pc, firmware: 'uefi' }, expect: true },
];

for (const c of changes) {
  test(`changesMachine: ${c.name} -> ${c.expect}`, () => {
    assert.equal(changesMachine(c.existing, c.facts), c.expect);
  });
}

test('changesMachine agrees with mergeMachine on everything but lastSeen', () => {
  for (const c of changes) {
    if (c.existing === undefined) continue;
    const merged = mergeMachine(c.existing, c.facts, c.existing.lastSeen);
    assert.equal(JSON.stringify(merged) !== JSON.stringify(c.existing), c.expect, c.name);
  }
});
