// RPC call and reply messages (RFC 5531 §9). Golden bytes are real: rpcbind 1.2.6 and its clients (rpcinfo,
// libnfs' nfs-ls) on lo, captured by test/rpc/capture-fixtures.ts into test/fixtures/rpc (see manifest.json).
// rpcbind never sends RPC_MISMATCH or SYSTEM_ERR, so those two replies are checked against bytes laid out by
// hand from RFC 5531 §9.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuthFlavor, AuthStat, authSysCredential } from '../../src/rpc/auth.js';
import type { OpaqueAuth } from '../../src/rpc/auth.js';
import {
  decodeRpcCall,
  decodeRpcReply,
  encodeRpcCall,
  encodeRpcReply,
  replyForBadCall,
  writeRpcReply,
} from '../../src/rpc/rpc-message.js';
import type { RpcCall, RpcDecodeFailure, RpcReply } from '../../src/rpc/rpc-message.js';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rpc');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const fixtures = (suffix: string): string[] => readdirSync(FIXTURES).filter((f) => f.endsWith(suffix)).sort();
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function call(bytes: Uint8Array): RpcCall {
  const result = decodeRpcCall(bytes);
  assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.detail}`);
  return result.call;
}

function reply(bytes: Uint8Array): RpcReply {
  const result = decodeRpcReply(bytes);
  assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.detail}`);
  return result.reply;
}

function callFailure(bytes: Uint8Array): RpcDecodeFailure {
  const result = decodeRpcCall(bytes);
  assert.equal(result.ok, false, 'expected the call to be refused');
  return result as RpcDecodeFailure;
}

/** A decoded call back to its wire form: only AUTH_SYS needs rebuilding from its fields. */
function recode(c: RpcCall): Buffer {
  const cred: OpaqueAuth =
    c.cred.flavor === 'sys' ? authSysCredential(c.cred) : c.cred.flavor === 'other' ? { flavor: c.cred.number, body: c.cred.body } : { flavor: 0, body: new Uint8Array(0) };
  return encodeRpcCall({ xid: c.xid, prog: c.prog, vers: c.vers, proc: c.proc, cred, verf: c.verf, args: c.args });
}

test('every captured call decodes and re-encodes to the same bytes', () => {
  const names = fixtures('-call.bin').filter((n) => !n.startsWith('crafted-rpcvers-3'));
  assert.ok(names.length >= 10);
  for (const name of names) assert.deepEqual(recode(call(fixture(name))), fixture(name), name);
});

test('every captured reply decodes and re-encodes to the same bytes', () => {
  const names = fixtures('-reply.bin');
  assert.ok(names.length >= 10);
  for (const name of names) assert.deepEqual(encodeRpcReply(reply(fixture(name))), fixture(name), name);
});

test('nfs-ls GETPORT: an AUTH_SYS call whose args are a view of the message', () => {
  const bytes = fixture('nfs-ls-getport-c0-1-call.bin');
  const c = call(bytes);
  assert.deepEqual([c.prog, c.vers, c.proc], [100000, 2, 3]);
  assert.equal(c.cred.flavor, 'sys');
  assert.equal(c.cred.flavor === 'sys' ? c.cred.machinename : '', 'libnfs');
  assert.deepEqual(c.verf, { flavor: AuthFlavor.none, body: Buffer.alloc(0) });
  assert.equal(c.argsOffset, 68);
  assert.equal(c.args.buffer, bytes.buffer, 'args share the message’s memory');
  const r = new XdrReader(c.args);
  assert.deepEqual([r.uint(), r.uint(), r.uint(), r.uint()], [100005, 3, 6, 0], 'mapping {MOUNT, v3, TCP, port 0}');
  const answer = reply(fixture('nfs-ls-getport-c0-1-reply.bin'));
  assert.equal(answer.xid, c.xid);
  assert.equal(answer.kind, 'success');
  assert.deepEqual(answer.kind === 'success' ? answer.results : null, hex('00000000'), 'port 0: not registered');
});

