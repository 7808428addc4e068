// Whole boots of real firmware from Bramble, in QEMU inside a test namespace: BIOS + iPXE ROM with full DHCP,
// UEFI (OVMF PXE -> ipxe.efi) with proxyDHCP beside a home router, and an unknown machine through the menu.
// Each ends with the test initramfs's marker and the machine in `bramble machine ls` with its boot timeline.
import assert from 'node:assert/strict';
import type { ManagedProcess } from '../support/managed-process.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openVmLab } from './vm-lab.js';
import type { TestContext } from 'node:test';
import { startProcess } from '../support/managed-process.js';
import { Teardown } from '../support/teardown.js';
import type { TestLan } from '../support/test-lan.js';
import { cmdlineParam } from './boot-marker.js';
import { brambleCli, listMachines, startBrambleServe } from './bramble-process.js';
import type { MachineRow, ServeOptions } from './bramble-process.js';
import { buildBootImages } from './build-initramfs.js';
import type { BootImages } from './build-initramfs.js';
import { homeRouterArgs } from './dnsmasq-args.js';
import type { VmFirmware } from './qemu-args.js';
import { requireVmHost } from './vm-prerequisites.js';
import { randomMac, startVm } from './vm.js';
import type { BootResult } from './vm.js';

const BOOT_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 420_000;
const POOL = { first: '198.18.0.100', last: '198.18.0.150' };
const ROUTER_ADDRESS = '198.18.0.2';

interface Scenario {
  readonly teardown: Teardown;
  readonly lan: TestLan;
  readonly tap: string;
  readonly workDir: string;
  readonly dataDir: string;
  readonly images: BootImages;
}

async function setUp(t: TestContext, label: string): Promise<Scenario> {
  const images = await buildBootImages();
  const lab = await openVmLab(t, `boot-${label}`);
  const tap = await lab.lan.addTap('tap0');
  return { ...lab, tap, images };
}

function serveOptions(s: Scenario, more: Pick<ServeOptions, 'dhcpMode' | 'range' | 'defaultProfile'>): ServeOptions {
  return { bridge: s.lan.bridge, address: s.lan.serverAddress, dataDir: s.dataDir, ...more };
}

async function serve(s: Scenario, options: ServeOptions): Promise<ManagedProcess> {
  const server = await startBrambleServe(s.lan.ns, options, join(s.workDir, 'bramble.log'));
  s.teardown.defer('stop bramble', () => server.stop());
  return server;
}

function newNonce(): string {
  return Math.random().toString(36).slice(2, 10);
}

async function addProfile(s: Scenario, name: string, nonce: string, extraCmdline = ''): Promise<void> {
  await brambleCli(s.lan.ns, [
    'profile', 'add', name,
    '--kernel', s.images.kernel,
    '--initrd', s.images.initrd,
    '--cmdline', `console=ttyS0 panic=-1 bramble.nonce=${nonce}${extraCmdline}`,
    '--data-dir', s.dataDir,
  ]);
}

async function bootVm(t: TestContext, s: Scenario, firmware: VmFirmware, mac: string): Promise<BootResult & { serial: string }> {
  const vm = await startVm({ ns: s.lan.ns, workDir: s.workDir, firmware, tap: s.tap, mac });
  s.teardown.defer('stop VM', () => vm.stop());
  const boot = await vm.waitForBoot(BOOT_TIMEOUT_MS);
  t.diagnostic(`${firmware}: marker after ${boot.seconds.toFixed(1)} s; ${vm.argv.join(' ')}`);
  return { ...boot, serial: vm.process.output() };
}

function findMachine(machines: readonly MachineRow[], mac: string): MachineRow {
  const found = machines.find((m) => m.mac.toLowerCase() === mac);
  assert.ok(found, `machine ${mac} is not in machine ls: ${JSON.stringify(machines.map((m) => m.mac))}`);
  return found;
}

/** Each stage appears, in this order (other events may come between). */
function assertTimeline(machine: MachineRow, stages: readonly string[]): void {
  const seen = machine.events.map((e) => e.stage);
  let from = 0;
  for (const stage of stages) {
    const at = seen.indexOf(stage, from);
    assert.ok(at >= 0, `boot timeline of ${machine.mac} lacks "${stage}" after position ${from}: ${seen.join(' > ')}`);
    from = at + 1;
  }
}

