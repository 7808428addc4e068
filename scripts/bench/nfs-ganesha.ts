// nfs-ganesha (FSAL VFS, NFSv3/TCP) run by hand in the foreground as the NFS peer, with the rpcbind it needs:
// ganesha refuses to start when it cannot register NFS and MOUNT, even though libnfs (given nfsport= and
// mountport=) never asks the portmapper.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { ganeshaConfig } from './ganesha-config.js';
import type { GaneshaExport } from './ganesha-config.js';
import type { NfsExport } from './nfs-client.js';
import { waitForExport, nfsUrl } from './nfs-client.js';
import { createLoopbackNetns, startPrivateRun } from './nfs-sandbox.js';
import type { LoopbackNetns } from './nfs-sandbox.js';
import { waitForListeners } from './ready.js';
import { startServer } from './server-process.js';
import type { ServerProcess } from './server-process.js';

export const NFS_PORT = 2049;
export const MOUNT_PORT = 20048;
const RPCBIND_PORT = 111;

export interface GaneshaHost {
  readonly netns: LoopbackNetns;
  /** Ganesha's exports as a client mounts them, in the order given. */
  readonly exports: readonly NfsExport[];
  /** Starts ganesha (one at a time: it takes the fixed ports); resolves once the first export answers. */
  start(): Promise<ServerProcess>;
}

/** A namespace, its private /run and rpcbind, all stopped by `cleanup`; ganesha itself is started by start(). */
export async function prepareGanesha(workDir: string, exports: readonly GaneshaExport[], cleanup: Cleanup): Promise<GaneshaHost> {
  const dir = join(workDir, 'ganesha-state');
  // One level at a time: a recursive mkdir would remake a work folder that a Ctrl-C has just deleted.
  await mkdir(dir);
  await mkdir(join(dir, 'recovery'));
  const configPath = join(dir, 'ganesha.conf');
  await writeFile(configPath, ganeshaConfig({ nfsPort: NFS_PORT, mountPort: MOUNT_PORT, recoveryRoot: join(dir, 'recovery'), exports }));

  const netns = await createLoopbackNetns();
  cleanup.defer(`delete namespace ${netns.name}`, () => netns.destroy());
  const run = await startPrivateRun(netns);
  cleanup.defer('stop the mount namespace holder', () => run.holder.stop());
  // -f: stay in the foreground, so that the bench owns it and can stop it.
  const rpcbind = startServer(run.exec(['rpcbind', '-f']), { label: 'rpcbind' });
  cleanup.defer('stop rpcbind', () => rpcbind.stop());
  await waitForListeners(rpcbind, [{ transport: 'tcp', port: RPCBIND_PORT }], netns.name);

  const targets = exports.map((e) => ({ host: '127.0.0.1', nfsPort: NFS_PORT, mountPort: MOUNT_PORT, path: e.path }));
  let started = 0;
  return {
    netns,
    exports: targets,
    async start() {
      started += 1;
      const logPath = join(dir, `ganesha-${started}.log`);
      const argv = ['ganesha.nfsd', '-F', '-f', configPath, '-L', logPath, '-p', join(dir, 'ganesha.pid'), '-N', 'NIV_EVENT'];
      const server = startServer(run.exec(argv), { label: 'ganesha' });
      // Ganesha logs to its file, not to stdout: failures quote that file.
      const withLog = async (error: unknown): Promise<never> => {
        await server.stop();
        const log = await readFile(logPath, 'utf8').catch(() => '');
        const tail = log.split('\n').slice(-15).join('\n');
        throw new Error(`${error instanceof Error ? error.message : String(error)}\nganesha log (${logPath}):\n${tail}`, { cause: error });
      };
      try {
        await waitForListeners(server, [{ transport: 'tcp', port: NFS_PORT }, { transport: 'tcp', port: MOUNT_PORT }], netns.name);
        await waitForExport(server, netns.exec, nfsUrl(targets[0]!));
      } catch (error) {
        return withLog(error);
      }
      return server;
    },
  };
}

