// Self-test of the whole-boot harness, cheap enough for every run: QEMU boots the test kernel + initramfs
// directly (no firmware network boot) on a tap in a test namespace, and /init gets a lease from dnsmasq there.
// The full PXE proofs (BIOS + iPXE ROM, UEFI + OVMF) are slower: test/vm/prove-harness.ts.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startProcess } from '../support/managed-process.js';
import { sweepStaleNetns } from '../support/netns.js';
import { Teardown } from '../support/teardown.js';
import { createTestLan } from '../support/test-lan.js';
import { cmdlineParam } from './boot-marker.js';
import { buildBootImages } from './build-initramfs.js';
import { homeRouterArgs } from './dnsmasq-args.js';
import { requireVmHost } from './vm-prerequisites.js';
import { randomMac, startVm } from './vm.js';

test('a VM on the test LAN boots the initramfs, prints the marker and gets a lease in 198.18.0.0/24', { timeout: 300_000 }, async (t) => {
  if (!requireVmHost(t, { firmware: ['bios'], dnsmasq: true })) return;
  const teardown = new Teardown();
  t.after(() => teardown.run());
  await sweepStaleNetns();
  const images = await buildBootImages();
  const workDir = await mkdtemp(join(tmpdir(), 'bramble-harness-'));
  teardown.defer('remove work folder', () => rm(workDir, { recursive: true, force: true }));
  const lan = await createTestLan();
  teardown.defer('delete namespaces', () => lan.destroy());
  const tap = await lan.addTap('tap0');

  const leaseFile = join(workDir, 'leases');
  const dnsmasq = startProcess(
    lan.ns.argv(homeRouterArgs({ iface: lan.bridge, range: { first: '198.18.0.100', last: '198.18.0.150' }, leaseFile })),
    { label: 'dnsmasq', logFile: join(workDir, 'dnsmasq.log') },
  );
  teardown.defer('stop dnsmasq', () => dnsmasq.stop());
  await dnsmasq.waitFor(/DHCP, IP range 198\.18\.0\.100/, 10_000);

  const mac = randomMac();
  const nonce = Math.random().toString(36).slice(2, 10);
  const vm = await startVm({
    ns: lan.ns,
    workDir,
    firmware: 'bios',
    nic: 'virtio-net-pci',
    tap,
    mac,
    direct: { kernel: images.kernel, initrd: images.initrd, append: `console=ttyS0 panic=-1 bramble.net=dhcp bramble.nonce=${nonce}` },
  });
  teardown.defer('stop VM', () => vm.stop());
  const boot = await vm.waitForBoot(240_000);
  t.diagnostic(`direct boot to marker: ${boot.seconds.toFixed(1)} s; ${vm.argv.join(' ')}`);

  assert.equal(cmdlineParam(boot.cmdline ?? '', 'bramble.nonce'), nonce);
  assert.deepEqual(boot.insmodFailures, []);
  assert.deepEqual(boot.netFailures, []);
  assert.equal(boot.leases.length, 1);
  assert.match(boot.leases[0]!.ip, /^198\.18\.0\.(1[0-4]\d|150)$/);
  // The lease came from our dnsmasq, for this VM's MAC: the traffic stayed on the test LAN.
  const leases = await readFile(leaseFile, 'utf8');
  assert.match(leases, new RegExp(`${mac} ${boot.leases[0]!.ip.replace(/\./g, '\\.')} `));
});
