import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseScript, type ScriptChoice, type ScriptChoiceInput } from '../../src/boot/script-choice.js';
import type { Machine, Profile } from '../../src/store/schema.js';

const at = '2026-01-01T00:00:00.000Z';
const debian: Profile = { name: 'debian', kind: 'kernel', kernel: '/srv/vmlinuz', initrds: [], createdAt: at };
const memtest: Profile = { name: 'memtest', kind: 'chain', chain: 'http://example.invalid/memtest.ipxe', createdAt: at };
const local: Profile = { name: 'disk', kind: 'local-disk', createdAt: at };
const profiles = [debian, memtest, local];

const machine = (extra: Partial<Machine> = {}): Machine => ({ mac: '52:54:00:12:34:56', firstSeen: at, lastSeen: at, ...extra });

const cases: readonly { name: string; input: ScriptChoiceInput; expect: ScriptChoice }[] = [
  {
    name: 'unknown machine, no default: menu',
    input: { machine: undefined, profiles, defaultProfile: null, requested: null },
    expect: { kind: 'menu', reason: 'unknown machine' },
  },
  {
    name: 'known machine without profile, no default: menu',
    input: { machine: machine(), profiles, defaultProfile: null, requested: null },
    expect: { kind: 'menu', reason: 'no profile assigned' },
  },
  {
    name: 'unknown machine with a default profile',
    input: { machine: undefined, profiles, defaultProfile: 'memtest', requested: null },
    expect: { kind: 'profile', profile: memtest, reason: 'default', clearBootOnce: false },
  },
  {
    name: 'assigned profile beats the default',
    input: { machine: machine({ profile: 'debian' }), profiles, defaultProfile: 'memtest', requested: null },
    expect: { kind: 'profile', profile: debian, reason: 'assigned', clearBootOnce: false },
  },
  {
    name: 'boot-once beats the assigned profile and is cleared',
    input: { machine: machine({ profile: 'debian', bootOnce: 'disk' }), profiles, defaultProfile: 'memtest', requested: null },
    expect: { kind: 'profile', profile: local, reason: 'boot-once', clearBootOnce: true },
  },
  {
    name: 'boot-once without an assigned profile',
    input: { machine: machine({ bootOnce: 'memtest' }), profiles, defaultProfile: null, requested: null },
    expect: { kind: 'profile', profile: memtest, reason: 'boot-once', clearBootOnce: true },
  },
  {
    name: 'a profile picked from the menu beats everything and keeps boot-once',
    input: { machine: machine({ profile: 'debian', bootOnce: 'disk' }), profiles, defaultProfile: 'memtest', requested: 'memtest' },
    expect: { kind: 'profile', profile: memtest, reason: 'requested', clearBootOnce: false },
  },
  {
    name: 'a requested profile for an unknown machine',
    input: { machine: undefined, profiles, defaultProfile: null, requested: 'debian' },
    expect: { kind: 'profile', profile: debian, reason: 'requested', clearBootOnce: false },
  },
  {
    name: 'a requested profile that does not exist',
    input: { machine: undefined, profiles, defaultProfile: 'debian', requested: 'gone' },
    expect: { kind: 'missing-profile', name: 'gone', reason: 'requested profile "gone" does not exist' },
  },
  {
    name: 'a boot-once profile that was deleted',
    input: { machine: machine({ bootOnce: 'gone' }), profiles, defaultProfile: 'debian', requested: null },
    expect: { kind: 'missing-profile', name: 'gone', reason: 'boot-once profile "gone" does not exist' },
  },
  {
    name: 'an assigned profile that was deleted',
    input: { machine: machine({ profile: 'gone' }), profiles, defaultProfile: 'debian', requested: null },
    expect: { kind: 'missing-profile', name: 'gone', reason: 'assigned profile "gone" does not exist' },
  },
  {
    name: 'a default profile that does not exist',
    input: { machine: machine(), profiles, defaultProfile: 'gone', requested: null },
    expect: { kind: 'missing-profile', name: 'gone', reason: 'default profile "gone" does not exist' },
  },
  {
    name: 'no profiles at all and no default',
    input: { machine: machine({}), profiles: [], defaultProfile: null, requested: null },
    expect: { kind: 'menu', reason: 'no profile assigned' },
  },
  {
    name: 'profile names match exactly (case matters)',
    input: { machine: machine({ profile: 'Debian' }), profiles, defaultProfile: null, requested: null },
    expect: { kind: 'missing-profile', name: 'Debian', reason: 'assigned profile "Debian" does not exist' },
  },
];

for (const c of cases) {
  test(`chooseScript: ${c.name}`, () => {
    assert.deepEqual(chooseScript(c.input), c.expect);
  });
}
