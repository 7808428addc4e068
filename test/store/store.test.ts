import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import type { Machine, StoreData } from '../../src/store/schema.js';
import { emptyStore, SCHEMA_VERSION } from '../../src/store/schema.js';
import { openStore, type Store } from '../../src/store/store.js';
import { captureLog } from './support/capture-log.js';
import { tempDir } from './support/temp-dir.js';

function machine(mac: string, seen = '2024-05-01T10:00:00.000Z'): Machine {
  return { mac, firstSeen: seen, lastSeen: seen };
}

async function opened(t: TestContext, dir: string, log = silentLogger()): Promise<Store> {
  const store = await openStore(dir, log);
  t.after(() => store.close());
  return store;
}

const onDisk = async (dir: string, name = 'bramble.json'): Promise<StoreData> =>
  JSON.parse(await readFile(join(dir, name), 'utf8')) as StoreData;

test('a fresh folder (created when missing) starts from emptyStore() and writes nothing until a change', async (t) => {
  const dir = join(await tempDir(t), 'data', 'nested');
  const store = await opened(t, dir);
  assert.deepEqual(store.read(), emptyStore());
  assert.equal(store.recovered, false);
  assert.deepEqual(await readdir(dir), []);
});

test('update() returns the change result and is on disk when it resolves', async (t) => {
  const dir = await tempDir(t);
  const store = await opened(t, dir);
  const count = await store.update((draft) => draft.machines.push(machine('52:54:00:00:00:01')));
  assert.equal(count, 1);
  assert.deepEqual(store.read().machines, [machine('52:54:00:00:00:01')]);
  assert.deepEqual((await onDisk(dir)).machines, [machine('52:54:00:00:00:01')]);
  await store.close();

  const again = await opened(t, dir);
  assert.deepEqual(again.read(), { ...emptyStore(), machines: [machine('52:54:00:00:00:01')] });
});

test('snapshots are frozen and earlier snapshots do not change', async (t) => {
  const store = await opened(t, await tempDir(t));
  const before = store.read();
  await store.update((draft) => {
    draft.settings.menu.title = 'changed';
  });
  assert.equal(before.settings.menu.title, emptyStore().settings.menu.title);
  assert.equal(store.read().settings.menu.title, 'changed');
  assert.throws(() => {
    (store.read().settings.menu as { title: string }).title = 'sneaky';
  }, TypeError);
  assert.throws(() => (store.read().machines as Machine[]).push(machine('52:54:00:00:00:09')), TypeError);
});

test('concurrent update() calls are all applied, in call order, none lost', async (t) => {
  const dir = await tempDir(t);
  const store = await opened(t, dir);
  const n = 60;
  // Read-modify-write on the same field: any interleaving would lose increments.
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      store.update((draft) => {
        draft.settings.menu.timeoutSeconds += 1;
        draft.machines.push(machine(`52:54:00:00:01:${i.toString(16).padStart(2, '0')}`));
        return draft.settings.menu.timeoutSeconds;
      }),
    ),
  );
  const start = emptyStore().settings.menu.timeoutSeconds;
  assert.deepEqual(results, Array.from({ length: n }, (_, i) => start + i + 1));
  assert.equal(store.read().settings.menu.timeoutSeconds, start + n);
  const disk = await onDisk(dir);
  assert.equal(disk.settings.menu.timeoutSeconds, start + n);
  assert.deepEqual(
    disk.machines.map((m) => m.mac),
    Array.from({ length: n }, (_, i) => `52:54:00:00:01:${i.toString(16).padStart(2, '0')}`),
  );
});

test('a change that throws rejects alone and leaves nothing of its half-done edits', async (t) => {
  const dir = await tempDir(t);
  const store = await opened(t, dir);
  // The first update holds the writer, so the next three are committed together in one write.
  const first = store.update((draft) => draft.machines.push(machine('52:54:00:00:00:01')));
  const second = store.update((draft) => draft.machines.push(machine('52:54:00:00:00:02')));
  const failing = store.update((draft) => {
    draft.machines.push(machine('52:54:00:00:00:ff'));
    draft.settings.menu.title = 'half done';
    throw new Error('change failed');
  });
  const fourth = store.update((draft) => draft.machines.push(machine('52:54:00:00:00:04')));
  await assert.rejects(failing, /change failed/);
  assert.deepEqual(await Promise.all([first, second, fourth]), [1, 2, 3]);
  const expected = [machine('52:54:00:00:00:01'), machine('52:54:00:00:00:02'), machine('52:54:00:00:00:04')];
  assert.deepEqual(store.read().machines, expected);
  assert.equal(store.read().settings.menu.title, emptyStore().settings.menu.title);
  assert.deepEqual((await onDisk(dir)).machines, expected);
});