test('BIOS + iPXE ROM boots the default profile with Bramble as the full DHCP server; its inventory agent reports the VM', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (!requireVmHost(t, { firmware: ['bios'] })) return;
  const s = await setUp(t, 'bios');
  const nonce = newNonce();
  // No server runs yet: the CLI edits the store itself. bramble.net=dhcp has the initramfs take a lease and run
  // the agent that the boot script hands out.
  await addProfile(s, 'bios-profile', nonce, ' bramble.net=dhcp');
  await serve(s, serveOptions(s, { dhcpMode: 'full', range: POOL, defaultProfile: 'bios-profile' }));

  const mac = randomMac();
  const boot = await bootVm(t, s, 'bios', mac);
  assert.equal(cmdlineParam(boot.cmdline ?? '', 'bramble.nonce'), nonce, `booted with: ${boot.cmdline}`);

  const machine = findMachine(await listMachines(s.lan.ns, s.dataDir), mac);
  assert.equal(machine.arch, 0);
  // Its only DHCP client is iPXE, which says nothing of the firmware below: only iPXE's ${platform} can tell.
  assert.equal(machine.firmware, 'bios', `firmware of ${mac} in machine ls: ${JSON.stringify(machine)}`);
  // The iPXE ROM is iPXE already: Bramble hands it the script URL at once, no TFTP.
  assertTimeline(machine, ['dhcp', 'script', 'kernel', 'initrd', 'note']);

  // The agent read the VM's own /proc and /sys: QEMU's e1000 with this MAC, about the 512 MiB it was given.
  assert.ok(boot.serial.includes('BRAMBLE-AGENT-OK'), 'the agent ran and posted');
  const hardware = (machine as unknown as { hardware?: { memoryBytes?: number; nics?: Array<{ mac: string; driver?: string }>; manufacturer?: string } }).hardware;
  assert.ok(hardware !== undefined, `no hardware facts on ${mac}: ${JSON.stringify(machine)}`);
  assert.ok(hardware.memoryBytes! > 400 * 2 ** 20 && hardware.memoryBytes! <= 512 * 2 ** 20, `memoryBytes ${hardware.memoryBytes}`);
  assert.ok(hardware.nics?.some((n) => n.mac === mac), `NICs ${JSON.stringify(hardware.nics)}`);
  assert.equal(hardware.manufacturer, 'QEMU');
  assert.equal((machine as unknown as { state: string }).state, 'running');
});

test('UEFI (OVMF PXE) chains into ipxe.efi and boots with Bramble as proxyDHCP beside a home router', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (!requireVmHost(t, { firmware: ['uefi'], dnsmasq: true })) return;
  const s = await setUp(t, 'uefi');

  // The home router: another host on the LAN, handing out addresses and nothing about booting.
  const router = await s.lan.addHost(ROUTER_ADDRESS);
  const leaseFile = join(s.workDir, 'router.leases');
  const dnsmasq = startProcess(router.argv(homeRouterArgs({ iface: 'eth0', range: POOL, leaseFile })), {
    label: 'dnsmasq (home router)',
    logFile: join(s.workDir, 'router.log'),
  });
  s.teardown.defer('stop home router', () => dnsmasq.stop());
  await dnsmasq.waitFor(/DHCP, IP range 198\.18\.0\.100/, 10_000);

  const nonce = newNonce();
  await addProfile(s, 'uefi-profile', nonce);
  const server = await serve(s, serveOptions(s, { dhcpMode: 'proxy', defaultProfile: 'uefi-profile' }));
  // The startup probe sees the router and says proxy mode is right beside it.
  await server.waitFor(/"msg":"other DHCP servers on this segment".*"server":"198\.18\.0\.2".*proxy mode works beside them/, 15_000);

  const mac = randomMac();
  const boot = await bootVm(t, s, 'uefi', mac);
  assert.equal(cmdlineParam(boot.cmdline ?? '', 'bramble.nonce'), nonce, `booted with: ${boot.cmdline}`);
  // The address came from the router (Bramble in proxy mode hands out none).
  assert.match(await readFile(leaseFile, 'utf8'), new RegExp(` ${mac} 198\\.18\\.0\\.`));

  const machine = findMachine(await listMachines(s.lan.ns, s.dataDir), mac);
  assert.equal(machine.arch, 7);
  assert.equal(machine.firmware, 'uefi', `firmware of ${mac} in machine ls: ${JSON.stringify(machine)}`);
  assertTimeline(machine, ['dhcp', 'tftp', 'script', 'kernel', 'initrd']);
});

test('an unknown machine gets the menu, whose timeout boots the default entry', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (!requireVmHost(t, { firmware: ['bios'] })) return;
  const s = await setUp(t, 'menu');
  await serve(s, serveOptions(s, { dhcpMode: 'full', range: POOL }));

  // Made while the server runs: the CLI goes through it. The decoy proves the default entry chose the profile.
  const nonce = newNonce();
  const decoyNonce = newNonce();
  const title = `Bramble test menu ${nonce}`;
  await addProfile(s, 'decoy', decoyNonce);
  await addProfile(s, 'menu-default', nonce);
  await brambleCli(s.lan.ns, ['settings', 'set', 'menu.timeoutSeconds', '3', '--data-dir', s.dataDir]);
  await brambleCli(s.lan.ns, ['settings', 'set', 'menu.defaultEntry', 'menu-default', '--data-dir', s.dataDir]);
  await brambleCli(s.lan.ns, ['settings', 'set', 'menu.title', title, '--data-dir', s.dataDir]);

  const mac = randomMac();
  const before = await listMachines(s.lan.ns, s.dataDir);
  assert.ok(!before.some((m) => m.mac.toLowerCase() === mac), 'the machine is unknown before it boots');

  const boot = await bootVm(t, s, 'bios', mac);
  assert.ok(boot.serial.includes(title), 'iPXE showed the menu (its title is on the console)');
  assert.equal(cmdlineParam(boot.cmdline ?? '', 'bramble.nonce'), nonce, `booted with: ${boot.cmdline}`);

  const machine = findMachine(await listMachines(s.lan.ns, s.dataDir), mac);
  assert.equal(machine.arch, 0);
  // Its only DHCP client is iPXE, which says nothing of the firmware below: only iPXE's ${platform} can tell.
  assert.equal(machine.firmware, 'bios', `firmware of ${mac} in machine ls: ${JSON.stringify(machine)}`);
  assertTimeline(machine, ['dhcp', 'script', 'kernel', 'initrd']);
});
