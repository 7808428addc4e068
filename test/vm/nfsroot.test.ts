// Issue #4 with a real Linux client: QEMU machines PXE-boot (BIOS + iPXE ROM) from Bramble into a Debian kernel
// whose root is Bramble's NFSv3 export of a golden root with a layer per machine. Machine A changes its root in
// every way a root is changed, reboots (in the VM: the firmware PXE-boots again) and finds every change, then runs
// Connectathon-style basic checks; machine B sees only golden; the golden folder is byte-identical afterwards;
// `bramble nfs reset` brings A back to golden. The scenario runs in the guest (nfsroot/*), proved against
// nfs-ganesha first (prove-nfsroot-ganesha.ts); here the test reads its markers and Bramble's own view.
// A's reboot is the guest's own `reboot -f` with QEMU left to restart the machine (no -no-reboot), so boot 2 is a
// whole second network boot: firmware, DHCP, boot script, kernel, a fresh mount of the same export; Bramble is
// restarted in between, so the layer is also proved to outlive the server process. The part each
// machine plays comes in an SMBIOS OEM string, since one profile (one kernel line) serves them all. TCG, as for
// every VM here: iPXE hangs under KVM, and on this host even a direct kernel boot made no progress under KVM.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { ManagedProcess } from '../support/managed-process.js';
import { requireTool } from '../support/require-tool.js';
import { brambleCli, listMachines, serveVmLab } from './bramble-process.js';
import type { MachineRow } from './bramble-process.js';
import { buildGoldenRoot, buildNfsRootBootImages, copyGoldenRoot } from './nfsroot-images.js';
import { describeChecks, describeTimes, phaseProblems } from './nfsroot-markers.js';
import type { NfsBoot } from './nfsroot-markers.js';
import { runNfsRootVm } from './nfsroot-vm.js';
import type { NfsRootRun } from './nfsroot-vm.js';
import { manifestDifferences, treeManifest } from './tree-manifest.js';
import { openVmLab } from './vm-lab.js';
import type { VmLab } from './vm-lab.js';
import { requireVmHost } from './vm-prerequisites.js';
import { randomMac } from './vm.js';

/** Two PXE boots under TCG (~25 s each to the kernel) and the scenario; ganesha took 45-70 s for both boots direct. */
const WRITER_TIMEOUT_MS = 360_000;
const READER_TIMEOUT_MS = 180_000;
const TEST_TIMEOUT_MS = 900_000;
const POOL = { first: '198.18.0.100', last: '198.18.0.150' };
const ROOT_NAME = 'debian';
const PROFILE = 'nfs-debian';
const NFS_PORTS = { portmap: 111, nfs: 2049, mount: 20048 };
/** Fewest checks each phase prints (nfsroot/*.sh); fewer means some never ran. */
const MIN_CHECKS = { golden: 6, boot1: 25, boot2: 35, cthon: 12 } as const;

/** The `bramble nfs ls --json` fields this test relies on. */
interface ExportRow {
  readonly id: number;
  readonly path: string;
  readonly root: string;
  readonly kind: string;
  readonly machine?: string;
  readonly allow: string;
  readonly generation: number;
  readonly layerBytes: number | null;
}

async function listExports(lab: VmLab): Promise<ExportRow[]> {
  const text = await brambleCli(lab.lan.ns, ['nfs', 'ls', '--json', '--data-dir', lab.dataDir]);
  const parsed: unknown = JSON.parse(text);
  assert.ok(Array.isArray(parsed), `nfs ls --json printed no array: ${text.slice(0, 200)}`);
  return parsed as ExportRow[];
}

function exportPathOf(mac: string): string {
  return `/bramble/${ROOT_NAME}/${mac.replace(/:/g, '-')}`;
}

function findExport(exports: readonly ExportRow[], mac: string): ExportRow {
  const found = exports.find((e) => e.path === exportPathOf(mac));
  assert.ok(found, `no export ${exportPathOf(mac)} in nfs ls: ${JSON.stringify(exports.map((e) => e.path))}`);
  return found;
}

function findMachine(machines: readonly MachineRow[], mac: string): MachineRow {
  const found = machines.find((m) => m.mac.toLowerCase() === mac);
  assert.ok(found, `machine ${mac} is not in machine ls`);
  return found;
}

