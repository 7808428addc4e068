// Wake-on-LAN settings as users give them: defaults, accepted spellings, and one rejected field per case.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseWolSettings } from '../../src/power/wol-settings.js';

describe('parseWolSettings', () => {
  const good: ReadonlyArray<readonly [string, unknown, unknown]> = [
    ['nothing: port 9, 3 times', undefined, { port: 9, count: 3 }],
    ['an empty object', {}, { port: 9, count: 3 }],
    ['the stored form with its driver name', { driver: 'wol', count: 5 }, { port: 9, count: 5 }],
    ['port 7', { port: 7 }, { port: 7, count: 3 }],
    ['numbers as CLI strings', { port: '7', count: '1' }, { port: 7, count: 1 }],
    ['the largest count', { count: 10 }, { port: 9, count: 10 }],
    ['a 4-byte SecureOn, upper case with dashes', { secureOn: 'AA-BB-CC-DD' }, { secureOn: 'aa:bb:cc:dd', port: 9, count: 3 }],
    ['a 6-byte SecureOn, bare hex', { secureOn: '0102030405ff' }, { secureOn: '01:02:03:04:05:ff', port: 9, count: 3 }],
    ['an empty SecureOn means none', { secureOn: '' }, { port: 9, count: 3 }],
  ];
  for (const [name, input, settings] of good) {
    test(`accepts ${name}`, () => {
      assert.deepEqual(parseWolSettings(input), { ok: true, settings });
    });
  }

  const bad: ReadonlyArray<readonly [string, unknown, string]> = [
    ['a list', [], 'settings'],
    ['a string', 'wol', 'settings'],
    ['another driver name', { driver: 'tasmota' }, 'driver'],
    ['an unknown setting', { mac: '52:54:00:12:34:56' }, 'mac'],
    ['port 8', { port: 8 }, 'port'],
    ['port 0', { port: 0 }, 'port'],
    ['port as a word', { port: 'nine' }, 'port'],
    ['count 0', { count: 0 }, 'count'],
    ['count 11', { count: 11 }, 'count'],
    ['count 2.5', { count: 2.5 }, 'count'],
    ['count -1 as text', { count: '-1' }, 'count'],
    ['count as a boolean', { count: true }, 'count'],
    ['SecureOn of 5 bytes', { secureOn: 'c0:ff:ee:c0:ff' }, 'secureOn'],
    ['SecureOn not hex', { secureOn: 'hunter22' }, 'secureOn'],
    ['SecureOn as a number', { secureOn: 12345678 }, 'secureOn'],
  ];
  for (const [name, input, field] of bad) {
    test(`rejects ${name} (field ${field})`, () => {
      const check = parseWolSettings(input);
      assert.equal(check.ok, false);
      if (check.ok) return;
      assert.equal(check.field, field);
      assert.ok(check.error.length > 0);
      const secret = (input as { secureOn?: unknown } | null)?.secureOn;
      if (typeof secret === 'string') assert.equal(check.error.includes(secret), false, 'the password is not in the error');
    });
  }
});
