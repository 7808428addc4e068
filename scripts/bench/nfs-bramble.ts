// Bramble's side of the NFS benchmark: `bramble serve` (NFS on, its default ports) alone in a loopback
// namespace, and two layer exports made with `bramble nfs add ROOT --allow 127.0.0.1 --name LABEL`.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchError } from './bench-error.js';
import { brambleArgv, REPO_ROOT } from './bramble.js';
import type { Cleanup } from './cleanup.js';
import { runCommand } from './command.js';
import { nfsUrl, waitForExport } from './nfs-client.js';
import type { NfsExport } from './nfs-client.js';
import { MOUNT_PORT, NFS_PORT } from './nfs-ganesha.js';
import { createLoopbackNetns } from './nfs-sandbox.js';
import type { NfsSide } from './nfs.js';
import { waitForListeners } from './ready.js';
import { startServer } from './server-process.js';
import type { ServerProcess } from './server-process.js';

/** The namespace holds nothing else, so Bramble's other services can keep fixed ports. */
const HTTP_PORT = 8080;
const TFTP_PORT = 6969;
const PORTMAP_PORT = 111;
/** One machine's layer per golden root, as a diskless client's first boot would make it. */
const LABEL = 'bench-client';

export interface BrambleNfsOptions {
  readonly workDir: string;
  readonly dataDir: string;
  /** Bramble's default --nfs-roots (<data>/nfs/roots): the area writes the golden roots there. */
  readonly rootsDir: string;
  readonly fileRoot: string;
  readonly treeRoot: string;
  readonly cleanup: Cleanup;
}

export async function prepareBrambleNfs(options: BrambleNfsOptions): Promise<NfsSide> {
  const ipxeDir = join(options.workDir, 'ipxe');
  await mkdir(ipxeDir);
  const netns = await createLoopbackNetns();
  options.cleanup.defer(`delete namespace ${netns.name}`, () => netns.destroy());

  const target = (root: string): NfsExport => ({ host: '127.0.0.1', nfsPort: NFS_PORT, mountPort: MOUNT_PORT, path: `/bramble/${root}/${LABEL}` });
  const fileExport = target(options.fileRoot);
  const treeExport = target(options.treeRoot);
  let exportsMade = false;

  const argv = [
    ...brambleArgv({
      netns: netns.name, interfaceName: 'lo', address: '127.0.0.1', dataDir: options.dataDir, ipxeDir,
      httpPort: HTTP_PORT, tftpPort: TFTP_PORT, dhcpRange: null,
    }),
    // The defaults, spelled out so that the figures say what was measured.
    '--nfs', 'on', '--nfs-port', String(NFS_PORT), '--mountd-port', String(MOUNT_PORT), '--portmap-port', String(PORTMAP_PORT),
  ];

  return {
    exec: netns.exec,
    fileExport,
    treeExport,
    async start(): Promise<ServerProcess> {
      const server = startServer(argv, { label: 'bramble', cwd: REPO_ROOT });
      try {
        await waitForListeners(
          server,
          [HTTP_PORT, NFS_PORT, MOUNT_PORT, PORTMAP_PORT].map((port) => ({ transport: 'tcp' as const, port })),
          netns.name,
        );
        // Exports live in the store and are served again after a restart; they change only through the running
        // server, so they are made after its first start.
        if (!exportsMade) {
          for (const root of [options.fileRoot, options.treeRoot]) await addLayerExport(options.dataDir, root);
          exportsMade = true;
        }
        await waitForExport(server, netns.exec, nfsUrl(fileExport));
      } catch (error) {
        await server.stop();
        throw error;
      }
      return server;
    },
  };
}

/** `bramble nfs add` reaches the server through the control socket in the data folder, from any namespace. */
async function addLayerExport(dataDir: string, root: string): Promise<void> {
  const argv = [process.execPath, join(REPO_ROOT, 'bin', 'bramble.js'), 'nfs', 'add', root, '--allow', '127.0.0.1', '--name', LABEL, '--data-dir', dataDir];
  const outcome = await runCommand(argv, { cwd: REPO_ROOT, timeoutMs: 60_000 });
  if (outcome.code !== 0) {
    throw new BenchError('COMMAND_FAILED', `bramble nfs add ${root} exited ${String(outcome.code)}: ${(outcome.stderr.trim() || outcome.stdout.trim())}`);
  }
}
