import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseDhcpBoot, type BootAnswer, type BootRequestFacts, type DhcpBootSettings } from '../../src/boot/dhcp-boot.js';

const settings: DhcpBootSettings = {
  serverAddress: '192.168.1.5',
  httpBase: 'http://192.168.1.5:8080',
  biosBootFile: 'undionly.kpxe',
  uefiBootFile: 'snponly.efi',
  raspberryPiOuis: ['02:00:5e'],
};

// Option 60 strings as facts/firmware.md records them from QEMU.
const vc = {
  bios: 'PXEClient:Arch:00000:UNDI:002001',
  uefi7: 'PXEClient:Arch:00007:UNDI:003000',
  uefi9: 'PXEClient:Arch:00009:UNDI:003000',
  ipxeEfi: 'PXEClient:Arch:00007:UNDI:003010',
  http16: 'HTTPClient:Arch:00016:UNDI:003000',
  http15: 'HTTPClient:Arch:00015:UNDI:003000',
  http19: 'HTTPClient:Arch:00019:UNDI:003000',
  arm64: 'PXEClient:Arch:00011:UNDI:003000',
  x86uefi: 'PXEClient:Arch:00006:UNDI:003000',
} as const;

const pc = '52:54:00:12:34:56';
const pi4 = 'dc:a6:32:01:36:c2';

const pxe = (bootFile: string): BootAnswer => ({ nextServer: '192.168.1.5', bootFile, vendorClass: 'PXEClient' });
const script: BootAnswer = pxe('http://192.168.1.5:8080/boot.ipxe');

