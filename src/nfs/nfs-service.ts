// Bramble's NFS service: the portmapper (RFC 1833), MOUNT v3 and NFSv3 (RFC 1813) on their ports, over the exports.
//
// Three RPC servers, as kernel clients expect: the portmapper on 111 tells where MOUNT (a fixed port, default
// 20048) and NFS (2049) are. File handles are signed with a key kept in the data folder, so they stay valid
// across restarts; the write verifier is new at every start, so clients resend writes that were not committed.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { createPortmapPrograms } from '../portmap/portmap-program.js';
import { IpProto, portmapperMappings, PortmapTable } from '../portmap/portmap-table.js';
import type { KernelRecordSend } from '../rpc/kernel-record-send.js';
import { createRpcServer, type RpcServer } from '../rpc/rpc-server.js';
import type { NfsExports } from './exports.js';
import { handleSigner } from './file-handle.js';
import { mountProgram } from './mount-program.js';
import { MOUNT_PROGRAM, MOUNT_V3 } from './mount3.js';
import { nfsProgram, rootHandle } from './nfs-program.js';
import { NFS_PROGRAM, NFS_V3 } from './nfs3-program.js';

export interface NfsServiceOptions {
  readonly address: string;
  readonly ports: { readonly portmap: number; readonly nfs: number; readonly mount: number };
  readonly exports: NfsExports;
  readonly dataDir: string;
  readonly log: Logger;
  /** Sends READ replies from the kernel (sendfile); null or absent copies them through the process. */
  readonly kernelSend?: KernelRecordSend | null;
}

export interface NfsPorts {
  readonly portmap: number;
  readonly nfs: number;
  readonly mount: number;
}

export interface NfsService {
  start(): Promise<NfsPorts>;
  stop(): Promise<void>;
}

/** 32 random bytes made once; losing them makes every handle clients hold stale, nothing worse. */
async function handleKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, 'nfs', 'handle.key');
  await mkdir(join(dataDir, 'nfs'), { recursive: true, mode: 0o700 });
  const existing = await readFile(path).catch(() => null);
  if (existing !== null && existing.length >= 32) return existing;
  const key = randomBytes(32);
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.writeFile(key);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return key;
}

export function createNfsService(options: NfsServiceOptions): NfsService {
  const { exports, log } = options;
  const servers: RpcServer[] = [];

  const stop = async (): Promise<void> => {
    for (const server of servers.splice(0).reverse()) await server.stop();
  };

  return {
    async start() {
      const signer = handleSigner(await handleKey(options.dataDir));
      const nfs = createRpcServer({
        address: options.address,
        tcpPort: options.ports.nfs,
        udpPort: options.ports.nfs,
        programs: [nfsProgram({ signer, exportById: (id) => exports.served(id), writeVerifier: randomBytes(8), log: log.child({ program: 'nfs' }) })],
        log,
        kernelSend: options.kernelSend ?? null,
      });
      const mount = createRpcServer({
        address: options.address,
        tcpPort: options.ports.mount,
        udpPort: options.ports.mount,
        programs: [
          mountProgram(() =>
            exports.list().flatMap((e) => {
              const served = exports.served(e.id);
              if (served === undefined) return [];
              return [{ path: e.path, rule: served.rule, rootHandle: () => rootHandle(signer, served) }];
            }),
          ),
        ],
        log,
      });
      const table = new PortmapTable();
      const portmap = createRpcServer({
        address: options.address,
        tcpPort: options.ports.portmap,
        udpPort: options.ports.portmap,
        programs: createPortmapPrograms(table),
        log,
      });
      // Each port named with the setting that moves it: the usual clash is the host's own rpcbind on 111.
      const bind = async (server: RpcServer, flag: string) => {
        servers.push(server);
        try {
          return await server.start();
        } catch (error) {
          const advice = flag === '--portmap-port' ? ' (is rpcbind running? stop it: systemctl disable --now rpcbind.socket rpcbind)' : '';
          throw new Error(`NFS: ${(error as Error).message}${advice}; choose another port with ${flag}, or run with --nfs off`, { cause: error });
        }
      };
      try {
        const nfsPorts = await bind(nfs, '--nfs-port');
        const mountPorts = await bind(mount, '--mountd-port');
        const pmPorts = await bind(portmap, '--portmap-port');
        for (const m of portmapperMappings([4, 3, 2], pmPorts.tcp, pmPorts.udp)) table.set(m);
        for (const [prog, vers, ports] of [
          [NFS_PROGRAM, NFS_V3, nfsPorts],
          [MOUNT_PROGRAM, MOUNT_V3, mountPorts],
        ] as const) {
          if (ports.tcp !== null) table.set({ prog, vers, prot: IpProto.tcp, port: ports.tcp });
          if (ports.udp !== null) table.set({ prog, vers, prot: IpProto.udp, port: ports.udp });
        }
        const ports = { portmap: pmPorts.tcp!, nfs: nfsPorts.tcp!, mount: mountPorts.tcp! };
        log.info('nfs serving', { address: options.address, ...ports, exports: exports.list().length });
        return ports;
      } catch (error) {
        await stop();
        throw error;
      }
    },
    stop,
  };
}
