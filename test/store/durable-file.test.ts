import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DurableJsonFile, type RecoverInfo } from '../../src/store/durable-file.js';
import { tempDir } from './support/temp-dir.js';

interface Doc {
  readonly n: number;
  readonly text?: string;
}

async function setup(t: import('node:test').TestContext) {
  const dir = await tempDir(t);
  const path = join(dir, 'bramble.json');
  const recoveries: RecoverInfo[] = [];
  const file = new DurableJsonFile<Doc>(path, { onRecover: (info) => recoveries.push(info) });
  return { dir, path, prev: `${path}.prev`, file, recoveries };
}

const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8'));

test('a fresh folder reads as null and is left untouched', async (t) => {
  const { dir, file } = await setup(t);
  assert.equal(await file.read(), null);
  assert.deepEqual(await readdir(dir), []);
});

test('writes replace the file by rename and keep the previous version', async (t) => {
  const { dir, path, prev, file } = await setup(t);
  await file.write({ n: 1 });
  assert.deepEqual(await readdir(dir), ['bramble.json'], 'the first write leaves neither a temp file nor a .prev');
  assert.deepEqual(await readJson(path), { n: 1 });
  const firstInode = (await stat(path)).ino;

  await file.write({ n: 2 });
  assert.deepEqual((await readdir(dir)).sort(), ['bramble.json', 'bramble.json.prev']);
  assert.deepEqual(await readJson(path), { n: 2 });
  assert.deepEqual(await readJson(prev), { n: 1 });
  // In-place rewriting would keep the inode; a rename brings a new one, and .prev is the old file itself.
  assert.notEqual((await stat(path)).ino, firstInode);
  assert.equal((await stat(prev)).ino, firstInode);

  await file.write({ n: 3 });
  assert.deepEqual(await readJson(prev), { n: 2 });
  assert.deepEqual(await file.read(), { n: 3 });
});

test('writes issued together land in call order', async (t) => {
  const { path, prev, file } = await setup(t);
  await Promise.all([1, 2, 3, 4, 5].map((n) => file.write({ n })));
  assert.deepEqual(await readJson(path), { n: 5 });
  assert.deepEqual(await readJson(prev), { n: 4 });
});

const badMains: readonly { name: string; content: string | null; reason: RegExp }[] = [
  { name: 'empty', content: '', reason: /empty file/ },
  { name: 'whitespace only', content: '  \n', reason: /empty file/ },
  { name: 'truncated', content: JSON.stringify({ n: 2, text: 'abcdef' }, null, 2).slice(0, 15), reason: /invalid JSON/ },
  { name: 'garbage', content: '\0\0\0\0', reason: /invalid JSON/ },
  { name: 'JSON null', content: 'null', reason: /not a JSON object/ },
  { name: 'a JSON number', content: '42', reason: /not a JSON object/ },
  { name: 'missing', content: null, reason: /missing/ },
];

for (const c of badMains) {
  test(`a main file that is ${c.name} is recovered from .prev, and the caller is told`, async (t) => {
    const { path, prev, file, recoveries } = await setup(t);
    await writeFile(prev, JSON.stringify({ n: 1 }));
    if (c.content !== null) await writeFile(path, c.content);
    assert.deepEqual(await file.read(), { n: 1 });
    assert.equal(recoveries.length, 1);
    assert.equal(recoveries[0]!.from, prev);
    assert.match(recoveries[0]!.reason, c.reason);
  });
}

test('after a recovery the next write keeps the good .prev instead of the corrupt main file', async (t) => {
  const { path, prev, file } = await setup(t);
  await writeFile(prev, JSON.stringify({ n: 1 }));
  await writeFile(path, '{"n": 2, "te');
  assert.deepEqual(await file.read(), { n: 1 });
  await file.write({ n: 3 });
  assert.deepEqual(await readJson(path), { n: 3 });
  assert.deepEqual(await readJson(prev), { n: 1 });
  await file.write({ n: 4 });
  assert.deepEqual(await readJson(prev), { n: 3 }, 'once main is good again, rotation resumes');
});

const bothBad: readonly { name: string; main: string | null; prev: string | null }[] = [
  { name: 'both truncated', main: '{"n": 2', prev: '{"n": 1' },
  { name: 'main empty, .prev garbage', main: '', prev: 'xx' },
  { name: 'main corrupt, no .prev', main: '{', prev: null },
  { name: 'no main, .prev corrupt', main: null, prev: '' },
];

for (const c of bothBad) {
  test(`refuses with STORE_CORRUPT when ${c.name}, and touches neither file`, async (t) => {
    const { dir, path, prev, file, recoveries } = await setup(t);
    if (c.main !== null) await writeFile(path, c.main);
    if (c.prev !== null) await writeFile(prev, c.prev);
    const before = (await readdir(dir)).sort();
    await assert.rejects(file.read(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STORE_CORRUPT');
      assert.ok(error.message.includes(path) && error.message.includes(prev), error.message);
      return true;
    });
    assert.equal(recoveries.length, 0);
    assert.deepEqual((await readdir(dir)).sort(), before);
    if (c.main !== null) assert.equal(await readFile(path, 'utf8'), c.main);
    if (c.prev !== null) assert.equal(await readFile(prev, 'utf8'), c.prev);
  });
}

test('a main file that cannot be opened (not a content problem) is an error, not a recovery', async (t) => {
  const { path, prev, file, recoveries } = await setup(t);
  await mkdir(path);
  await writeFile(prev, JSON.stringify({ n: 1 }));
  await assert.rejects(file.read(), { code: 'STORE_UNREADABLE' });
  assert.equal(recoveries.length, 0);
});
