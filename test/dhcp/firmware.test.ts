// Real boot firmware (iPXE BIOS ROM, OVMF) against Bramble in proxy and full mode on a bridged test segment.

// The firmware must take our offers and ask TFTP for the boot file we named (seen as its RRQ); UEFI in proxy mode
// goes through the PXE boot-server exchange on port 4011. QEMU under TCG.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { startProcess } from '../support/managed-process.js';
import type { ManagedProcess } from '../support/managed-process.js';
import type { Netns } from '../support/netns.js';
import { Teardown } from '../support/teardown.js';
import { LAN_BRIDGE, LAN_SERVER_ADDRESS, createTestLan } from '../support/test-lan.js';
import { requireTools } from './support/require-tool.js';
import { eventsOf, startServerFixture } from './support/segment.js';

const US = LAN_SERVER_ADDRESS;
const BOOT_FILE = 'bramble-e2e.bin';

interface Lan {
  readonly bramble: Netns;
  readonly dir: string;
}

/** Bramble's namespace holds the test LAN's bridge (br0, 198.18.0.1) with the VM's tap; the router is another host on it. */
async function lan(t: TestContext, withRouter: boolean): Promise<Lan> {
  const teardown = new Teardown();
  t.after(() => teardown.run());
  const dir = mkdtempSync(join(tmpdir(), 'bdhcp-fw-'));
  teardown.defer('scratch folder', () => rmSync(dir, { recursive: true, force: true }));
  const testLan = await createTestLan();
  teardown.defer('test LAN', () => testLan.destroy());
  await testLan.addTap('tap0');
  if (!withRouter) return { bramble: testLan.ns, dir };
  const router = await testLan.addHost('198.18.0.254');
  const dnsmasq = startProcess(
    router.argv([
      'dnsmasq', '-d', '-C', '/dev/null', '--port=0', '--bind-interfaces', '--interface=eth0', '--no-ping',
      '--dhcp-range=198.18.0.100,198.18.0.150', `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
      `--pid-file=${join(dir, 'dnsmasq.pid')}`, '--user=root', '--group=root',
    ]),
    { label: 'dnsmasq (home router)' },
  );
  teardown.defer('dnsmasq', () => dnsmasq.stop());
  await dnsmasq.waitFor(/DHCP, IP range/, 10_000);
  return { bramble: testLan.ns, dir };
}

async function bootAndWatch(t: TestContext, firmware: 'bios' | 'uefi', mode: 'proxy' | 'full' = 'proxy'): Promise<{ server: ManagedProcess; rrq: string }> {
  const { bramble } = await lan(t, mode === 'proxy');
  const server = await startServerFixture(bramble, {
    mode,
    interfaceName: LAN_BRIDGE,
    serverAddress: US,
    boot: { bootFile: BOOT_FILE, nextServer: US, vendorClass: 'PXEClient' },
    ...(mode === 'full' ? { pool: { first: '198.18.0.160', last: '198.18.0.170', netmask: '255.255.255.0', router: US, leaseSeconds: 600 } } : {}),
  });
  t.after(() => server.stop());
  const tftp = startProcess(bramble.argv(['tcpdump', '-i', LAN_BRIDGE, '-n', '-l', '-vv', 'udp dst port 69']), { label: 'tcpdump (TFTP)' });
  t.after(() => tftp.stop());
  await tftp.waitFor(/listening on/, 10_000);
  const mac = firmware === 'bios' ? '52:54:00:b7:0e:01' : '52:54:00:b7:0e:02';
  const nic = firmware === 'bios' ? `virtio-net-pci,netdev=n0,mac=${mac}` : `virtio-net-pci,netdev=n0,mac=${mac},romfile=`;
  const vm = startProcess(
    bramble.argv([
      'qemu-system-x86_64', '-accel', 'tcg', '-m', '256', '-nographic', '-no-reboot',
      ...(firmware === 'uefi' ? ['-bios', '/usr/share/ovmf/OVMF.fd'] : ['-boot', 'n']),
      '-netdev', 'tap,id=n0,ifname=tap0,script=no,downscript=no', '-device', nic,
    ]),
    { label: `QEMU (${firmware})` },
  );
  t.after(() => vm.stop());
  const match = await tftp.waitFor(new RegExp(`RRQ "([^"]*${BOOT_FILE.replace('.', '\\.')})"`), 240_000);
  return { server, rrq: match[0] };
}

describe('real firmware', () => {
  test('proxy mode: iPXE BIOS ROM takes our proxy offer and asks for our boot file', async (t) => {
    if (!requireTools(t, ['ip', 'qemu-system-x86_64', 'dnsmasq', 'tcpdump'])) return;
    const { server, rrq } = await bootAndWatch(t, 'bios');
    assert.match(rrq, new RegExp(BOOT_FILE));
    assert.ok(eventsOf(server).some((e) => e.kind === 'offer' && e.type === 'DISCOVER'));
  });

  test('proxy mode: OVMF UEFI PXE comes back on port 4011 and then asks for our boot file', async (t) => {
    if (!requireTools(t, ['ip', 'qemu-system-x86_64', 'dnsmasq', 'tcpdump'])) return;
    const { server, rrq } = await bootAndWatch(t, 'uefi');
    assert.match(rrq, new RegExp(BOOT_FILE));
    const events = eventsOf(server);
    assert.ok(events.some((e) => e.kind === 'offer' && e.port === 67), JSON.stringify(events));
    assert.ok(events.some((e) => e.kind === 'ack' && e.port === 4011), JSON.stringify(events));
  });

  test('full mode: OVMF UEFI PXE gets address and boot file from us alone', async (t) => {
    if (!requireTools(t, ['ip', 'qemu-system-x86_64', 'tcpdump'])) return;
    const { server, rrq } = await bootAndWatch(t, 'uefi', 'full');
    assert.match(rrq, new RegExp(BOOT_FILE));
    const events = eventsOf(server);
    assert.ok(events.some((e) => e.kind === 'ack' && e.port === 67 && /^198\.18\.0\.1[67]\d$/.test(e.address ?? '')), JSON.stringify(events));
  });
});
