// Tests for the newc encoder, checked by GNU cpio (the real reader) and by the format's layout rules.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireTool } from '../support/require-tool.js';
import { runCommand } from '../support/run-command.js';
import { encodeNewc } from './newc.js';
import type { NewcEntry } from './newc.js';

const script = Buffer.from('#!/bin/sh\necho hi\n');
// 5 bytes and 1 byte: both need padding to the next 4-byte boundary.
const odd = Buffer.from([0x00, 0x7f, 0x80, 0xfe, 0xff]);
const entries: NewcEntry[] = [
  { kind: 'dir', path: 'bin' },
  { kind: 'dir', path: 'dev' },
  { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
  { kind: 'file', path: 'init', data: script, mode: 0o755 },
  { kind: 'file', path: 'bin/odd-name.bin', data: odd },
  { kind: 'file', path: 'one', data: Buffer.from('x') },
  { kind: 'file', path: 'empty', data: Buffer.alloc(0) },
  { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
];

test('records are 4-byte aligned newc with a trailer', () => {
  const archive = encodeNewc(entries);
  assert.equal(archive.length % 4, 0);
  assert.equal(archive.subarray(0, 6).toString('ascii'), '070701');
  assert.ok(archive.includes(Buffer.from('TRAILER!!!\0')));
});

test('GNU cpio lists every entry with its type, mode, size and device numbers', async (t) => {
  if (!requireTool(t, 'cpio', 'cpio')) return;
  const { stdout } = await runCommand(['cpio', '-itv', '--quiet'], { input: encodeNewc(entries) });
  // "mode links owner group size-or-major,minor month day year name"
  const summary = stdout
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^(\S+)\s+\d+\s+(\S+)\s+(\S+)\s+(\d+,\s*\d+|\d+)\s+\S+\s+\d+\s+\d{4}\s+(.*)$/.exec(line.trim());
      assert.ok(m, `unexpected cpio line: ${line}`);
      return `${m[1]} ${m[2]}:${m[3]} ${m[4]!.replace(/\s+/g, '')} ${m[5]}`;
    });
  assert.deepEqual(summary, [
    'drwxr-xr-x root:root 0 bin',
    'drwxr-xr-x root:root 0 dev',
    'crw------- root:root 5,1 dev/console',
    '-rwxr-xr-x root:root 18 init',
    '-rw-r--r-- root:root 5 bin/odd-name.bin',
    '-rw-r--r-- root:root 1 one',
    '-rw-r--r-- root:root 0 empty',
    'lrwxrwxrwx root:root 7 bin/sh -> busybox',
  ]);
});

test('GNU cpio extracts the same bytes and link targets', async (t) => {
  if (!requireTool(t, 'cpio', 'cpio')) return;
  const dir = await mkdtemp(join(tmpdir(), 'bramble-newc-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // No device node: extracting one needs root, and the listing test already checks it.
  const files = entries.filter((e) => e.kind !== 'chardev');
  await runCommand(['cpio', '-idm', '--quiet', '--no-absolute-filenames'], {
    cwd: dir,
    input: encodeNewc(files),
  });
  assert.deepEqual(await readFile(join(dir, 'init')), script);
  assert.deepEqual(await readFile(join(dir, 'bin/odd-name.bin')), odd);
  assert.deepEqual(await readFile(join(dir, 'one')), Buffer.from('x'));
  assert.deepEqual(await readFile(join(dir, 'empty')), Buffer.alloc(0));
  assert.equal(await readlink(join(dir, 'bin/sh')), 'busybox');
});
