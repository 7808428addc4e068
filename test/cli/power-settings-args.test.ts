// `--set key=value` parsing, merging with stored settings, and the one-line power settings text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePowerSettings, parseSetArgs, powerText } from '../../src/cli/power-settings-args.js';

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
      if (expected instanceof RegExp) {
        assert.equal(got.ok, false);
        assert.match((got as { message: string }).message, expected);
      } else {
        assert.ok(got.ok);
        assert.deepEqual(Object.fromEntries(got.sets), expected);
      }
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
