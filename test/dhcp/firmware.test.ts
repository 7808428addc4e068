// Real boot firmware (iPXE BIOS ROM, OVMF) against Bramble in proxy and full mode on a bridged test segment.

// The firmware must take our offers and ask TFTP for the boot file we named (seen as its RRQ); UEFI in proxy mode
// goes through the PXE boot-server exchange on port 4011. QEMU under TCG.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { startChild } from './support/child.js';
import type { Child } from './support/child.js';
import { createNetns } from '../support/netns.js';
import type { Netns } from '../support/netns.js';
import { addVeth } from './support/veth.js';
import { requireTools } from './support/require-tool.js';
import { eventsOf, startServerFixture } from './support/segment.js';

const US = '198.18.0.1';
const BOOT_FILE = 'bramble-e2e.bin';

interface Lan {
  readonly bramble: Netns;
  readonly dir: string;
}

/** Bramble's namespace holds a bridge (br0, 198.18.0.1) with the VM's tap; the router sits behind a veth on it. */
async function lan(t: TestContext, withRouter: boolean): Promise<Lan> {
  const dir = mkdtempSync(join(tmpdir(), 'bdhcp-fw-'));
  const spaces: Netns[] = [];
  const children: Child[] = [];
  t.after(async () => {
    for (const child of children.reverse()) await child.stop();
    for (const ns of spaces.reverse()) await ns.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const bramble = await createNetns();
  spaces.push(bramble);
  const router = await createNetns();
  spaces.push(router);
  await bramble.run(['ip', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await bramble.run(['ip', 'addr', 'add', `${US}/24`, 'dev', 'br0']);
  await bramble.run(['ip', 'link', 'set', 'br0', 'up']);
  await addVeth({ ns: bramble, ifname: 'brt0' }, { ns: router, ifname: 'rt0', address: '198.18.0.254/24' });
  await bramble.run(['ip', 'link', 'set', 'brt0', 'master', 'br0']);
  await bramble.run(['ip', 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
  await bramble.run(['ip', 'link', 'set', 'tap0', 'master', 'br0']);
  await bramble.run(['ip', 'link', 'set', 'tap0', 'up']);
  if (!withRouter) return { bramble, dir };
  const dnsmasq = startChild(
    router.argv([
      'dnsmasq', '-d', '-C', '/dev/null', '--port=0', '--bind-interfaces', '--interface=rt0', '--no-ping',
      '--dhcp-range=198.18.0.100,198.18.0.150', `--dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
      `--pid-file=${join(dir, 'dnsmasq.pid')}`, '--user=root', '--group=root',
    ]),
  );
  children.push(dnsmasq);
  await dnsmasq.waitFor(/DHCP, IP range/, 10_000);
  return { bramble, dir };
}

async function bootAndWatch(t: TestContext, firmware: 'bios' | 'uefi', mode: 'proxy' | 'full' = 'proxy'): Promise<{ server: Child; rrq: string }> {
  const { bramble } = await lan(t, mode === 'proxy');
  const server = await startServerFixture(bramble, {
    mode,
    interfaceName: 'br0',
    serverAddress: US,
    boot: { bootFile: BOOT_FILE, nextServer: US, vendorClass: 'PXEClient' },
    ...(mode === 'full' ? { pool: { first: '198.18.0.160', last: '198.18.0.170', netmask: '255.255.255.0', router: US, leaseSeconds: 600 } } : {}),
  });
  t.after(() => server.stop());
  const tftp = startChild(bramble.argv(['tcpdump', '-i', 'br0', '-n', '-l', '-vv', 'udp dst port 69']));
  t.after(() => tftp.stop());
  await tftp.waitFor(/listening on/, 10_000);
  const mac = firmware === 'bios' ? '52:54:00:b7:0e:01' : '52:54:00:b7:0e:02';
  const nic = firmware === 'bios' ? `virtio-net-pci,netdev=n0,mac=${mac}` : `virtio-net-pci,netdev=n0,mac=${mac},romfile=`;
  const vm = startChild(
    bramble.argv([
      'qemu-system-x86_64', '-accel', 'tcg', '-m', '256', '-nographic', '-no-reboot',
      ...(firmware === 'uefi' ? ['-bios', '/usr/share/ovmf/OVMF.fd'] : ['-boot', 'n']),
      '-netdev', 'tap,id=n0,ifname=tap0,script=no,downscript=no', '-device', nic,
    ]),
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
