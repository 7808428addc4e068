// Real boot firmware (QEMU iPXE ROM, OVMF/EDK2) fetching from Bramble's TFTP server (RFC 1350/2347-2349/7440).
//
// Runs in a namespace the test creates; EDK2 shows its tsize probe (ERROR 8 after the OACK) and windowsize 4.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TftpTransferEvent } from '../../src/tftp/server.js';
import { startProcess } from '../support/managed-process.js';
import type { ManagedProcess } from '../support/managed-process.js';
import { sweepStaleNetns } from '../support/netns.js';
import { Teardown } from '../support/teardown.js';
import { createTestLan } from '../support/test-lan.js';
import { homeRouterArgs } from '../vm/dnsmasq-args.js';
import { OVMF_VARS_TEMPLATE, qemuArgs } from '../vm/qemu-args.js';
import type { VmFirmware } from '../vm/qemu-args.js';
import { requireVmHost } from '../vm/vm-prerequisites.js';
import { requireFile } from '../support/require-tool.js';

const HERE = dirname(fileURLToPath(import.meta.url));

function transfers(server: ManagedProcess): TftpTransferEvent[] {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('transfer '))
    .map((l) => JSON.parse(l.slice('transfer '.length)) as TftpTransferEvent);
}

async function bootFromBramble(t: TestContext, firmware: VmFirmware, bootFile: string): Promise<TftpTransferEvent[]> {
  const teardown = new Teardown();
  t.after(() => teardown.run());
  await sweepStaleNetns();
  const scratch = mkdtempSync(join(tmpdir(), 'bramble-tftp-fw-'));
  teardown.defer('remove scratch', () => rmSync(scratch, { recursive: true, force: true }));
  const root = join(scratch, 'tftp');
  mkdirSync(root);
  copyFileSync(join('/usr/lib/ipxe', bootFile), join(root, bootFile));

  const lan = await createTestLan();
  teardown.defer('destroy lan', () => lan.destroy());
  const tap = await lan.addTap('tap0');
  const server = startProcess(
    lan.ns.argv([process.execPath, '--import', 'tsx', join(HERE, 'netns-server.ts'), lan.serverAddress, root]),
    { label: 'bramble-tftp', cwd: join(HERE, '..', '..') },
  );
  teardown.defer('stop tftp server', () => server.stop(3000));
  await server.waitFor(/^listening 69$/, 30_000);
  // dnsmasq only hands out the address and the boot file; the TFTP server is ours.
  const dnsmasq = startProcess(
    lan.ns.argv([
      ...homeRouterArgs({ iface: lan.bridge, range: { first: '198.18.0.100', last: '198.18.0.150' }, leaseFile: join(scratch, 'leases') }),
      `--dhcp-boot=${bootFile},,${lan.serverAddress}`,
    ]),
    { label: 'dnsmasq' },
  );
  teardown.defer('stop dnsmasq', () => dnsmasq.stop(2000));
  const vars = join(scratch, 'OVMF_VARS.fd');
  copyFileSync(OVMF_VARS_TEMPLATE, vars);
  const qemu = startProcess(lan.ns.argv(qemuArgs({ firmware, tap, mac: '52:54:00:18:00:69', ovmfVars: vars })), {
    label: `qemu-${firmware}`,
  });
  teardown.defer('stop qemu', () => qemu.stop(2000));
  const name = bootFile.replace(/\./g, '\\.');
  await server.waitFor(new RegExp(`^transfer .*"path":"${name}".*"outcome":"complete"`), 240_000);
  const events = transfers(server);
  // The firmware acknowledged every byte of the file.
  const done = events.find((e) => e.path === bootFile && e.outcome === 'complete')!;
  assert.equal(done.bytes, statSync(join(root, bootFile)).size);
  return events;
}

test('BIOS iPXE ROM fetches undionly.kpxe from Bramble: blksize 1432, complete', async (t) => {
  if (!requireVmHost(t, { firmware: ['bios'], dnsmasq: true })) return;
  if (!requireFile(t, '/usr/lib/ipxe/undionly.kpxe', 'ipxe')) return;
  const events = await bootFromBramble(t, 'bios', 'undionly.kpxe');
  const done = events.find((e) => e.outcome === 'complete')!;
  assert.equal(done.blksize, 1432);
  assert.equal(done.windowsize, 1);
  assert.ok(done.bytes > 10_000);
});

test('OVMF (EDK2) probes the size with ERROR 8 after the OACK, then fetches with windowsize 4', async (t) => {
  if (!requireVmHost(t, { firmware: ['uefi'], dnsmasq: true })) return;
  const events = await bootFromBramble(t, 'uefi', 'ipxe.efi');
  const outcomes = events.filter((e) => e.path === 'ipxe.efi').map((e) => e.outcome);
  assert.deepEqual(outcomes.slice(0, 2), ['aborted-after-oack', 'complete']);
  const done = events.find((e) => e.outcome === 'complete')!;
  assert.equal(done.blksize, 1468);
  assert.equal(done.windowsize, 4);
});
