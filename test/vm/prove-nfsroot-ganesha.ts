// Development proof of the NFS-root images WITHOUT Bramble: nfs-ganesha (VFS, NFSv3 over TCP, with rpcbind)
// serves copies of the golden root in a test namespace, and QEMU boots the kernel + NFS-root initramfs directly
// (-kernel/-initrd, no PXE) as the writer (boot 1, reboot, boot 2 with the Connectathon-style checks), then as
// a reader on another copy, a reader on the writer's changed root (which must fail the golden checks), and the
// writer's MAC as a reader on a fresh copy (what a reset gives it). Not part of `npm test` (ganesha is no test dependency); run as root:
//   node --import tsx test/vm/prove-nfsroot-ganesha.ts [--keep]
// Needs Debian's nfs-ganesha, nfs-ganesha-vfs and rpcbind besides the VM tests' packages.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/managed-process.js';
import { sweepStaleNetns } from '../support/netns.js';
import { Teardown } from '../support/teardown.js';
import { createTestLan } from '../support/test-lan.js';
import { waitForListening } from '../support/listening.js';
import { homeRouterArgs } from './dnsmasq-args.js';
import { buildGoldenRoot, buildNfsRootBootImages, copyGoldenRoot } from './nfsroot-images.js';
import { describeChecks, describeTimes, phaseProblems } from './nfsroot-markers.js';
import type { NfsBoot } from './nfsroot-markers.js';
import { runNfsRootVm } from './nfsroot-vm.js';
import type { NfsRootRun } from './nfsroot-vm.js';
import { randomMac } from './vm.js';

const NFS_PORT = 2049;
const MOUNT_PORT = 20048;
const keep = process.argv.includes('--keep');

function ganeshaConfig(exports: ReadonlyArray<{ id: number; path: string }>): string {
  const blocks = exports.map(
    (e) => `EXPORT {
  Export_Id = ${e.id};
  Path = ${e.path};
  Pseudo = ${e.path};
  Access_Type = RW;
  Squash = No_Root_Squash;
  Protocols = 3;
  Transports = TCP;
  SecType = sys;
  FSAL { Name = VFS; }
}`,
  );
  return `NFS_CORE_PARAM {
  Protocols = 3;
  NFS_Port = ${NFS_PORT};
  MNT_Port = ${MOUNT_PORT};
  Enable_NLM = false;
  Enable_RQUOTA = false;
  Enable_UDP = false;
}
NFSV4 { Graceless = true; }
${blocks.join('\n')}
`;
}

/**
 * rpcbind and ganesha share a private /run (tmpfs) in their own mount namespace: ganesha registers MOUNT and NFS
 * through /run/rpcbind.sock, a path socket that would otherwise be the host's, not the test namespace's.
 */
const SERVER_SCRIPT = `set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/rpcbind /run/ganesha /var/lib/nfs/ganesha
rpcbind -f -w &
sleep 1
exec ganesha.nfsd -F -f "$2" -L "$1/ganesha.log" -p "$1/ganesha.pid" -N NIV_EVENT
`;

function report(label: string, run: NfsRootRun): void {
  console.log(`\n== ${label}: ${run.ending} after ${run.seconds.toFixed(1)} s, ${run.boots.length} boot(s)${run.panic ? `, panic: ${run.panic}` : ''}`);
  run.boots.forEach((boot: NfsBoot, i) => {
    console.log(`boot ${i + 1}: role ${boot.role}, ip ${boot.ip}, mounted ${boot.mounted ?? `FAILED ${boot.mountFailure}`}, end ${boot.end}`);
    console.log(`  root: ${boot.rootMount}`);
    console.log(`  guest uptime: ${describeTimes(boot)}`);
    for (const phase of boot.phases) console.log(`  ${describeChecks(boot, phase)}`);
  });
}

