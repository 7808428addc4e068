// The golden view's stat numbers (src/nfs/view/file-stat.ts): the native statx batch (native/stat_many.c) gives
// exactly what lstatSync gives for every kind of file, reports a missing name by its errno, and never walks a path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributesFromStat, fromStats, inoOf, loadStatMany, sameStat, STAT_FIELDS, statErrno, statManyInJs } from '../../src/nfs/view/file-stat.js';
import { isCi } from '../support/require-tool.js';

const ENOENT = 2;
const EINVAL = 22;

async function folderOfEveryKind(t: { after: (fn: () => Promise<void>) => void }): Promise<{ dir: string; names: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-file-stat-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'file'), 'seven b');
  await utimes(join(dir, 'file'), new Date('1999-12-31T23:59:59.123Z'), new Date('2001-02-03T04:05:06.789Z'));
  await link(join(dir, 'file'), join(dir, 'hard'));
  await mkdir(join(dir, 'sub'), { mode: 0o1750 });
  await symlink('/etc/passwd', join(dir, 'link'));
  await writeFile(join(dir, 'ünïcode name'), '');
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  const names = ['file', 'hard', 'sub', 'link', 'ünïcode name', 'fifo'];
  const sock = createServer();
  await new Promise<void>((resolve) => sock.listen(join(dir, 'sock'), resolve));
  t.after(() => new Promise<void>((resolve) => sock.close(() => resolve())));
  names.push('sock');
  if (process.getuid?.() === 0) {
    execFileSync('mknod', [join(dir, 'chr'), 'c', '1', '3']);
    // A minor above 255 is split across dev_t's two minor fields.
    execFileSync('mknod', [join(dir, 'blk'), 'b', '259', '700']);
    names.push('chr', 'blk');
  }
  return { dir, names };
}

test('the native batch and lstatSync give the same numbers for every kind of file', async (t) => {
  const loaded = loadStatMany();
  if (!loaded.native) {
    if (isCi()) assert.fail('the stat_many addon must be built in CI (npm ci builds it)');
    t.skip('stat_many addon not built (needs g++, make, python3): only the lstatSync path is in use');
    return;
  }
  const { dir, names } = await folderOfEveryKind(t);
  const native = new Float64Array(names.length * STAT_FIELDS);
  const js = new Float64Array(names.length * STAT_FIELDS);
  loaded.statMany(dir, names, native);
  statManyInJs(dir, names, js);
  names.forEach((name, i) => {
    const at = i * STAT_FIELDS;
    assert.equal(statErrno(native, at), 0, name);
    assert.deepEqual([...native.subarray(at, at + STAT_FIELDS)], [...js.subarray(at, at + STAT_FIELDS)], name);
    assert.equal(inoOf(native, at), lstatSync(join(dir, name), { bigint: true }).ino, name);
  });
  const kinds = names.map((_, i) => attributesFromStat(native, i * STAT_FIELDS).type);
  assert.deepEqual(kinds.slice(0, 7), ['reg', 'reg', 'dir', 'lnk', 'reg', 'fifo', 'sock']);
  if (names.includes('chr')) {
    const chr = attributesFromStat(native, names.indexOf('chr') * STAT_FIELDS);
    assert.deepEqual([chr.type, chr.rdev], ['chr', { major: 1, minor: 3 }]);
    const blk = attributesFromStat(native, names.indexOf('blk') * STAT_FIELDS);
    assert.deepEqual([blk.type, blk.rdev], ['blk', { major: 259, minor: 700 }]);
  }
});

test('missing names, names with a slash and a missing folder answer errnos, the rest of the batch still stats', async (t) => {
  const { dir } = await folderOfEveryKind(t);
  for (const [label, statMany] of [['native', loadStatMany().statMany], ['js', statManyInJs]] as const) {
    const names = ['gone', 'file', '../file', ''];
    const out = new Float64Array(names.length * STAT_FIELDS).fill(7);
    statMany(dir, names, out);
    assert.equal(statErrno(out, 0), ENOENT, `${label}: gone`);
    assert.equal(statErrno(out, STAT_FIELDS), 0, `${label}: file`);
    if (label === 'native') {
      // One component only: the batch never resolves a path (lstatSync would walk it; golden-view never asks it to).
      assert.equal(statErrno(out, 2 * STAT_FIELDS), EINVAL);
      assert.equal(statErrno(out, 3 * STAT_FIELDS), EINVAL);
    }
    const none = new Float64Array(STAT_FIELDS);
    statMany(join(dir, 'no-such-folder'), ['file'], none);
    assert.equal(statErrno(none), ENOENT, `${label}: missing folder`);
  }
});

test('times before 1970 and nanoseconds keep their value through the numbers', () => {
  const st = lstatSync(tmpdir(), { bigint: true });
  const out = new Float64Array(STAT_FIELDS);
  const early = Object.assign(Object.create(Object.getPrototypeOf(st)), st, { mtimeNs: -1_500_000_001n, atimeNs: 1_700_000_000_123_456_789n });
  fromStats(early, out);
  const attrs = attributesFromStat(out);
  assert.equal(attrs.mtimeNs, -1_500_000_001n);
  assert.equal(attrs.atimeNs, 1_700_000_000_123_456_789n);
  assert.equal(attrs.fileId, st.ino);
});

test('sameStat: any field but the access time makes a stat different', () => {
  const a = new Float64Array(STAT_FIELDS).map((_, i) => i + 1);
  assert.ok(sameStat(a, 0, a.slice(), 0));
  for (let i = 0; i < STAT_FIELDS; i++) {
    const b = a.slice();
    b[i] = b[i]! + 1;
    // Fields 11 and 12 are atime seconds and nanoseconds (native/stat_many.c's layout).
    assert.equal(sameStat(a, 0, b, 0), i === 11 || i === 12, `field ${i}`);
  }
  const shifted = new Float64Array(STAT_FIELDS * 2);
  shifted.set(a, STAT_FIELDS);
  assert.ok(sameStat(a, 0, shifted, STAT_FIELDS), 'offsets are honoured');
});
