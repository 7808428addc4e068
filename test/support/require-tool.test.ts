// Tests for the prerequisite gates: found tools pass, missing ones skip locally and fail under CI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { findOnPath, findTool, isCi, requireFile, requireTool } from './require-tool.js';

/** Stands in for the test context so the gate's skip can be observed without skipping this test. */
function fakeContext(): { t: TestContext; skipped: string[] } {
  const skipped: string[] = [];
  const t = { skip: (message?: string) => skipped.push(message ?? '') } as unknown as TestContext;
  return { t, skipped };
}

async function withCi<T>(value: string | undefined, body: () => T): Promise<T> {
  const saved = process.env.CI;
  if (value === undefined) delete process.env.CI;
  else process.env.CI = value;
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
}

test('findTool searches PATH and the sbin folders', () => {
  assert.match(findTool('sh', '/usr/bin:/bin') ?? '', /\/sh$/);
  // ip lives in /usr/sbin or /sbin; found even with a PATH that lacks them.
  assert.match(findTool('ip', '/nonexistent') ?? '', /sbin\/ip$/);
  assert.equal(findTool('no-such-tool-bramble', '/usr/bin'), undefined);
});

test('findOnPath searches PATH only', () => {
  assert.match(findOnPath('sh', '/usr/bin:/bin') ?? '', /\/sh$/);
  assert.match(findOnPath('ip', '/usr/sbin:/sbin') ?? '', /sbin\/ip$/);
  assert.equal(findOnPath('ip', '/nonexistent'), undefined, 'the sbin folders are not added');
});

test('isCi follows the usual CI variable conventions', () => {
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['true', true],
    ['1', true],
  ];
  for (const [value, expected] of cases) {
    assert.equal(isCi(value === undefined ? {} : { CI: value }), expected, String(value));
  }
});

test('a present tool passes without skipping', async () => {
  const { t, skipped } = fakeContext();
  assert.equal(await withCi('true', () => requireTool(t, 'sh')), true);
  assert.deepEqual(skipped, []);
});

test('a missing tool skips with its name locally', async () => {
  const { t, skipped } = fakeContext();
  assert.equal(await withCi(undefined, () => requireTool(t, 'no-such-tool-bramble', 'bramble-pkg')), false);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0]!, /no-such-tool-bramble.*bramble-pkg/);
});

test('a missing tool or file fails under CI instead of skipping', async () => {
  const { t, skipped } = fakeContext();
  await withCi('true', () => {
    assert.throws(() => requireTool(t, 'no-such-tool-bramble'), { code: 'TOOL_MISSING' });
    assert.throws(() => requireFile(t, '/no/such/firmware.fd', 'ovmf'), { code: 'FILE_MISSING' });
  });
  assert.deepEqual(skipped, []);
});
