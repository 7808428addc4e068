// Tests for the static-binary check on real executables: busybox-static's busybox vs dynamically linked tools.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { requireFile } from '../support/require-tool.js';
import { isStaticElf64 } from './static-elf.js';

test('busybox from busybox-static is static', (t) => {
  if (!requireFile(t, '/bin/busybox', 'busybox-static')) return;
  assert.equal(isStaticElf64(readFileSync('/bin/busybox')), true);
});

test('dynamically linked executables are not', () => {
  for (const path of ['/bin/sh', '/usr/bin/env', process.execPath]) {
    assert.equal(isStaticElf64(readFileSync(path)), false, path);
  }
});

test('non-ELF and truncated input is not a static executable', () => {
  const cases: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['script', Buffer.from('#!/bin/sh\necho hi\n')],
    ['truncated busybox-like header', readFileSync('/bin/sh').subarray(0, 40)],
  ];
  for (const [name, data] of cases) assert.equal(isStaticElf64(data), false, name);
});