test('rpcinfo -p: PMAPPROC_DUMP and its optional-data list of mappings', () => {
  const c = call(fixture('rpcinfo-dump-c1-0-call.bin'));
  assert.deepEqual([c.prog, c.vers, c.proc, c.args.length], [100000, 2, 4, 0]);
  assert.deepEqual(c.cred, { flavor: 'none' });
  const answer = reply(fixture('rpcinfo-dump-c1-0-reply.bin'));
  assert.ok(answer.kind === 'success' && answer.results !== undefined);
  const mappings = new XdrReader(answer.results).list(100, (r) => [r.uint(), r.uint(), r.uint(), r.uint()].join('/'));
  assert.ok(mappings.includes('100000/2/6/111'), mappings.join(' '));
  assert.ok(mappings.includes('100000/4/17/111'), mappings.join(' '));
});

test('rpcbind GETADDR (v4) arguments carry padded strings', () => {
  const c = call(fixture('rpcinfo-dump-c0-0-call.bin'));
  assert.deepEqual([c.prog, c.vers, c.proc], [100000, 4, 3]);
  const r = new XdrReader(c.args, { strictPadding: true });
  assert.deepEqual([r.uint(), r.uint(), r.string(64), r.string(64), r.string(64)], [100000, 2, 'tcp', '127.0.0.1.0.111', 'libtirpc']);
});

test('real error replies from rpcbind: PROG_MISMATCH, PROG_UNAVAIL, PROC_UNAVAIL, GARBAGE_ARGS, AUTH_ERROR', () => {
  const verf = { flavor: 0, body: Buffer.alloc(0) };
  const mismatch = reply(fixture('rpcinfo-prog-mismatch-c1-0-reply.bin'));
  assert.deepEqual({ ...mismatch, xid: 0 }, { kind: 'prog_mismatch', xid: 0, verf, low: 2, high: 4 });
  assert.equal(reply(fixture('rpcinfo-prog-unavail-c0-0-reply.bin')).kind, 'prog_unavail');
  assert.deepEqual(reply(fixture('crafted-proc-99-c0-0-reply.bin')), { kind: 'proc_unavail', xid: 0x0b0b0002, verf });
  assert.deepEqual(reply(fixture('crafted-garbage-args-c0-0-reply.bin')), { kind: 'garbage_args', xid: 0x0b0b0003, verf });
  assert.deepEqual(reply(fixture('crafted-gss-cred-c0-0-reply.bin')), { kind: 'auth_error', xid: 0x0b0b0004, stat: AuthStat.badCred });
});

test('our error replies match rpcbind’s bytes for the same xid', () => {
  const cases: [string, RpcReply][] = [
    ['crafted-proc-99-c0-0-reply.bin', { kind: 'proc_unavail', xid: 0x0b0b0002 }],
    ['crafted-garbage-args-c0-0-reply.bin', { kind: 'garbage_args', xid: 0x0b0b0003 }],
    ['crafted-gss-cred-c0-0-reply.bin', { kind: 'auth_error', xid: 0x0b0b0004, stat: AuthStat.badCred }],
  ];
  for (const [name, r] of cases) assert.deepEqual(encodeRpcReply(r), fixture(name), name);
});

test('an RPCSEC_GSS credential decodes as flavor other, which rpcbind answered with AUTH_BADCRED', () => {
  const c = call(fixture('crafted-gss-cred-c0-0-call.bin'));
  assert.equal(c.cred.flavor, 'other');
  assert.equal(c.cred.flavor === 'other' ? c.cred.number : 0, AuthFlavor.rpcsecGss);
});

test('RPC_MISMATCH and SYSTEM_ERR replies, laid out by hand from RFC 5531 §9', () => {
  const rpcMismatch = hex('0b0b0001 00000001  00000001 00000000 00000002 00000002');
  assert.deepEqual(encodeRpcReply({ kind: 'rpc_mismatch', xid: 0x0b0b0001, low: 2, high: 2 }), rpcMismatch);
  assert.deepEqual(reply(rpcMismatch), { kind: 'rpc_mismatch', xid: 0x0b0b0001, low: 2, high: 2 });
  const systemErr = hex('00000007 00000001  00000000 00000000 00000000 00000005');
  assert.deepEqual(encodeRpcReply({ kind: 'system_err', xid: 7 }), systemErr);
  assert.equal(reply(systemErr).kind, 'system_err');
});

