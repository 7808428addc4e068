// Bramble's side of the iSCSI benchmark: `bramble serve` (iSCSI on, port 3260) alone in a loopback namespace, and
// its disks made as a user makes them: `bramble iscsi add IMAGE --name LABEL --allow 127.0.0.1`, a copy-on-write
// disk over a golden image (the raw one with `--raw IMAGE`: a copy of it), target iqn.2026-11.org.bramble:LABEL on LUN 0, CHAP user LABEL with the secret the
// store keeps (DATA_DIR/bramble.json, iscsiDisks[].chapSecret), as a machine's boot script would be given it.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchError } from './bench-error.js';
import { brambleArgv, REPO_ROOT } from './bramble.js';
import type { Cleanup } from './cleanup.js';
import { runCommand } from './command.js';
import type { IscsiTarget } from './iscsi-client.js';
import type { DiskRole, IscsiSide } from './iscsi.js';
import { createLoopbackNetns } from './nfs-sandbox.js';
import { waitForListeners } from './ready.js';
import { startServer } from './server-process.js';

export const ISCSI_PORT = 3260;
/** The namespace holds nothing else, so Bramble's other services can keep fixed ports. */
const HTTP_PORT = 8080;
const TFTP_PORT = 6969;
const IQN_PREFIX = 'iqn.2026-11.org.bramble';
const LABELS: Record<DiskRole, string> = { raw: 'bench-raw', cow: 'bench-cow', conformance: 'bench-conformance' };

export interface BrambleIscsiOptions {
  readonly workDir: string;
  /** Its default --iscsi-images is <data>/iscsi/images: the golden images must already be there. */
  readonly dataDir: string;
  /** Golden image name (NAME.img in the images folder) per disk. */
  readonly images: Record<DiskRole, string>;
  readonly cleanup: Cleanup;
}

interface StoredDisk {
  readonly iqn: string;
  readonly chapUser: string;
  readonly chapSecret: string;
}

export async function prepareBrambleIscsi(options: BrambleIscsiOptions): Promise<IscsiSide & { usedBytes(role: DiskRole): Promise<number> }> {
  const ipxeDir = join(options.workDir, 'ipxe');
  await mkdir(ipxeDir);
  const netns = await createLoopbackNetns();
  options.cleanup.defer(`delete namespace ${netns.name}`, () => netns.destroy());
  const argv = [
    ...brambleArgv({
      netns: netns.name, interfaceName: 'lo', address: '127.0.0.1', dataDir: options.dataDir, ipxeDir,
      httpPort: HTTP_PORT, tftpPort: TFTP_PORT, dhcpRange: null,
    }),
    // The defaults, spelled out so that the figures say what was measured.
    '--iscsi', 'on', '--iscsi-port', String(ISCSI_PORT),
  ];
  const server = startServer(argv, { label: 'bramble', cwd: REPO_ROOT });
  const stop = options.cleanup.defer('stop bramble', () => server.stop());
  const cli = async (args: readonly string[]): Promise<string> => {
    // The CLI reaches the server through the control socket in the data folder, from any namespace.
    const outcome = await runCommand([process.execPath, join(REPO_ROOT, 'bin', 'bramble.js'), ...args, '--data-dir', options.dataDir], { cwd: REPO_ROOT, timeoutMs: 60_000 });
    if (outcome.code !== 0) throw new BenchError('COMMAND_FAILED', `bramble ${args.join(' ')} exited ${String(outcome.code)}: ${outcome.stderr.trim() || outcome.stdout.trim()}`);
    return outcome.stdout;
  };

  const targets = {} as Record<DiskRole, IscsiTarget>;
  try {
    await waitForListeners(server, [{ transport: 'tcp', port: ISCSI_PORT }, { transport: 'tcp', port: HTTP_PORT }], netns.name);
    for (const role of Object.keys(LABELS) as DiskRole[]) {
      await cli(['iscsi', 'add', ...(role === 'raw' ? ['--raw'] : []), options.images[role], '--name', LABELS[role], '--allow', '127.0.0.1']);
    }
    const store = JSON.parse(await readFile(join(options.dataDir, 'bramble.json'), 'utf8')) as { iscsiDisks?: StoredDisk[] };
    for (const role of Object.keys(LABELS) as DiskRole[]) {
      const iqn = `${IQN_PREFIX}:${LABELS[role]}`;
      const disk = store.iscsiDisks?.find((d) => d.iqn === iqn);
      if (disk === undefined) throw new BenchError('COMMAND_FAILED', `bramble iscsi add made no ${iqn} in ${options.dataDir}/bramble.json`);
      targets[role] = { host: '127.0.0.1', port: ISCSI_PORT, iqn, lun: 0, chap: { user: disk.chapUser, secret: disk.chapSecret } };
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    name: 'bramble',
    exec: netns.exec,
    server,
    targets,
    async freshCow() {
      await cli(['iscsi', 'reset', LABELS.cow]);
    },
    async usedBytes(role) {
      const listed = JSON.parse(await cli(['iscsi', 'ls', '--json'])) as { iqn: string; usedBytes: number | null }[];
      const disk = listed.find((d) => d.iqn === targets[role].iqn);
      return disk?.usedBytes ?? Number.NaN;
    },
    stop,
  };
}
