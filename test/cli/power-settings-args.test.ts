// `--set key=value` parsing, merging with stored settings, and the one-line power settings text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inlineSecrets, mergePowerSettings, parseSetArgs, powerText, resolveSetValues, type SetArgs } from '../../src/cli/power-settings-args.js';

/** The settings a parse gave, or its error's message matched. */
function expectSets(got: SetArgs, expected: Record<string, string | null> | RegExp): void {
  if (expected instanceof RegExp) {
    assert.equal(got.ok, false);
    assert.match((got as { message: string }).message, expected);
  } else {
    assert.ok(got.ok);
    assert.deepEqual(Object.fromEntries(got.sets), expected);
  }
}

test('parseSetArgs', async (t) => {
  const cases: ReadonlyArray<readonly [string[], Record<string, string | null> | RegExp]> = [
    [[], {}],
    [['url=http://192.168.1.50'], { url: 'http://192.168.1.50' }],
    [['onUrl=http://h/x?a=1&b=2'], { onUrl: 'http://h/x?a=1&b=2' }],
    [['relay=2', 'password='], { relay: '2', password: null }],
    [['password=a b=c'], { password: 'a b=c' }],
    [['url'], /--set "url": expected key=value/],
    [['=x'], /expected key=value/],
    [['bad-key=1'], /expected key=value/],
    [['driver=wol'], /give the driver with --driver/],
    [['relay=1', 'relay=2'], /--set relay: given twice/],
  ];
  for (const [pairs, expected] of cases) {
    await t.test(pairs.join(' ') || '(none)', () => {
      const got = parseSetArgs(pairs);
      expectSets(got, expected);
    });
  }
});

test('mergePowerSettings', async (t) => {
  const stored = { driver: 'tasmota', url: 'http://198.18.0.9', password: '********', relay: 2 };
  const cases: ReadonlyArray<readonly [string, string, Record<string, unknown> | undefined, Record<string, string | null>, Record<string, unknown>]> = [
    ['nothing stored', 'tasmota', undefined, { url: 'http://a' }, { driver: 'tasmota', url: 'http://a' }],
    ['same driver keeps the rest', 'tasmota', stored, { relay: '3' }, { driver: 'tasmota', url: 'http://198.18.0.9', password: '********', relay: '3' }],
    ['an empty value removes', 'tasmota', stored, { password: null }, { driver: 'tasmota', url: 'http://198.18.0.9', relay: 2 }],
    ['another driver starts afresh', 'wol', stored, { port: '7' }, { driver: 'wol', port: '7' }],
    ['manual needs nothing', 'manual', undefined, {}, { driver: 'manual' }],
  ];
  for (const [name, driver, before, sets, expected] of cases) {
    await t.test(name, () => assert.deepEqual(mergePowerSettings(driver, before, new Map(Object.entries(sets))), expected));
  }
});

test('powerText', () => {
  assert.equal(powerText(undefined), 'none');
  assert.equal(powerText({ driver: 'manual' }), 'manual');
  assert.equal(powerText({ driver: 'tasmota', url: 'http://a', password: '********', relay: 2 }), 'tasmota url=http://a password=******** relay=2');
});

test('resolveSetValues: @FILE and @- are read (one trailing newline dropped), @@ escapes, failures name the key', async (t) => {
  const files: Record<string, string> = { '/run/plug.pass': 'hunter2\n', '-': 's3cret\r\n', '/run/empty': '\n', '/run/two': 'a\n\n' };
  const read = async (path: string): Promise<string> => {
    const text = files[path];
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
    return text;
  };
  const cases: ReadonlyArray<readonly [Record<string, string | null>, Record<string, string | null> | RegExp]> = [
    [{ url: 'http://198.18.0.9', relay: null }, { url: 'http://198.18.0.9', relay: null }],
    [{ password: '@/run/plug.pass' }, { password: 'hunter2' }],
    [{ password: '@-' }, { password: 's3cret' }],
    [{ password: '@/run/two' }, { password: 'a\n' }],
    [{ password: '@@home' }, { password: '@home' }],
    [{ password: '@/run/missing' }, /--set password=@\/run\/missing: cannot read it: ENOENT/],
    [{ password: '@' }, /--set password=@: a file name/],
    [{ password: '@/run/empty' }, /--set password=@\/run\/empty: it is empty/],
  ];
  for (const [given, expected] of cases) {
    await t.test(JSON.stringify(given), async () => {
      const got = await resolveSetValues(new Map(Object.entries(given)), read);
      expectSets(got, expected);
    });
  }
});

test('inlineSecrets names the secret keys given on the command line, not those read from files or removed', () => {
  assert.deepEqual(inlineSecrets(['url=http://x', 'password=hunter2', 'token=abc', 'apiSecret=1', 'relay=2']), ['password', 'token', 'apiSecret']);
  assert.deepEqual(inlineSecrets(['password=@/run/p', 'password=', 'token=@-']), []);
  assert.deepEqual(inlineSecrets(['password=@@literal']), ['password']);
});