const teardown = new Teardown();
const failures: string[] = [];
try {
  await sweepStaleNetns();
  let t0 = Date.now();
  const images = await buildNfsRootBootImages();
  const golden = await buildGoldenRoot();
  console.log(`images in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${images.initrd}, golden ${golden}`);

  const workDir = await mkdtemp(join(tmpdir(), 'bramble-nfsroot-ganesha-'));
  if (!keep) teardown.defer('remove work folder', () => rm(workDir, { recursive: true, force: true }));
  else console.log(`work folder kept: ${workDir}`);
  const roots = { a: join(workDir, 'roots', 'a'), b: join(workDir, 'roots', 'b'), aReset: join(workDir, 'roots', 'a-reset') };
  for (const dest of Object.values(roots)) await copyGoldenRoot(golden, dest);

  const lan = await createTestLan();
  teardown.defer('delete namespaces', () => lan.destroy());
  const tap = await lan.addTap('tap0');

  const dnsmasq = startProcess(
    lan.ns.argv(homeRouterArgs({ iface: lan.bridge, range: { first: '198.18.0.100', last: '198.18.0.150' }, leaseFile: join(workDir, 'leases') })),
    { label: 'dnsmasq', logFile: join(workDir, 'dnsmasq.log') },
  );
  teardown.defer('stop dnsmasq', () => dnsmasq.stop());
  await dnsmasq.waitFor(/DHCP, IP range 198\.18\.0\.100/, 10_000);

  const config = join(workDir, 'ganesha.conf');
  await writeFile(config, ganeshaConfig([{ id: 1, path: roots.a }, { id: 2, path: roots.b }, { id: 3, path: roots.aReset }]));
  const ganesha = startProcess(lan.ns.argv(['unshare', '-m', '--propagation', 'private', 'sh', '-c', SERVER_SCRIPT, 'sh', workDir, config]), {
    label: 'rpcbind + ganesha',
    logFile: join(workDir, 'ganesha.out'),
  });
  teardown.defer('stop ganesha', () => ganesha.stop(5_000));
  await waitForListening(lan.ns, [{ transport: 'tcp', port: 111 }, { transport: 'tcp', port: NFS_PORT }, { transport: 'tcp', port: MOUNT_PORT }], 30_000);
  console.log(`ganesha up after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log((await lan.ns.run(['rpcinfo', '-p', '127.0.0.1'])).stdout);

  const append = (path: string): string => `console=ttyS0 root=/dev/nfs nfsroot=${lan.serverAddress}:${path},vers=3,tcp,nolock ip=dhcp`;
  const machine = async (label: string, path: string, role: 'writer' | 'reader', mac: string): Promise<NfsRootRun> => {
    const maxBoots = role === 'writer' ? 2 : 1;
    const vmDir = join(workDir, label);
    await mkdir(vmDir);
    t0 = Date.now();
    const run = await runNfsRootVm({
      ns: lan.ns,
      workDir: vmDir,
      firmware: 'bios',
      tap,
      mac,
      role,
      label: `qemu ${label}`,
      direct: { kernel: images.kernel, initrd: images.initrd, append: append(path) },
      timeoutMs: 400_000,
      maxBoots,
      onStart: (stop) => teardown.defer(`stop ${label}`, stop),
    });
    report(label, run);
    return run;
  };

  const macA = randomMac();
  const a = await machine('machine-a', roots.a, 'writer', macA);
  const [a1, a2] = a.boots;
  if (a.boots.length !== 2 || a.ending !== 'poweroff') failures.push(`machine A: ${a.boots.length} boots, ended by ${a.ending}`);
  if (a1 !== undefined) failures.push(...phaseProblems(a1, 'golden', 6), ...phaseProblems(a1, 'boot1', 20));
  if (a1?.end !== 'reboot') failures.push(`machine A boot 1 ended with ${a1?.end}`);
  if (a2 !== undefined) failures.push(...phaseProblems(a2, 'boot2', 30), ...phaseProblems(a2, 'cthon', 10));
  if (a2?.end !== 'poweroff') failures.push(`machine A boot 2 ended with ${a2?.end}`);

  const b = await machine('machine-b', roots.b, 'reader', randomMac());
  if (b.boots.length !== 1 || b.boots[0]?.end !== 'poweroff') failures.push(`machine B: ${b.boots.length} boots, end ${b.boots[0]?.end}`);
  if (b.boots[0] !== undefined) failures.push(...phaseProblems(b.boots[0], 'golden', 6));

  // Control: a reader on the writer's own root must see the changes, or the golden checks prove nothing.
  const c = await machine('control-a-changed', roots.a, 'reader', macA);
  const caught = c.boots[0]?.checks.filter((x) => x.phase === 'golden' && !x.ok).map((x) => x.name) ?? [];
  for (const name of ['tree-paths', 'tree-attributes', 'tree-content', 'no-layer-state', 'hostname']) {
    if (!caught.includes(name)) failures.push(`control: golden/${name} did not notice the writer's changes`);
  }

  // What "reset" gives the writer: its MAC again, on a fresh copy of golden.
  const r = await machine('machine-a-reset', roots.aReset, 'reader', macA);
  if (r.boots[0] !== undefined) failures.push(...phaseProblems(r.boots[0], 'golden', 6));
  else failures.push('machine A after reset: no boot');
} catch (error) {
  failures.push(`harness: ${(error as Error).stack ?? String(error)}`);
} finally {
  await teardown.run().catch((e: unknown) => failures.push(String(e)));
}
console.log(failures.length === 0 ? '\nPROVED: every phase passed' : `\nFAILED:\n${failures.join('\n')}`);
process.exit(failures.length === 0 ? 0 : 1);