test('round trip of every reply shape', () => {
  const verf = { flavor: AuthFlavor.none, body: Buffer.alloc(0) };
  const shapes: RpcReply[] = [
    { kind: 'success', xid: 1, verf, results: hex('0000000a 0000000b') },
    { kind: 'prog_unavail', xid: 2, verf },
    { kind: 'prog_mismatch', xid: 3, verf, low: 3, high: 3 },
    { kind: 'proc_unavail', xid: 4, verf },
    { kind: 'garbage_args', xid: 5, verf },
    { kind: 'system_err', xid: 6, verf },
    { kind: 'rpc_mismatch', xid: 7, low: 2, high: 2 },
    { kind: 'auth_error', xid: 0xffffffff, stat: AuthStat.tooWeak },
    { kind: 'success', xid: 9, verf: { flavor: 1, body: hex('01020304 05') }, results: Buffer.alloc(0) },
  ];
  for (const shape of shapes) assert.deepEqual(reply(encodeRpcReply(shape)), shape, shape.kind);
});

test('round trip of calls with AUTH_NONE, AUTH_SYS and another flavor', () => {
  const creds: OpaqueAuth[] = [
    { flavor: 0, body: Buffer.alloc(0) },
    authSysCredential({ stamp: 1, machinename: 'pi4', uid: 1000, gid: 1000, gids: [4, 27] }),
    { flavor: 390003, body: hex('cafe') },
  ];
  for (const cred of creds) {
    const bytes = encodeRpcCall({ xid: 42, prog: 100003, vers: 3, proc: 6, cred, args: hex('00000008 0102030405060708') });
    const c = call(bytes);
    assert.deepEqual([c.xid, c.prog, c.vers, c.proc, c.argsOffset, c.args], [42, 100003, 3, 6, bytes.length - 12, hex('00000008 0102030405060708')]);
    assert.deepEqual(recode(c), bytes);
  }
});

test('a success reply writes its header, then results by callback, and keeps a large payload by reference', () => {
  const payload = Buffer.alloc(64 * 1024, 7);
  const w = new XdrWriter();
  writeRpcReply(w, { kind: 'success', xid: 5 });
  w.uint(0).appendOpaque(payload);
  const chunks = w.chunks();
  assert.ok(chunks.includes(payload), 'the payload is not copied');
  const r = reply(w.toBuffer());
  assert.ok(r.kind === 'success' && r.results !== undefined);
  const results = new XdrReader(r.results);
  assert.equal(results.uint(), 0);
  assert.deepEqual(results.opaque(1 << 20), payload);
  const viaCallback = encodeRpcReply({ kind: 'success', xid: 5 }, (x) => x.uint(0).appendOpaque(payload));
  assert.deepEqual(viaCallback, w.toBuffer());
});

// ---------- one test per malformed call ----------

test('a truncated header is SHORT, with the xid once 4 bytes are there', () => {
  const bytes = fixture('nfs-ls-getport-c0-1-call.bin');
  const tiny = callFailure(bytes.subarray(0, 3));
  assert.deepEqual([tiny.code, tiny.xid], ['SHORT', null]);
  for (const cut of [4, 8, 12, 16, 20, 23]) {
    const failure = callFailure(bytes.subarray(0, cut));
    assert.equal(failure.code, 'SHORT', `cut at ${cut}`);
    assert.equal(failure.xid, bytes.readUInt32BE(0));
    assert.equal(replyForBadCall(failure), null, 'a broken header is dropped, not answered');
  }
});

test('rpcvers other than 2 is RPC_MISMATCH, answered with MSG_DENIED RPC_MISMATCH {2, 2}', () => {
  const failure = callFailure(fixture('crafted-rpcvers-3-c0-0-call.bin'));
  assert.equal(failure.code, 'RPC_MISMATCH');
  assert.deepEqual(replyForBadCall(failure), { kind: 'rpc_mismatch', xid: 0x0b0b0001, low: 2, high: 2 });
});

