// Tests for reading the serial console, on real captures from QEMU (test/vm/capture-serial.ts re-creates them).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BOOT_END, cmdlineParam, explainPanic, readSerialLog } from './boot-marker.js';

const fixture = (name: string): string => readFileSync(`test/fixtures/vm/${name}`, 'utf8');

test('a BIOS + iPXE ROM boot reports the command line, the lease and the marker', () => {
  const report = readSerialLog(fixture('serial-bios-ipxe-rom.txt'));
  assert.equal(report.booted, true);
  assert.equal(report.cmdline, 'initrd=initrd.gz console=ttyS0 panic=-1 bramble.net=dhcp bramble.nonce=capture1');
  assert.deepEqual(report.leases, [{ iface: 'eth0', ip: '198.18.0.128' }]);
  assert.deepEqual(report.netFailures, []);
  assert.deepEqual(report.insmodFailures, []);
  assert.equal(report.panic, undefined);
});

// The command line is read from /init's line, not the kernel's own "Command line:" echo: on UEFI the early
// console sometimes drops bytes of that echo (seen once: "panic=-" for "panic=-1").
test('a UEFI (OVMF -> ipxe.efi) boot reports the command line, the lease and the marker', () => {
  const report = readSerialLog(fixture('serial-uefi-ovmf-ipxe-efi.txt'));
  assert.equal(report.booted, true);
  assert.equal(report.cmdline, 'vmlinuz initrd=initrd.gz console=ttyS0 panic=-1 bramble.net=dhcp bramble.nonce=capture1');
  assert.deepEqual(report.leases, [{ iface: 'eth0', ip: '198.18.0.122' }]);
});

test('a UEFI boot whose kernel line does not name the initrd is a panic, explained', () => {
  const report = readSerialLog(fixture('serial-uefi-initrd-not-named.txt'));
  assert.equal(report.booted, false);
  assert.equal(report.cmdline, undefined);
  assert.equal(report.panic, 'VFS: Unable to mount root fs on unknown-block(0,0)');
  assert.match(explainPanic(report.panic!), /initrd=NAME/);
  assert.equal(explainPanic('Attempted to kill init!'), 'Attempted to kill init!');
});

test('BOOT_END matches the line that ends each capture, and nothing earlier', () => {
  const cases: Array<[string, RegExp]> = [
    ['serial-bios-ipxe-rom.txt', /^BRAMBLE-BOOT-OK$/],
    ['serial-uefi-ovmf-ipxe-efi.txt', /^BRAMBLE-BOOT-OK$/],
    ['serial-uefi-initrd-not-named.txt', /Kernel panic - not syncing/],
    ['serial-bios-nothing-to-boot.txt', /^No bootable device\.$/],
    ['serial-uefi-nothing-to-boot.txt', /^BdsDxe: starting Boot0006 "EFI Internal Shell"/],
  ];
  for (const [name, expected] of cases) {
    const first = fixture(name)
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .find((l) => BOOT_END.test(l));
    assert.match(first ?? '', expected, name);
  }
});

test('firmware that runs out of boot options is recognised (SeaBIOS and OVMF)', () => {
  for (const name of ['serial-bios-nothing-to-boot.txt', 'serial-uefi-nothing-to-boot.txt']) {
    const report = readSerialLog(fixture(name));
    assert.equal(report.firmwareGaveUp, true, name);
    assert.equal(report.booted, false, name);
    assert.equal(report.panic, undefined, name);
  }
  for (const name of ['serial-bios-ipxe-rom.txt', 'serial-uefi-ovmf-ipxe-efi.txt', 'serial-uefi-initrd-not-named.txt']) {
    assert.equal(readSerialLog(fixture(name)).firmwareGaveUp, false, name);
  }
});

test('markers with failures are collected', () => {
  const report = readSerialLog(
    'BRAMBLE-INSMOD-FAILED kernel/drivers/net/virtio_net.ko\r\nBRAMBLE-CMDLINE console=ttyS0\r\nBRAMBLE-NET-FAILED eth0\r\nBRAMBLE-BOOT-OK\r\n',
  );
  assert.deepEqual(report.insmodFailures, ['kernel/drivers/net/virtio_net.ko']);
  assert.deepEqual(report.netFailures, ['eth0']);
  assert.equal(report.cmdline, 'console=ttyS0');
  assert.equal(report.booted, true);
});

test('cmdlineParam finds key=value words only', () => {
  const cmdline = 'vmlinuz initrd=initrd.gz console=ttyS0 bramble.nonce=abc bramble.nonce2=no';
  const cases: Array<[string, string | undefined]> = [
    ['bramble.nonce', 'abc'],
    ['initrd', 'initrd.gz'],
    ['console', 'ttyS0'],
    ['vmlinuz', undefined],
    ['nonce', undefined],
  ];
  for (const [key, value] of cases) assert.equal(cmdlineParam(cmdline, key), value, key);
});
