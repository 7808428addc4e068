// Credentials (RFC 5531 §8.2, appendix A): AUTH_SYS from a real client (libnfs' nfs-ls, captured on lo by
// test/rpc/capture-fixtures.ts), hand-built bodies from the RFC layout, and one test per malformed body.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AuthFlavor,
  authFlavorName,
  AuthStat,
  authStatName,
  authSysCredential,
  decodeCredential,
  readOpaqueAuth,
} from '../../src/rpc/auth.js';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rpc');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The credential of nfs-ls's GETPORT call: flavor at offset 24, body length at 28, body from 32. */
function nfsLsCredentialBody(): Buffer {
  const call = readFileSync(join(FIXTURES, 'nfs-ls-getport-c0-1-call.bin'));
  assert.equal(call.readUInt32BE(24), AuthFlavor.sys);
  return call.subarray(32, 32 + call.readUInt32BE(28));
}

test('AUTH_SYS from nfs-ls decodes, and re-encodes to the same bytes', () => {
  const body = nfsLsCredentialBody();
  const decoded = decodeCredential({ flavor: AuthFlavor.sys, body });
  assert.ok(decoded.ok);
  const cred = decoded.credential;
  assert.ok(cred.flavor === 'sys');
  assert.deepEqual({ ...cred, stamp: 0 }, { flavor: 'sys', stamp: 0, machinename: 'libnfs', uid: 0, gid: 0, gids: [] });
  assert.deepEqual(authSysCredential(cred).body, body);
});

test('AUTH_SYS with 16 gids and a 255-byte machinename (the RFC maxima) decodes', () => {
  const params = { stamp: 0x12345678, machinename: 'm'.repeat(255), uid: 1000, gid: 100, gids: Array.from({ length: 16 }, (_, i) => i + 1) };
  const auth = authSysCredential(params);
  assert.equal(auth.body.length, 4 + 4 + 256 + 4 + 4 + 4 + 64);
  const decoded = decodeCredential(auth);
  assert.deepEqual(decoded, { ok: true, credential: { flavor: 'sys', ...params } });
});

test('AUTH_SYS body laid out by hand from RFC 5531 appendix A', () => {
  const body = hex('00000001  00000002 6869 0000  000003e8  00000064  00000002 0000000a 0000000b');
  assert.deepEqual(decodeCredential({ flavor: 1, body }), {
    ok: true,
    credential: { flavor: 'sys', stamp: 1, machinename: 'hi', uid: 1000, gid: 100, gids: [10, 11] },
  });
});

test('AUTH_NONE with an empty body', () => {
  assert.deepEqual(decodeCredential({ flavor: AuthFlavor.none, body: new Uint8Array(0) }), { ok: true, credential: { flavor: 'none' } });
});

test('other flavors are reported with their number, for AUTH_BADCRED or AUTH_TOOWEAK', () => {
  const body = hex('01020304');
  assert.deepEqual(decodeCredential({ flavor: AuthFlavor.rpcsecGss, body }), { ok: true, credential: { flavor: 'other', number: 6, body } });
  assert.equal(authFlavorName(6), 'rpcsecGss');
  assert.equal(authFlavorName(99), 'flavor 99');
  assert.equal(authStatName(AuthStat.tooWeak), 'tooWeak');
});

function badCred(body: Buffer, flavor: number = AuthFlavor.sys): string {
  const result = decodeCredential({ flavor, body });
  assert.equal(result.ok, false);
  return result.ok ? '' : `${result.code} ${result.detail}`;
}

test('AUTH_NONE with a body is BAD_CRED', () => {
  assert.match(badCred(hex('00000000'), AuthFlavor.none), /^BAD_CRED AUTH_NONE/);
});

test('AUTH_SYS with a 256-byte machinename is BAD_CRED (TOO_LONG)', () => {
  const w = new XdrWriter().uint(0).string('m'.repeat(256)).uint(0).uint(0).uint(0);
  assert.match(badCred(w.toBuffer()), /^BAD_CRED .*TOO_LONG.*machinename/);
});

test('AUTH_SYS with 17 gids is BAD_CRED (TOO_LONG)', () => {
  const w = new XdrWriter().uint(0).string('h').uint(0).uint(0).array(Array.from({ length: 17 }, () => 0), (x, g) => x.uint(g));
  assert.match(badCred(w.toBuffer()), /^BAD_CRED .*TOO_LONG.*gids/);
});

test('AUTH_SYS cut short is BAD_CRED (SHORT)', () => {
  const body = nfsLsCredentialBody();
  for (let cut = 0; cut < body.length; cut += 4) assert.match(badCred(body.subarray(0, cut)), /^BAD_CRED .*SHORT/);
});

test('AUTH_SYS with bytes after its gids is BAD_CRED', () => {
  assert.match(badCred(Buffer.concat([nfsLsCredentialBody(), hex('00000000')])), /^BAD_CRED .*after its gids/);
});

test('AUTH_SYS whose machinename length runs past the body is BAD_CRED (SHORT)', () => {
  assert.match(badCred(hex('00000000 000000ff 41414141')), /^BAD_CRED .*SHORT/);
});

test('reading an opaque_auth stops at the 400-byte body limit', () => {
  const w = new XdrWriter().uint(1).opaque(Buffer.alloc(401));
  assert.throws(() => readOpaqueAuth(new XdrReader(w.toBuffer()), 'credential'), { code: 'TOO_LONG' });
  const ok = new XdrWriter().uint(1).opaque(Buffer.alloc(400));
  assert.equal(readOpaqueAuth(new XdrReader(ok.toBuffer()), 'credential').body.length, 400);
});