test('a msg_type other than CALL or REPLY is BAD_MSG_TYPE and dropped', () => {
  const bytes = Buffer.from(fixture('rpcinfo-dump-c1-0-call.bin'));
  bytes.writeUInt32BE(2, 4);
  const failure = callFailure(bytes);
  assert.equal(failure.code, 'BAD_MSG_TYPE');
  assert.equal(replyForBadCall(failure), null);
});

test('a REPLY handed to the call decoder is WRONG_DIRECTION, and a CALL to the reply decoder', () => {
  assert.equal(callFailure(fixture('rpcinfo-dump-c1-0-reply.bin')).code, 'WRONG_DIRECTION');
  const result = decodeRpcReply(fixture('rpcinfo-dump-c1-0-call.bin'));
  assert.equal(result.ok ? '' : result.code, 'WRONG_DIRECTION');
});

test('a credential body over 400 bytes is BAD_CRED, answered with AUTH_BADCRED', () => {
  const bytes = encodeRpcCall({ xid: 9, prog: 100003, vers: 3, proc: 0, cred: { flavor: AuthFlavor.sys, body: Buffer.alloc(404) } });
  const failure = callFailure(bytes);
  assert.equal(failure.code, 'BAD_CRED');
  assert.match(failure.detail, /TOO_LONG/);
  assert.deepEqual(replyForBadCall(failure), { kind: 'auth_error', xid: 9, stat: AuthStat.badCred });
});

test('a credential length past the end of the message is BAD_CRED', () => {
  const bytes = Buffer.from(fixture('rpcinfo-dump-c1-0-call.bin'));
  bytes.writeUInt32BE(0xffffffff, 28);
  assert.equal(callFailure(bytes).code, 'BAD_CRED');
});

test('a malformed AUTH_SYS body is BAD_CRED', () => {
  const bytes = Buffer.from(fixture('nfs-ls-getport-c0-1-call.bin'));
  bytes.writeUInt32BE(300, 36); // machinename length, above 255 and past the body
  const failure = callFailure(bytes);
  assert.equal(failure.code, 'BAD_CRED');
  assert.deepEqual(replyForBadCall(failure), { kind: 'auth_error', xid: bytes.readUInt32BE(0), stat: AuthStat.badCred });
});

test('a verifier body over 400 bytes is BAD_VERF, answered with AUTH_BADVERF', () => {
  const bytes = encodeRpcCall({ xid: 10, prog: 100003, vers: 3, proc: 0, verf: { flavor: 0, body: Buffer.alloc(401) } });
  const failure = callFailure(bytes);
  assert.equal(failure.code, 'BAD_VERF');
  assert.deepEqual(replyForBadCall(failure), { kind: 'auth_error', xid: 10, stat: AuthStat.badVerf });
});

test('a verifier cut off is BAD_VERF', () => {
  const bytes = fixture('rpcinfo-dump-c1-0-call.bin');
  assert.equal(callFailure(bytes.subarray(0, bytes.length - 2)).code, 'BAD_VERF');
});

test('non-zero fill in the credential is refused only when strict', () => {
  const bytes = Buffer.from(fixture('nfs-ls-getport-c0-1-call.bin'));
  bytes[46] = 0xff; // fill after "libnfs" (machinename bytes 40..45)
  assert.equal(decodeRpcCall(bytes).ok, true);
  const strict = decodeRpcCall(bytes, { strictPadding: true });
  assert.equal(strict.ok ? '' : strict.code, 'BAD_CRED');
  assert.match(strict.ok ? '' : strict.detail, /BAD_PADDING/);
});

test('malformed replies: unknown reply_stat, accept_stat and reject_stat are BAD_ENUM; a cut mismatch is SHORT', () => {
  const codeOf = (bytes: Buffer): string => {
    const r = decodeRpcReply(bytes);
    return r.ok ? 'ok' : r.code;
  };
  assert.equal(codeOf(hex('00000001 00000001 00000002')), 'BAD_ENUM');
  assert.equal(codeOf(hex('00000001 00000001 00000000 00000000 00000000 00000006')), 'BAD_ENUM');
  assert.equal(codeOf(hex('00000001 00000001 00000001 00000002')), 'BAD_ENUM');
  assert.equal(codeOf(hex('00000001 00000001 00000001 00000000 00000002')), 'SHORT');
});
