// Export access: which client addresses may use an export, and the identity a request acts as (root squash).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveIdentity, mayUse, NOBODY, type ExportRule } from '../../src/nfs/export-access.js';

const machine: ExportRule = { allow: { kind: 'address', address: '198.18.0.101' }, rootSquash: false, readOnly: false };
const shared: ExportRule = { allow: { kind: 'subnet', network: '198.18.0.0', prefix: 24 }, rootSquash: true, readOnly: true };

const access: ReadonlyArray<[string, ExportRule, string, boolean]> = [
  ['its own machine', machine, '198.18.0.101', true],
  ['its own machine, IPv4-mapped', machine, '::ffff:198.18.0.101', true],
  ['another machine on the LAN', machine, '198.18.0.102', false],
  ['a client in the subnet', shared, '198.18.0.250', true],
  ['a client outside the subnet', shared, '198.18.1.1', false],
  ['not an IPv4 address', shared, 'fe80::1', false],
  ['garbage', machine, 'not an address', false],
  ['a subnet rule with a bad prefix', { ...shared, allow: { kind: 'subnet', network: '198.18.0.0', prefix: 33 } }, '198.18.0.1', false],
];
for (const [name, rule, client, expected] of access) {
  test(`access: ${name} -> ${expected ? 'allowed' : 'refused'}`, () => {
    assert.equal(mayUse(rule, client), expected);
  });
}

const sys = (uid: number, gid: number, gids: number[]) => ({ flavor: 'sys' as const, stamp: 1, machinename: 'node', uid, gid, gids });

test('root squash maps uid and gid 0 (also in the groups) to nobody; others pass through', () => {
  assert.deepEqual(effectiveIdentity(shared, sys(0, 0, [0, 4, 27])), { uid: NOBODY, gid: NOBODY, gids: [NOBODY, 4, 27] });
  assert.deepEqual(effectiveIdentity(shared, sys(1000, 1000, [1000])), { uid: 1000, gid: 1000, gids: [1000] });
});

test('a diskless root without squash keeps root; AUTH_NONE is always nobody', () => {
  assert.deepEqual(effectiveIdentity(machine, sys(0, 0, [])), { uid: 0, gid: 0, gids: [] });
  assert.deepEqual(effectiveIdentity(machine, { flavor: 'none' }), { uid: NOBODY, gid: NOBODY, gids: [] });
});
