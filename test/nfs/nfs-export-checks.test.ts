// What every NFSv3 call is checked against before a handler touches a View (RFC 1813 §2.3.3, §4.4; RFC 5531
// AUTH_SYS): forged or damaged handles, reset exports, another machine's export, moves between exports, root
// squash, weak credentials, and a View that throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogFields, Logger } from '../../src/log/logger.js';
import { AuthFlavor, AuthStat, AUTH_NONE_VERF } from '../../src/rpc/auth.js';
import { NFS3_CODECS } from '../../src/nfs/nfs3-procedures.js';
import { NFS_PROGRAM, NFS_V3 } from '../../src/nfs/nfs3-program.js';
import { SATTR3_NONE } from '../../src/nfs/nfs3-sattr.js';
import { memoryView } from './memory-view.js';
import { credentialOf, ok, OWN_RULE, ROOT, servedExport, startNfs, status } from './nfs-harness.js';
import { xdrArgs } from '../rpc/rpc-test-client.js';

test('a handle with one signature byte flipped, or of the wrong length, is BADHANDLE', async (t) => {
  const exp = servedExport(1, memoryView());
  const server = await startNfs(t, [exp]);
  const c = await server.client();
  const root = server.root(exp);
  ok(await c.nfs('getattr', { object: root }));
  const flipped = Buffer.from(root);
  flipped[20] = flipped[20]! ^ 0x01;
  assert.equal(status(await c.nfs('getattr', { object: flipped })), 'NFS3ERR_BADHANDLE');
  assert.equal(status(await c.nfs('getattr', { object: root.subarray(0, root.length - 1) })), 'NFS3ERR_BADHANDLE');
  const lookup = await c.nfs('lookup', { what: { dir: flipped, name: 'x' } });
  assert.equal(status(lookup), 'NFS3ERR_BADHANDLE');
  assert.equal(lookup.dirAttributes, null);
});

test('a reset export (new generation) makes old handles STALE; an export that is gone too', async (t) => {
  const exp = servedExport(1, memoryView());
  const server = await startNfs(t, [exp]);
  const c = await server.client();
  const old = server.root(exp);
  exp.generationNow = 2;
  assert.equal(status(await c.nfs('getattr', { object: old })), 'NFS3ERR_STALE');
  ok(await c.nfs('getattr', { object: server.root(exp) }));
  const gone = server.signer.encode({ exportId: 99, generation: 1, fileId: exp.view.rootId });
  assert.equal(status(await c.nfs('access', { object: gone, access: 1 })), 'NFS3ERR_STALE');
});

test("another machine's export answers ACCES to this client, even with a valid handle", async (t) => {
  const other = servedExport(2, memoryView(), { ...OWN_RULE, allow: { kind: 'address', address: '198.18.0.99' } });
  const server = await startNfs(t, [other]);
  const c = await server.client();
  const res = await c.nfs('getattr', { object: server.root(other) });
  assert.equal(status(res), 'NFS3ERR_ACCES');
  assert.equal(status(await c.nfs('readdir', { dir: server.root(other), cookie: 0n, cookieverf: Buffer.alloc(8), count: 4096 })), 'NFS3ERR_ACCES');
});

test('RENAME and LINK between two exports are XDEV', async (t) => {
  const a = servedExport(1, memoryView());
  const b = servedExport(2, memoryView());
  const server = await startNfs(t, [a, b]);
  const c = await server.client();
  const f = ok(await c.nfs('create', { where: { dir: server.root(a), name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } })).obj!;
  assert.equal(status(await c.nfs('rename', { from: { dir: server.root(a), name: 'f' }, to: { dir: server.root(b), name: 'f' } })), 'NFS3ERR_XDEV');
  assert.equal(status(await c.nfs('link', { file: f, link: { dir: server.root(b), name: 'f' } })), 'NFS3ERR_XDEV');
  ok(await c.nfs('link', { file: f, link: { dir: server.root(a), name: 'g' } }));
  assert.notEqual(ok(await c.nfs('getattr', { object: server.root(a) })).objAttributes.fsid, ok(await c.nfs('getattr', { object: server.root(b) })).objAttributes.fsid);
});

test('root squash: root acts as nobody, so it makes files owned by 65534 and cannot chown', async (t) => {
  const view = memoryView({ root: { uid: 0, gid: 0, mode: 0o777 } });
  const exp = servedExport(1, view, { ...OWN_RULE, rootSquash: true });
  const server = await startNfs(t, [exp]);
  const c = await server.client(ROOT);
  const made = ok(await c.nfs('create', { where: { dir: server.root(exp), name: 'f' }, how: { mode: 'guarded', attributes: SATTR3_NONE } }));
  assert.equal(made.objAttributes?.uid, 65534);
  assert.equal(made.objAttributes?.gid, 65534);
  assert.equal(status(await c.nfs('setattr', { object: made.obj!, newAttributes: { ...SATTR3_NONE, uid: 0 }, guard: null })), 'NFS3ERR_PERM');
});

test('AUTH_NONE is too weak for any procedure but NULL; undecodable arguments are GARBAGE_ARGS', async (t) => {
  const exp = servedExport(1, memoryView());
  const server = await startNfs(t, [exp]);
  const c = await server.client();
  const none = { flavor: AuthFlavor.none, body: new Uint8Array(0) };
  const getattr = xdrArgs((w) => NFS3_CODECS.getattr.encodeArgs(w, { object: server.root(exp) }));
  const weak = await c.rpc.call({ xid: 1, prog: NFS_PROGRAM, vers: NFS_V3, proc: NFS3_CODECS.getattr.proc, cred: none, verf: AUTH_NONE_VERF, args: getattr });
  assert.equal(weak.kind, 'auth_error');
  assert.equal(weak.kind === 'auth_error' ? weak.stat : -1, AuthStat.tooWeak);
  assert.equal((await c.rpc.call({ xid: 2, prog: NFS_PROGRAM, vers: NFS_V3, proc: 0, cred: none })).kind, 'success');
  const garbage = await c.rpc.call({ xid: 3, prog: NFS_PROGRAM, vers: NFS_V3, proc: NFS3_CODECS.getattr.proc, cred: credentialOf(ROOT), args: getattr.subarray(0, 10) });
  assert.equal(garbage.kind, 'garbage_args');
});

test('a View that throws is answered SERVERFAULT with the failure arm, and logged; the server keeps serving', async (t) => {
  const view = memoryView();
  const exp = servedExport(1, view);
  const errors: Array<{ msg: string; fields: LogFields | undefined }> = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (msg, fields) => errors.push({ msg, fields }),
    child: () => log,
  };
  const server = await startNfs(t, [exp], { log });
  const c = await server.client();
  view.fault = (method) => {
    if (method === 'lookup') throw new Error('disk on fire');
  };
  const res = await c.nfs('lookup', { what: { dir: server.root(exp), name: 'x' } });
  assert.equal(status(res), 'NFS3ERR_SERVERFAULT');
  assert.equal(res.dirAttributes, null);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.msg, 'nfs procedure failed');
  assert.equal(errors[0]!.fields?.proc, 'NFSPROC3_LOOKUP');
  view.fault = null;
  ok(await c.nfs('getattr', { object: server.root(exp) }));
});
