import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIRST_VERSION, migrate, migrations, targetVersion, type Migration, type StoredObject } from '../../src/store/migrations.js';
import { emptyStore, SCHEMA_VERSION } from '../../src/store/schema.js';

// Three made-up steps that each leave a trace, so order and starting point are visible in the result.
const trail = (data: StoredObject): readonly string[] => (data.trail as readonly string[] | undefined) ?? [];
const testSteps: readonly Migration[] = [
  (d) => ({ ...d, trail: [...trail(d), '1->2'], renamed: d.original }),
  (d) => ({ ...d, trail: [...trail(d), '2->3'] }),
  // No step sets `version`: the runner owns it.
  (d) => ({ ...d, trail: [...trail(d), '3->4'], count: Number(d.count ?? 0) + 1 }),
];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

test('the shipped migrations lead exactly to SCHEMA_VERSION', () => {
  assert.equal(targetVersion(), SCHEMA_VERSION);
  assert.equal(targetVersion(migrations), FIRST_VERSION + migrations.length);
});

test('a store at the current version passes through unchanged', () => {
  const data = deepFreeze(emptyStore()) as unknown as StoredObject;
  const result = migrate(data);
  assert.deepEqual(result, { data, from: SCHEMA_VERSION, to: SCHEMA_VERSION });
});

const cases: readonly { name: string; input: StoredObject; expect: StoredObject }[] = [
  {
    name: 'from 1 runs every step in order',
    input: { version: 1, original: 'x' },
    expect: { version: 4, original: 'x', renamed: 'x', trail: ['1->2', '2->3', '3->4'], count: 1 },
  },
  {
    name: 'from 2 skips the first step',
    input: { version: 2, trail: ['old'] },
    expect: { version: 4, trail: ['old', '2->3', '3->4'], count: 1 },
  },
  {
    name: 'from 3 runs only the last step',
    input: { version: 3, count: 41 },
    expect: { version: 4, trail: ['3->4'], count: 42 },
  },
  { name: 'at the target nothing runs', input: { version: 4, count: 7 }, expect: { version: 4, count: 7 } },
];

for (const c of cases) {
  test(`migrate: ${c.name}`, () => {
    const input = deepFreeze(structuredClone(c.input));
    const result = migrate(input, testSteps);
    assert.deepEqual(result.data, c.expect);
    assert.equal(result.from, c.input.version);
    assert.equal(result.to, 4);
    assert.deepEqual(input, c.input, 'the input is left as it was');
  });
}

const refused: readonly { name: string; version: unknown; code: string; message: RegExp }[] = [
  { name: 'a newer version', version: 5, code: 'STORE_TOO_NEW', message: /schema version 5 .* up to 4/ },
  { name: 'a much newer version', version: 99, code: 'STORE_TOO_NEW', message: /schema version 99/ },
  { name: 'version 0', version: 0, code: 'STORE_CORRUPT', message: /schema version 0 is not/ },
  { name: 'a negative version', version: -1, code: 'STORE_CORRUPT', message: /-1/ },
  { name: 'a fractional version', version: 1.5, code: 'STORE_CORRUPT', message: /1\.5/ },
  { name: 'a version string', version: '1', code: 'STORE_CORRUPT', message: /"1"/ },
  { name: 'no version', version: undefined, code: 'STORE_CORRUPT', message: /undefined/ },
];

for (const c of refused) {
  test(`migrate refuses ${c.name}`, () => {
    assert.throws(() => migrate({ version: c.version }, testSteps), { name: 'StoreError', code: c.code, message: c.message });
  });
}

test('the shipped list refuses a store one version newer than this build', () => {
  assert.throws(() => migrate({ ...emptyStore(), version: SCHEMA_VERSION + 1 }), { code: 'STORE_TOO_NEW' });
});

test('1 -> 4 adds empty users, sessions, API tokens (2), NFS exports (3) and iSCSI disks (4), and keeps machines and profiles as they were', () => {
  const v1 = {
    version: 1,
    settings: emptyStore().settings,
    profiles: [{ name: 'debian', kind: 'kernel', kernel: 'vmlinuz', createdAt: '2026-11-26T00:00:00.000Z' }],
    machines: [{ mac: '52:54:00:00:00:01', firstSeen: '2026-11-26T00:00:00.000Z', lastSeen: '2026-11-26T00:00:00.000Z', profile: 'debian' }],
  };
  const { data, from, to } = migrate(v1);
  assert.equal(from, 1);
  assert.equal(to, 4);
  assert.deepEqual(data, { ...v1, version: 4, users: [], sessions: [], apiTokens: [], nfsExports: [], iscsiDisks: [] });
});
