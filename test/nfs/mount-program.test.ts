// The MOUNT v3 program over a real RPC server on 127.0.0.1: MNT by export rule, DUMP, UMNT, UMNTALL, EXPORT.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { authSysCredential } from '../../src/rpc/auth.js';
import { createRpcServer } from '../../src/rpc/rpc-server.js';
import { mountProgram, type MountableExport } from '../../src/nfs/mount-program.js';
import { decodeDumpRes, decodeExportRes, decodeMntRes, encodeMntArgs, Mount3Proc, Mount3Status, MOUNT_PROGRAM, MOUNT_V3 } from '../../src/nfs/mount3.js';
import type { XdrReader } from '../../src/rpc/xdr-reader.js';
import { connectTcp, successResults, xdrArgs, type TcpRpcClient } from '../rpc/rpc-test-client.js';

const ROOT_HANDLE = Buffer.alloc(33, 0xab);
const exportsFor = (ownAddress: string): MountableExport[] => [
  { path: '/bramble/nodes/own', rule: { allow: { kind: 'address', address: ownAddress }, rootSquash: false, readOnly: false }, rootHandle: () => ROOT_HANDLE },
  { path: '/bramble/nodes/other', rule: { allow: { kind: 'address', address: '198.18.0.99' }, rootSquash: false, readOnly: false }, rootHandle: () => ROOT_HANDLE },
  { path: '/bramble/golden', rule: { allow: { kind: 'subnet', network: '127.0.0.0', prefix: 8 }, rootSquash: true, readOnly: true }, rootHandle: () => ROOT_HANDLE },
];

async function mountServer(t: TestContext): Promise<{ client: TcpRpcClient; program: ReturnType<typeof mountProgram> }> {
  const program = mountProgram(() => exportsFor('127.0.0.1'));
  const server = createRpcServer({ address: '127.0.0.1', tcpPort: 0, udpPort: null, programs: [program], log: silentLogger() });
  const ports = await server.start();
  t.after(() => server.stop());
  const client = await connectTcp(ports.tcp!);
  t.after(() => client.close());
  return { client, program };
}

let xid = 1;
async function call(client: TcpRpcClient, proc: number, path?: string): Promise<XdrReader> {
  const cred = authSysCredential({ stamp: 1, machinename: 'node', uid: 0, gid: 0, gids: [] });
  const reply = await client.call({ xid: xid++, prog: MOUNT_PROGRAM, vers: MOUNT_V3, proc, cred, ...(path === undefined ? {} : { args: xdrArgs((w) => encodeMntArgs(w, path)) }) });
  return successResults(reply);
}

test('MNT gives the root handle and AUTH_SYS to the permitted client, trailing slash or not', async (t) => {
  const { client, program } = await mountServer(t);
  for (const path of ['/bramble/nodes/own', '/bramble/nodes/own/', '/bramble/golden']) {
    const res = decodeMntRes(await call(client, Mount3Proc.mnt, path));
    assert.equal(res.status, Mount3Status.ok, path);
    if (res.status === Mount3Status.ok) {
      assert.deepEqual(Buffer.from(res.fhandle), ROOT_HANDLE);
      assert.deepEqual(res.authFlavors, [1]);
    }
  }
  assert.deepEqual(program.mounts(), [
    { hostname: '127.0.0.1', directory: '/bramble/nodes/own' },
    { hostname: '127.0.0.1', directory: '/bramble/golden' },
  ]);
});

test("MNT of another machine's export is refused (ACCES); an unknown path is NOENT; neither is listed", async (t) => {
  const { client, program } = await mountServer(t);
  assert.equal(decodeMntRes(await call(client, Mount3Proc.mnt, '/bramble/nodes/other')).status, Mount3Status.acces);
  assert.equal(decodeMntRes(await call(client, Mount3Proc.mnt, '/etc')).status, Mount3Status.noent);
  assert.deepEqual(program.mounts(), []);
});

test('DUMP lists mounts; UMNT removes one, UMNTALL the rest of this client', async (t) => {
  const { client } = await mountServer(t);
  await call(client, Mount3Proc.mnt, '/bramble/nodes/own');
  await call(client, Mount3Proc.mnt, '/bramble/golden');
  assert.equal(decodeDumpRes(await call(client, Mount3Proc.dump)).length, 2);
  await call(client, Mount3Proc.umnt, '/bramble/golden/');
  assert.deepEqual(decodeDumpRes(await call(client, Mount3Proc.dump)), [{ hostname: '127.0.0.1', directory: '/bramble/nodes/own' }]);
  await call(client, Mount3Proc.umntall);
  assert.deepEqual(decodeDumpRes(await call(client, Mount3Proc.dump)), []);
});

test('EXPORT lists the exports the asking client may mount, with who may mount them; never another machine\'s', async (t) => {
  const { client } = await mountServer(t);
  assert.deepEqual(decodeExportRes(await call(client, Mount3Proc.export)), [
    { dir: '/bramble/nodes/own', groups: ['127.0.0.1'] },
    { dir: '/bramble/golden', groups: ['127.0.0.0/8'] },
  ]);
});