/** Everything about a run that failed, for the assertion message: the end, the phases, and the console's tail. */
function explain(label: string, run: NfsRootRun): string {
  const boots = run.boots.map((b, i) => `boot ${i + 1}: mounted ${b.mounted ?? `no (${b.mountFailure ?? 'no marker'})`}, end ${b.end ?? 'none'}\n  ${b.phases.map((p) => describeChecks(b, p)).join('\n  ')}`);
  const tail = run.serial.split('\n').slice(-40).join('\n');
  return `${label}: ended by ${run.ending} after ${run.seconds.toFixed(0)} s${run.panic === undefined ? '' : `, kernel panic: ${run.panic}`}\n${boots.join('\n')}\nserial console tail (${run.serialLog}):\n${tail}`;
}

/** The boot was made from Bramble's kernel line, mounted this machine's own export, and ended as planned. */
function assertBoot(label: string, run: NfsRootRun, boot: NfsBoot | undefined, mac: string, end: 'reboot' | 'poweroff'): asserts boot is NfsBoot {
  assert.ok(boot !== undefined, explain(label, run));
  assert.deepEqual(boot.insmodFailures, [], explain(label, run));
  const cmdline = boot.cmdline ?? '';
  assert.ok(cmdline.split(/\s+/).includes('root=/dev/nfs'), `kernel line: ${cmdline}`);
  assert.ok(cmdline.includes(`nfsroot=198.18.0.1:${exportPathOf(mac)},vers=3,tcp,nolock`), `kernel line: ${cmdline}`);
  assert.ok(cmdline.split(/\s+/).includes('ip=dhcp'), `kernel line: ${cmdline}`);
  assert.match(boot.mounted ?? '', new RegExp(`^198\\.18\\.0\\.1:${exportPathOf(mac)} `), explain(label, run));
  // The kernel's own account of the root: NFSv3 over TCP from Bramble.
  assert.match(boot.rootMount ?? '', / \/ nfs rw,.*vers=3.*proto=tcp.*addr=198\.18\.0\.1/, explain(label, run));
  assert.equal(boot.end, end, explain(label, run));
}

function assertPhases(label: string, run: NfsRootRun, boot: NfsBoot, phases: ReadonlyArray<keyof typeof MIN_CHECKS>): void {
  const problems = phases.flatMap((p) => phaseProblems(boot, p, MIN_CHECKS[p]));
  assert.deepEqual(problems, [], explain(label, run));
}