const cases: readonly { name: string; client: BootRequestFacts; answer: BootAnswer | null; reason: RegExp }[] = [
  { name: 'BIOS PXE ROM (arch 0)', client: { mac: pc, arch: 0, vendorClass: vc.bios, isIpxe: false }, answer: pxe('undionly.kpxe'), reason: /BIOS/ },
  { name: 'PXE client without option 93', client: { mac: pc, arch: null, vendorClass: 'PXEClient', isIpxe: false }, answer: pxe('undionly.kpxe'), reason: /BIOS/ },
  { name: 'UEFI x64 (arch 7)', client: { mac: pc, arch: 7, vendorClass: vc.uefi7, isIpxe: false }, answer: pxe('snponly.efi'), reason: /UEFI x64/ },
  { name: 'UEFI x64 sending arch 9', client: { mac: pc, arch: 9, vendorClass: vc.uefi9, isIpxe: false }, answer: pxe('snponly.efi'), reason: /UEFI x64/ },
  { name: 'iPXE BIOS ROM', client: { mac: pc, arch: 0, vendorClass: vc.bios, isIpxe: true }, answer: script, reason: /iPXE/ },
  { name: 'iPXE EFI', client: { mac: pc, arch: 7, vendorClass: vc.ipxeEfi, isIpxe: true }, answer: script, reason: /iPXE/ },
  { name: 'iPXE without a vendor class', client: { mac: pc, arch: null, vendorClass: null, isIpxe: true }, answer: script, reason: /iPXE/ },
  { name: 'iPXE on ARM64 still gets the script', client: { mac: pc, arch: 11, vendorClass: vc.arm64, isIpxe: true }, answer: script, reason: /iPXE/ },
  {
    name: 'iPXE started by UEFI HTTP boot echoes HTTPClient',
    client: { mac: pc, arch: 16, vendorClass: vc.http16, isIpxe: true },
    answer: { nextServer: '192.168.1.5', bootFile: 'http://192.168.1.5:8080/boot.ipxe', vendorClass: 'HTTPClient' },
    reason: /iPXE/,
  },
  {
    name: 'UEFI x64 HTTP boot (arch 16)',
    client: { mac: pc, arch: 16, vendorClass: vc.http16, isIpxe: false },
    answer: { nextServer: '192.168.1.5', bootFile: 'http://192.168.1.5:8080/ipxe/snponly.efi', vendorClass: 'HTTPClient' },
    reason: /HTTP/,
  },
  // There is no 32-bit iPXE EFI binary to hand out; an x64 one would not run (like PXE arch 6 below).
  { name: 'UEFI x86 (32-bit) HTTP boot (arch 15)', client: { mac: pc, arch: 15, vendorClass: vc.http15, isIpxe: false }, answer: null, reason: /arch 15/ },
  { name: 'ARM64 UEFI HTTP boot (arch 19)', client: { mac: pc, arch: 19, vendorClass: vc.http19, isIpxe: false }, answer: null, reason: /arch 19/ },
  { name: 'HTTPClient without option 93', client: { mac: pc, arch: null, vendorClass: 'HTTPClient', isIpxe: false }, answer: null, reason: /HTTP boot arch null/ },
  { name: 'ARM64 UEFI PXE (arch 11)', client: { mac: pc, arch: 11, vendorClass: vc.arm64, isIpxe: false }, answer: null, reason: /arch 11/ },
  { name: 'x86 (32-bit) UEFI PXE (arch 6)', client: { mac: pc, arch: 6, vendorClass: vc.x86uefi, isIpxe: false }, answer: null, reason: /arch 6/ },
  { name: 'a laptop asking for an address', client: { mac: pc, arch: null, vendorClass: 'MSFT 5.0', isIpxe: false }, answer: null, reason: /not a PXE client/ },
  { name: 'a client with no vendor class', client: { mac: pc, arch: null, vendorClass: null, isIpxe: false }, answer: null, reason: /not a PXE client/ },
  { name: 'arch 0 without PXEClient', client: { mac: pc, arch: 0, vendorClass: 'udhcp 1.36.1', isIpxe: false }, answer: null, reason: /not a PXE client/ },
  { name: 'a vendor class merely containing PXEClient', client: { mac: pc, arch: 0, vendorClass: 'notPXEClient', isIpxe: false }, answer: null, reason: /not a PXE client/ },
  {
    name: 'Raspberry Pi 4 bootloader (BIOS fingerprint, Pi MAC)',
    client: { mac: pi4, arch: 0, vendorClass: vc.bios, isIpxe: false },
    answer: { nextServer: '192.168.1.5', bootFile: '', vendorClass: 'PXEClient', raspberryPiMenu: true },
    reason: /Raspberry Pi/,
  },
  {
    name: 'Raspberry Pi by a prefix added in settings',
    client: { mac: '02:00:5e:00:00:07', arch: 0, vendorClass: vc.bios, isIpxe: false },
    answer: { nextServer: '192.168.1.5', bootFile: '', vendorClass: 'PXEClient', raspberryPiMenu: true },
    reason: /Raspberry Pi/,
  },
  { name: 'a Pi MAC running UEFI firmware is treated as UEFI', client: { mac: pi4, arch: 11, vendorClass: vc.arm64, isIpxe: false }, answer: null, reason: /arch 11/ },
  { name: 'a Pi MAC already in iPXE gets the script', client: { mac: pi4, arch: 0, vendorClass: vc.bios, isIpxe: true }, answer: script, reason: /iPXE/ },
];

for (const c of cases) {
  test(`chooseDhcpBoot: ${c.name}`, () => {
    const decision = chooseDhcpBoot(c.client, settings);
    assert.deepEqual(decision.answer, c.answer);
    assert.match(decision.reason, c.reason);
  });
}

test('the BIOS boot file and server address come from the settings', () => {
  const decision = chooseDhcpBoot(
    { mac: pc, arch: 0, vendorClass: vc.bios, isIpxe: false },
    { serverAddress: '10.1.2.3', httpBase: 'http://10.1.2.3', biosBootFile: 'ipxe.pxe', uefiBootFile: 'ipxe.efi' },
  );
  assert.deepEqual(decision.answer, { nextServer: '10.1.2.3', bootFile: 'ipxe.pxe', vendorClass: 'PXEClient' });
});

test('without extra prefixes in the settings a non-Pi MAC is a PC', () => {
  const decision = chooseDhcpBoot(
    { mac: '02:00:5e:00:00:07', arch: 0, vendorClass: vc.bios, isIpxe: false },
    { serverAddress: '10.1.2.3', httpBase: 'http://10.1.2.3', biosBootFile: 'undionly.kpxe', uefiBootFile: 'ipxe.efi' },
  );
  assert.equal(decision.answer?.bootFile, 'undionly.kpxe');
  assert.equal(decision.answer?.raspberryPiMenu, undefined);
});
