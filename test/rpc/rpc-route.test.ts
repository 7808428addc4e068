// Routing of decoded calls (RFC 5531 §9): which refusal each call gets, or which handler runs, as a case table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthStat } from '../../src/rpc/auth.js';
import type { Credential } from '../../src/rpc/auth.js';
import type { RpcCall } from '../../src/rpc/rpc-message.js';
import type { RpcHandler, RpcProgram } from '../../src/rpc/rpc-program.js';
import { buildRegistry, routeCall } from '../../src/rpc/rpc-route.js';
import { RpcServerError } from '../../src/rpc/rpc-server-error.js';

const h1: RpcHandler = () => undefined;
const h2: RpcHandler = () => undefined;
const programs: RpcProgram[] = [
  { prog: 100, vers: { low: 2, high: 3 }, procedures: new Map([[1, h1]]) },
  { prog: 100, vers: new Set([5]), procedures: new Map([[1, h2]]) },
  { prog: 200, vers: new Set([1]), procedures: new Map([[7, h1]]), auth: 'sys' },
];
const registry = buildRegistry(programs);

const none: Credential = { flavor: 'none' };
const sys: Credential = { flavor: 'sys', stamp: 1, machinename: 'pc', uid: 0, gid: 0, gids: [] };
const gss: Credential = { flavor: 'other', number: 6, body: new Uint8Array(8) };

function call(prog: number, vers: number, proc: number, cred: Credential = none): RpcCall {
  return { xid: 42, prog, vers, proc, cred, verf: { flavor: 0, body: new Uint8Array(0) }, args: Buffer.alloc(0), argsOffset: 40 };
}

const cases: Array<[string, RpcCall, unknown]> = [
  ['NULL of any served version', call(100, 3, 0), { kind: 'success', xid: 42 }],
  ['NULL of the second program of the same number', call(100, 5, 0), { kind: 'success', xid: 42 }],
  ['unknown program', call(101, 1, 0), { kind: 'prog_unavail', xid: 42 }],
  ['version below, between and above: the whole span', call(100, 4, 1), { kind: 'prog_mismatch', xid: 42, low: 2, high: 5 }],
  ['version 1', call(100, 1, 0), { kind: 'prog_mismatch', xid: 42, low: 2, high: 5 }],
  ['unknown procedure', call(100, 2, 9), { kind: 'proc_unavail', xid: 42 }],
  ['unreadable flavor, even for NULL', call(100, 2, 0, gss), { kind: 'auth_error', xid: 42, stat: AuthStat.badCred }],
  ['unreadable flavor before the program lookup', call(999, 2, 0, gss), { kind: 'auth_error', xid: 42, stat: AuthStat.badCred }],
  ['AUTH_NONE to an AUTH_SYS program', call(200, 1, 7), { kind: 'auth_error', xid: 42, stat: AuthStat.tooWeak }],
  ['AUTH_NONE NULL to an AUTH_SYS program', call(200, 1, 0), { kind: 'success', xid: 42 }],
  ['AUTH_NONE to an unknown proc of an AUTH_SYS program', call(200, 1, 8), { kind: 'auth_error', xid: 42, stat: AuthStat.tooWeak }],
  ['AUTH_SYS to an unknown proc of an AUTH_SYS program', call(200, 1, 8, sys), { kind: 'proc_unavail', xid: 42 }],
];

test('routeCall answers NULL and refusals itself', () => {
  for (const [what, c, expected] of cases) {
    const route = routeCall(registry, c);
    assert.equal(route.kind, 'reply', what);
    assert.deepEqual(route.kind === 'reply' ? route.reply : null, expected, what);
  }
});

test('routeCall hands served procedures to the handler of the version asked', () => {
  const table: Array<[RpcCall, RpcHandler]> = [
    [call(100, 2, 1), h1],
    [call(100, 3, 1), h1],
    [call(100, 5, 1), h2],
    [call(200, 1, 7, sys), h1],
  ];
  for (const [c, handler] of table) {
    const route = routeCall(registry, c);
    assert.ok(route.kind === 'handler' && route.handler === handler, `${c.prog}/${c.vers}/${c.proc}`);
  }
});

test('buildRegistry refuses a version served twice and a program without versions', () => {
  const twice = () => buildRegistry([programs[0]!, { prog: 100, vers: new Set([3, 7]), procedures: new Map() }]);
  assert.throws(twice, (e: unknown) => e instanceof RpcServerError && e.code === 'INVALID_PROGRAMS' && /version 3/.test(e.message));
  const wide = () => buildRegistry([{ prog: 9, vers: { low: 0, high: 0xffff_ffff }, procedures: new Map() }, { prog: 9, vers: { low: 0xffff_fff0, high: 0xffff_ffff }, procedures: new Map() }]);
  assert.throws(wide, (e: unknown) => e instanceof RpcServerError && /version 4294967280/.test(e.message));
  assert.equal(buildRegistry([{ prog: 9, vers: { low: 0, high: 3 }, procedures: new Map() }, { prog: 9, vers: new Set([4]), procedures: new Map() }]).get(9)?.length, 2);
  const empty = () => buildRegistry([{ prog: 1, vers: new Set(), procedures: new Map() }]);
  assert.throws(empty, (e: unknown) => e instanceof RpcServerError && e.code === 'INVALID_PROGRAMS');
});
