// The NFSv3 program on a real RPC server on 127.0.0.1 for tests, with exports over any View and clients that call
// as any AUTH_SYS user (RFC 1813 over RFC 5531).
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { authSysCredential, type OpaqueAuth } from '../../src/rpc/auth.js';
import type { KernelRecordSend } from '../../src/rpc/kernel-record-send.js';
import { createRpcServer, type RpcServerLimits } from '../../src/rpc/rpc-server.js';
import type { RpcStats } from '../../src/rpc/rpc-stats.js';
import type { ExportRule } from '../../src/nfs/export-access.js';
import { handleSigner, type HandleSigner } from '../../src/nfs/file-handle.js';
import { nfsProgram, rootHandle, type ServedExport } from '../../src/nfs/nfs-program.js';
import { nfs3StatName } from '../../src/nfs/nfs3-status.js';
import type { View } from '../../src/nfs/view/view.js';
import { connectNfs3, type Nfs3TestClient } from './nfs3-test-client.js';

export const SECRET = Buffer.alloc(32, 7);
export const WRITE_VERIFIER = Buffer.from('bramble!');

/** The loopback client's own machine export, read-write, root not squashed: a diskless root. */
export const OWN_RULE: ExportRule = { allow: { kind: 'address', address: '127.0.0.1' }, rootSquash: false, readOnly: false };

export function servedExport(id: number, view: View, rule: ExportRule = OWN_RULE, generation = 1): ServedExport & { generationNow: number } {
  const exp = { id, generation: () => exp.generationNow, rule, view, fsid: BigInt(id) * 1000n, generationNow: generation };
  return exp;
}

export interface NfsTestServer {
  readonly tcp: number;
  readonly udp: number | null;
  readonly signer: HandleSigner;
  stats(): Readonly<RpcStats>;
  root(exp: ServedExport): Buffer;
  /** A TCP client calling as this user (root by default), closed with the test. */
  client(user?: User): Promise<Nfs3TestClient>;
}

export interface User {
  readonly uid: number;
  readonly gid: number;
  readonly gids?: readonly number[];
}

export const ROOT: User = { uid: 0, gid: 0 };
export const ALICE: User = { uid: 1000, gid: 1000, gids: [1000, 100] };
export const BOB: User = { uid: 1001, gid: 1001, gids: [1001, 100] };

export function credentialOf(user: User): OpaqueAuth {
  return authSysCredential({ stamp: 1, machinename: 'node', uid: user.uid, gid: user.gid, gids: [...(user.gids ?? [user.gid])] });
}

export async function startNfs(
  t: TestContext,
  exports: readonly ServedExport[],
  options: { udp?: boolean; limits?: RpcServerLimits; log?: Logger; kernelSend?: KernelRecordSend } = {},
): Promise<NfsTestServer> {
  const signer = handleSigner(SECRET);
  const program = nfsProgram({
    signer,
    exportById: (id) => exports.find((e) => e.id === id),
    writeVerifier: WRITE_VERIFIER,
    log: options.log ?? silentLogger(),
  });
  const server = createRpcServer({
    address: '127.0.0.1',
    tcpPort: 0,
    udpPort: options.udp === true ? 0 : null,
    programs: [program],
    log: silentLogger(),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.kernelSend === undefined ? {} : { kernelSend: options.kernelSend }),
  });
  const ports = await server.start();
  t.after(() => server.stop());
  let xid = 0x10000;
  return {
    tcp: ports.tcp!,
    udp: ports.udp,
    signer,
    stats: () => server.stats(),
    root: (exp) => rootHandle(signer, exp),
    async client(user = ROOT) {
      const client = await connectNfs3(ports.tcp!, credentialOf(user), (xid += 0x10000));
      t.after(() => client.close());
      return client;
    },
  };
}

/** Asserts NFS3_OK and narrows the result to its success arm. */
export function ok<R extends { readonly status: number }>(res: R): Extract<R, { readonly status: 0 }> {
  assert.equal(nfs3StatName(res.status), 'NFS3_OK');
  return res as Extract<R, { readonly status: 0 }>;
}

export function status(res: { readonly status: number }): string {
  return nfs3StatName(res.status);
}
