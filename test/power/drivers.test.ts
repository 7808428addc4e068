// The driver registry: every driver's stored settings read back unchanged (they are checked again before each use).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPower, makeDriver, settingsParsers } from '../../src/power/drivers.js';

const valid: ReadonlyArray<Record<string, unknown>> = [
  { driver: 'wol' },
  { driver: 'wol', secureOn: 'aa:bb:cc:dd', port: 7, count: 2 },
  { driver: 'tasmota', url: 'http://198.18.0.50' },
  { driver: 'tasmota', url: 'http://198.18.0.50', password: 'pw', relay: 2 },
  { driver: 'shelly', generation: 1, url: 'http://198.18.0.51' },
  { driver: 'shelly', generation: 2, url: 'http://198.18.0.52', password: 'pw' },
  { driver: 'webhook', onUrl: 'http://198.18.0.53/on', offUrl: 'http://198.18.0.53/off' },
  { driver: 'ssh', host: '198.18.0.54', user: 'root' },
  { driver: 'manual', instructions: 'press the button' },
  { driver: 'manual' },
];

for (const input of valid) {
  test(`stored ${JSON.stringify(input)} reads back the same and makes a driver`, () => {
    const first = checkPower(input);
    assert.ok(first.ok, JSON.stringify(first));
    const again = checkPower(first.settings);
    assert.ok(again.ok, `the stored form was refused: ${JSON.stringify(again)}`);
    assert.deepEqual(again.settings, first.settings);
    const made = makeDriver(
      { mac: '52:54:00:00:00:01', firstSeen: 'x', lastSeen: 'x', power: first.settings },
      { serving: { name: 'lo', address: '127.0.0.1', netmask: 8 }, ssh: { dir: '/nonexistent', identityFile: '/nonexistent/k', publicKeyFile: '/nonexistent/k.pub', knownHostsFile: '/nonexistent/kh' } },
    );
    assert.ok(made.ok, JSON.stringify(made));
    assert.equal(made.driver.kind, input.driver);
  });
}

test('every registered driver is covered above', () => {
  assert.deepEqual(new Set(Object.keys(settingsParsers)), new Set(valid.map((v) => v.driver)));
});