test('close() waits for queued updates; later updates reject with STORE_CLOSED', async (t) => {
  const dir = await tempDir(t);
  const store = await openStore(dir, silentLogger());
  const pending = store.update((draft) => draft.machines.push(machine('52:54:00:00:00:01')));
  await store.close();
  assert.equal(await pending, 1);
  assert.equal((await onDisk(dir)).machines.length, 1);
  await assert.rejects(store.update(() => 0), { code: 'STORE_CLOSED' });
});

test('a corrupt bramble.json is recovered from bramble.json.prev with a warning naming both files', async (t) => {
  const dir = await tempDir(t);
  const first = await openStore(dir, silentLogger());
  await first.update((draft) => draft.machines.push(machine('52:54:00:00:00:01')));
  await first.update((draft) => draft.machines.push(machine('52:54:00:00:00:02')));
  await first.close();
  const main = join(dir, 'bramble.json');
  const text = await readFile(main, 'utf8');
  await writeFile(main, text.slice(0, Math.floor(text.length / 2)));

  const { log, records } = captureLog();
  const store = await opened(t, dir, log);
  assert.equal(store.recovered, true);
  assert.deepEqual(store.read().machines, [machine('52:54:00:00:00:01')]);
  const warnings = records.filter((r) => r.level === 'warn');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.file, main);
  assert.equal(warnings[0]!.from, `${main}.prev`);
  assert.match(String(warnings[0]!.reason), /invalid JSON/);
});

test('both files corrupt: openStore refuses with STORE_CORRUPT and does not start empty over them', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bramble.json'), '{"version": 1, "machi');
  await writeFile(join(dir, 'bramble.json.prev'), '');
  await assert.rejects(openStore(dir, silentLogger()), { code: 'STORE_CORRUPT', message: /bramble\.json .*bramble\.json\.prev/ });
  assert.equal(await readFile(join(dir, 'bramble.json'), 'utf8'), '{"version": 1, "machi');
});

test('a store from a newer Bramble is refused with a clear message, and left as it was', async (t) => {
  const dir = await tempDir(t);
  const newer = JSON.stringify({ ...emptyStore(), version: SCHEMA_VERSION + 1, newThing: [1] });
  await writeFile(join(dir, 'bramble.json'), newer);
  await assert.rejects(openStore(dir, silentLogger()), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'STORE_TOO_NEW');
    assert.ok(error.message.includes(join(dir, 'bramble.json')), error.message);
    assert.match(error.message, new RegExp(`schema version ${SCHEMA_VERSION + 1} .* up to ${SCHEMA_VERSION}`));
    return true;
  });
  assert.equal(await readFile(join(dir, 'bramble.json'), 'utf8'), newer);
});

test('JSON that is not a Bramble store is refused with STORE_CORRUPT', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bramble.json'), JSON.stringify({ version: 1, machines: 'no' }));
  await assert.rejects(openStore(dir, silentLogger()), { code: 'STORE_CORRUPT', message: /not a Bramble store/ });
});

test('migrations run at open; the migrated store is written with the next change, the old one kept as .prev', async (t) => {
  const dir = await tempDir(t);
  const v1 = { ...emptyStore(), version: 1, machines: [machine('52:54:00:00:00:01')] };
  await writeFile(join(dir, 'bramble.json'), JSON.stringify(v1));
  const { log, records } = captureLog();
  const steps = [(d: Readonly<Record<string, unknown>>) => ({ ...d, settings: { ...(d.settings as object), migrated: true } })];
  const store = await openStore(dir, log, { migrations: steps });
  t.after(() => store.close());
  assert.equal(store.read().version, 2);
  assert.equal((store.read().settings as unknown as { migrated: boolean }).migrated, true);
  assert.deepEqual(records.filter((r) => r.msg === 'store migrated').map((r) => [r.from, r.to]), [[1, 2]]);
  assert.equal((await onDisk(dir)).version, 1, 'opening alone does not rewrite the file');

  await store.update((draft) => draft.machines.push(machine('52:54:00:00:00:02')));
  const disk = await onDisk(dir);
  assert.equal(disk.version, 2);
  assert.equal(disk.machines.length, 2);
  assert.deepEqual(await onDisk(dir, 'bramble.json.prev'), v1);
});

test('secrets stay the owner\'s: a data folder made here is 0700 and the store file is written 0600', async (t) => {
  const dir = join(await tempDir(t), 'data');
  const store = await opened(t, dir);
  await store.update((d) => {
    d.machines.push(machine('52:54:00:00:00:01'));
  });
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, 'bramble.json'))).mode & 0o777, 0o600);
});
