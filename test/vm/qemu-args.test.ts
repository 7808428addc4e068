// Tests for the QEMU command lines: TCG always, SeaBIOS + iPXE ROM vs OVMF's own PXE, direct kernel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OVMF_CODE, qemuArgs } from './qemu-args.js';

function optionValues(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

test('every variant runs under TCG with serial on stdio, no reboot, NIC on the tap', () => {
  const variants = [
    qemuArgs({ firmware: 'bios', tap: 'tap0', mac: '52:54:00:00:00:01' }),
    qemuArgs({ firmware: 'uefi', tap: 'tap1', mac: '52:54:00:00:00:02', ovmfVars: '/w/vars.fd' }),
    qemuArgs({ firmware: 'bios', tap: 'tap0', mac: '52:54:00:00:00:03', direct: { kernel: 'k', initrd: 'i', append: 'a' } }),
  ];
  for (const args of variants) {
    assert.deepEqual(optionValues(args, '-accel'), ['tcg']);
    assert.ok(!args.some((a) => /kvm/.test(a)), 'iPXE hangs under KVM: never ask for it');
    assert.ok(args.includes('-nographic') && args.includes('-no-reboot'));
    assert.match(optionValues(args, '-netdev')[0]!, /^tap,id=net0,ifname=tap\d,script=no,downscript=no$/);
  }
});

test('BIOS boots from the network with the iPXE ROM of the chosen NIC', () => {
  const cases = [
    { nic: undefined, device: 'e1000,netdev=net0,mac=52:54:00:aa:bb:cc,romfile=/usr/lib/ipxe/qemu/pxe-e1000.rom' },
    { nic: 'virtio-net-pci' as const, device: 'virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc,romfile=/usr/lib/ipxe/qemu/pxe-virtio.rom' },
  ];
  for (const c of cases) {
    const args = qemuArgs({ firmware: 'bios', tap: 'tap0', mac: '52:54:00:aa:bb:cc', nic: c.nic });
    assert.deepEqual(optionValues(args, '-device'), [c.device]);
    assert.deepEqual(optionValues(args, '-boot'), ['order=n']);
    assert.deepEqual(optionValues(args, '-drive'), []);
  }
});

test('UEFI uses OVMF flash with this run’s variable store and no iPXE ROM on the NIC', () => {
  const args = qemuArgs({ firmware: 'uefi', tap: 'tap0', mac: '52:54:00:aa:bb:cc', ovmfVars: '/work/run1/OVMF_VARS.fd', memoryMiB: 768 });
  assert.deepEqual(optionValues(args, '-device'), ['virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc,romfile=']);
  assert.deepEqual(optionValues(args, '-drive'), [
    `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
    'if=pflash,format=raw,unit=1,file=/work/run1/OVMF_VARS.fd',
  ]);
  assert.deepEqual(optionValues(args, '-m'), ['768']);
  assert.deepEqual(optionValues(args, '-boot'), []);
});

test('UEFI without a variable store copy is refused', () => {
  assert.throws(() => qemuArgs({ firmware: 'uefi', tap: 'tap0', mac: '52:54:00:aa:bb:cc' }), /ovmfVars/);
});

test('a direct kernel boot passes kernel, initrd and command line and skips network boot', () => {
  const args = qemuArgs({
    firmware: 'bios',
    tap: 'tap0',
    mac: '52:54:00:aa:bb:cc',
    direct: { kernel: '/c/vmlinuz', initrd: '/c/initrd.gz', append: 'console=ttyS0 bramble.net=dhcp' },
  });
  assert.deepEqual(optionValues(args, '-kernel'), ['/c/vmlinuz']);
  assert.deepEqual(optionValues(args, '-initrd'), ['/c/initrd.gz']);
  assert.deepEqual(optionValues(args, '-append'), ['console=ttyS0 bramble.net=dhcp']);
  assert.deepEqual(optionValues(args, '-boot'), []);
});

test('a machine that reboots on purpose restarts instead of exiting, and OEM strings reach SMBIOS type 11', () => {
  const args = qemuArgs({
    firmware: 'bios',
    tap: 'tap0',
    mac: '52:54:00:aa:bb:cc',
    onReboot: 'restart',
    oemStrings: ['bramble.nfstest.role=writer', 'a,b'],
  });
  assert.ok(!args.includes('-no-reboot'));
  assert.deepEqual(optionValues(args, '-smbios'), ['type=11,value=bramble.nfstest.role=writer', 'type=11,value=a,,b']);
  assert.deepEqual(optionValues(args, '-accel'), ['tcg']);
});