test('a PXE-booted Linux machine keeps its changes on its own NFS layer over the golden root, others see golden, reset restores it', { timeout: TEST_TIMEOUT_MS }, async (t: TestContext) => {
  if (!requireVmHost(t, { firmware: ['bios'] }) || !requireTool(t, 'cp', 'coreutils') || !requireTool(t, 'mknod', 'coreutils')) return;
  let started = Date.now();
  const since = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const images = await buildNfsRootBootImages();
  const golden = await buildGoldenRoot();
  t.diagnostic(`images ready in ${since()}`);

  const lab = await openVmLab(t, 'nfsroot');
  const tap = await lab.lan.addTap('tap0');
  const goldenDir = join(lab.dataDir, 'nfs', 'roots', ROOT_NAME);
  await copyGoldenRoot(golden, goldenDir);
  const before = await treeManifest(goldenDir);

  // No server runs yet: the CLI writes the profile into the store itself.
  await brambleCli(lab.lan.ns, [
    'profile', 'add', PROFILE,
    '--kernel', images.kernel,
    '--initrd', images.initrd,
    '--nfs-root', ROOT_NAME,
    '--cmdline', 'console=ttyS0',
    '--data-dir', lab.dataDir,
  ]);
  let server: ManagedProcess | undefined;
  let serveCount = 0;
  const serve = async (): Promise<void> => {
    serveCount += 1;
    server = await serveVmLab(lab, { range: POOL, defaultProfile: PROFILE, tcpPorts: Object.values(NFS_PORTS), logName: `bramble-${serveCount}.log` });
  };
  await serve();

  const machine = async (
    label: string,
    mac: string,
    role: 'writer' | 'reader',
    timeoutMs: number,
    maxBoots: number,
    betweenBoots?: () => Promise<void>,
  ): Promise<NfsRootRun> => {
    const workDir = join(lab.workDir, label);
    await mkdir(workDir);
    started = Date.now();
    const run = await runNfsRootVm({
      ns: lab.lan.ns,
      workDir,
      firmware: 'bios',
      tap,
      mac,
      role,
      label: `qemu ${label}`,
      timeoutMs,
      maxBoots,
      betweenBoots,
      onStart: (stop) => lab.teardown.defer(`stop ${label}`, stop),
    });
    const times = run.boots.map((b, i) => `boot ${i + 1}: ${describeTimes(b)}`).join('; ');
    t.diagnostic(`${label}: ${run.boots.length} boot(s), ${run.ending} after ${run.seconds.toFixed(1)} s (guest uptime ${times})`);
    return run;
  };
  const assertGoldenUnchanged = async (when: string): Promise<void> => {
    assert.deepEqual(manifestDifferences(before, await treeManifest(goldenDir)), [], `the golden folder changed ${when}`);
  };

  // Machine A: boot 1 finds golden and changes it, reboots; boot 2 finds every change and runs the basic checks.
  // Bramble restarts while A's firmware comes up again: the layer, its export and the leases live on disk.
  const macA = randomMac();
  const restartBramble = async (): Promise<void> => {
    const stopped = Date.now();
    await server?.stop();
    await serve();
    t.diagnostic(`bramble restarted between A's boots in ${((Date.now() - stopped) / 1000).toFixed(1)} s`);
  };
  const a = await machine('machine-a', macA, 'writer', WRITER_TIMEOUT_MS, 2, restartBramble);
  assert.equal(serveCount, 2, 'bramble was restarted between the boots');
  assert.equal(a.ending, 'poweroff', explain('machine A', a));
  assert.equal(a.boots.length, 2, explain('machine A', a));
  const [a1, a2] = a.boots;
  assertBoot('machine A boot 1', a, a1, macA, 'reboot');
  assertPhases('machine A boot 1', a, a1, ['golden', 'boot1']);
  assertBoot('machine A boot 2', a, a2, macA, 'poweroff');
  assertPhases('machine A boot 2', a, a2, ['boot2', 'cthon']);

  const afterA = await listExports(lab);
  const exportA = findExport(afterA, macA);
  assert.equal(exportA.kind, 'layer');
  assert.equal(exportA.root, ROOT_NAME);
  assert.equal(exportA.machine?.toLowerCase(), macA);
  assert.equal(exportA.allow, a1.ip, 'the layer is offered to the address the machine booted with');
  assert.ok((exportA.layerBytes ?? 0) > 1_000_000, `A's layer holds its changes (1.5 MiB random file and more): ${exportA.layerBytes} bytes`);
  const timeline = findMachine(await listMachines(lab.lan.ns, lab.dataDir), macA).events;
  assert.ok(timeline.some((e) => e.stage === 'root' && e.detail.includes(exportPathOf(macA))), `A's boot events name its root: ${JSON.stringify(timeline)}`);
  await assertGoldenUnchanged("after machine A's two boots");

  // Machine B: another MAC, its own export, none of A's changes.
  const macB = randomMac();
  const b = await machine('machine-b', macB, 'reader', READER_TIMEOUT_MS, 1);
  assert.equal(b.boots.length, 1, explain('machine B', b));
  assertBoot('machine B', b, b.boots[0], macB, 'poweroff');
  assertPhases('machine B', b, b.boots[0]!, ['golden']);
  const exportB = findExport(await listExports(lab), macB);
  assert.notEqual(exportB.id, exportA.id);

  // Reset A's layer: its next boot finds golden again.
  const reset = await brambleCli(lab.lan.ns, ['nfs', 'reset', exportA.path, '--data-dir', lab.dataDir]);
  t.diagnostic(`nfs reset: ${reset.trim()}`);
  const exportAReset = findExport(await listExports(lab), macA);
  assert.equal(exportAReset.id, exportA.id);
  assert.ok(exportAReset.generation > exportA.generation, 'a reset bumps the generation (old handles go stale)');
  assert.ok((exportAReset.layerBytes ?? 0) < 100_000, `the reset layer is empty: ${exportAReset.layerBytes} bytes`);
  const r = await machine('machine-a-reset', macA, 'reader', READER_TIMEOUT_MS, 1);
  assert.equal(r.boots.length, 1, explain('machine A after reset', r));
  assertBoot('machine A after reset', r, r.boots[0], macA, 'poweroff');
  assertPhases('machine A after reset', r, r.boots[0]!, ['golden']);

  await assertGoldenUnchanged('after every machine');
});
