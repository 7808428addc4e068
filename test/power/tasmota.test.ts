import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTasmotaDriver, parseTasmotaSettings } from '../../src/power/tasmota.js';
import { waitUntil } from '../support/wait-until.js';
import { driverFrom, failed, settingsTable, type SettingsCase } from './support/driver-checks.js';
import { closedPortUrl, sendJson, startDevice } from './support/fake-device.js';
import { startTasmota } from './support/fake-tasmota.js';

const password = 'j0ker&co';
const signal = () => AbortSignal.timeout(10_000);

const driverFor = (input: Record<string, unknown>) => driverFrom(parseTasmotaSettings, createTasmotaDriver, input);

test('on, status and off against a password-protected plug, credentials in the query as documented', async (t) => {
  const plug = await startTasmota(t, { password });
  const driver = driverFor({ url: plug.url, password });
  assert.equal(driver.kind, 'tasmota');
  assert.deepEqual([...driver.can].sort(), ['cycle', 'off', 'on', 'status']);

  assert.deepEqual(await driver.run('on', signal()), { ok: true, state: 'on', detail: `Tasmota at ${plug.url}: Power On -> POWER=ON` });
  assert.deepEqual(plug.power, [true]);
  assert.deepEqual(await driver.run('status', signal()), { ok: true, state: 'on', detail: `Tasmota at ${plug.url}: Power -> POWER=ON` });
  const off = await driver.run('off', signal());
  assert.equal(off.ok && off.state, 'off');
  assert.deepEqual(plug.power, [false]);

  assert.deepEqual(
    plug.received.map((r) => [r.method, r.target]),
    [
      ['GET', '/cm?user=admin&password=j0ker%26co&cmnd=Power%20On'],
      ['GET', '/cm?user=admin&password=j0ker%26co&cmnd=Power'],
      ['GET', '/cm?user=admin&password=j0ker%26co&cmnd=Power%20Off'],
    ],
  );
  assert.deepEqual(plug.changes, ['POWER1 ON', 'POWER1 OFF']);
});

test('an open plug gets no credentials', async (t) => {
  const plug = await startTasmota(t);
  const result = await driverFor({ url: plug.url }).run('on', signal());
  assert.equal(result.ok && result.state, 'on');
  assert.equal(plug.received[0]?.target, '/cm?cmnd=Power%20On');
});

test('a wrong password: AUTH_FAILED, the plug untouched, the password in no message', async (t) => {
  const plug = await startTasmota(t, { password });
  const wrong = 'not-the-password';
  const result = failed(await driverFor({ url: plug.url, password: wrong }).run('on', signal()));
  assert.equal(result.code, 'AUTH_FAILED');
  assert.match(result.message, /HTTP 401.*check the password setting/);
  assert.ok(!result.message.includes(wrong));
  assert.deepEqual(plug.power, [false]);
});

test('no password configured for a protected plug: AUTH_FAILED saying to set one', async (t) => {
  const plug = await startTasmota(t, { password });
  const result = failed(await driverFor({ url: plug.url }).run('status', signal()));
  assert.equal(result.code, 'AUTH_FAILED');
  assert.match(result.message, /set it in the password setting/);
});

test('relay 2 of a multi-relay device: Power2, answered POWER2', async (t) => {
  const plug = await startTasmota(t, { relays: 4 });
  const result = await driverFor({ url: plug.url, relay: 2 }).run('on', signal());
  assert.deepEqual(result, { ok: true, state: 'on', detail: `Tasmota at ${plug.url}: Power2 On -> POWER2=ON` });
  assert.deepEqual(plug.power, [false, true, false, false]);
  assert.equal(plug.received[0]?.query.get('cmnd'), 'Power2 On');
});

test('relay 1 of a multi-relay device is read from POWER1', async (t) => {
  const plug = await startTasmota(t, { relays: 2 });
  const result = await driverFor({ url: plug.url, relay: 1 }).run('status', signal());
  assert.deepEqual(result, { ok: true, state: 'off', detail: `Tasmota at ${plug.url}: Power1 -> POWER1=OFF` });
});

test('cycle is one Backlog the plug runs itself: off, Delay, on', async (t) => {
  const plug = await startTasmota(t, { password });
  plug.power[0] = true;
  const result = await driverFor({ url: plug.url, password, cycleOffSeconds: 1 }).run('cycle', signal());
  assert.deepEqual(result, {
    ok: true,
    state: 'unknown',
    detail: `Tasmota at ${plug.url}: Backlog Power Off; Delay 10; Power On accepted; the plug switches back on after 1 s`,
  });
  assert.equal(plug.received.length, 1);
  assert.equal(plug.received[0]?.target, '/cm?user=admin&password=j0ker%26co&cmnd=Backlog%20Power%20Off%3B%20Delay%2010%3B%20Power%20On');
  await waitUntil(async () => plug.changes.length === 2, { what: 'the plug to switch back on', timeoutMs: 5000, intervalMs: 50 });
  assert.deepEqual(plug.changes, ['POWER1 OFF', 'POWER1 ON']);
  assert.deepEqual(plug.power, [true]);
});

test('a firmware without Backlog: BAD_RESPONSE naming the command', async (t) => {
  const plug = await startTasmota(t, { noBacklog: true });
  const result = failed(await driverFor({ url: plug.url }).run('cycle', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
  assert.match(result.message, /does not know the command "Backlog Power Off; Delay 50; Power On"/);
});

test('a relay the device lacks: BAD_RESPONSE', async (t) => {
  const plug = await startTasmota(t);
  const result = failed(await driverFor({ url: plug.url, relay: 3 }).run('on', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
  assert.match(result.message, /does not know the command "Power3 On"/);
});

test('an answer without POWER ON/OFF: BAD_RESPONSE quoting it', async (t) => {
  // Power2's answer from a plug asked for its first output (a misconfigured relay on the device side).
  const device = await startDevice(t, (_req, res) => sendJson(res, 200, { POWER2: 'ON' }));
  const result = failed(await driverFor({ url: device.url }).run('status', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
  assert.equal(result.message, `Tasmota at ${device.url}: answered {"POWER2":"ON"} without POWER or POWER1 ON/OFF`);
});

test('malformed JSON: BAD_RESPONSE', async (t) => {
  const device = await startDevice(t, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"POWER":"ON"'));
  const result = failed(await driverFor({ url: device.url }).run('on', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
  assert.match(result.message, /not JSON: \{"POWER":"ON"$/);
});

test('nothing listening: UNREACHABLE', async () => {
  const result = failed(await driverFor({ url: await closedPortUrl() }).run('status', signal()));
  assert.equal(result.code, 'UNREACHABLE');
});

const settingsCases: readonly SettingsCase[] = [
  {
    name: 'defaults',
    input: { url: 'http://192.168.1.50' },
    expect: { url: 'http://192.168.1.50', user: 'admin', cycleOffSeconds: 5, timeoutSeconds: 5 },
  },
  {
    name: 'everything, and the driver name',
    input: { driver: 'tasmota', url: 'https://plug.lan/', user: 'admin', password: 'pw', relay: 32, cycleOffSeconds: 300, timeoutSeconds: 60 },
    expect: { url: 'https://plug.lan/', user: 'admin', password: 'pw', relay: 32, cycleOffSeconds: 300, timeoutSeconds: 60 },
  },
  { name: 'not an object', input: 'http://plug', expect: { field: 'power', error: /object of settings/ } },
  { name: 'no url', input: {}, expect: { field: 'power.url', error: /is required/ } },
  { name: 'a ftp url', input: { url: 'ftp://plug' }, expect: { field: 'power.url', error: /http/ } },
  { name: 'not a url', input: { url: 'plug.lan' }, expect: { field: 'power.url', error: /http/ } },
  { name: 'credentials in the url', input: { url: 'http://admin:pw@plug' }, expect: { field: 'power.url', error: /must not carry credentials/ } },
  { name: 'a query in the url', input: { url: 'http://plug/cm?cmnd=Power' }, expect: { field: 'power.url', error: /without a \?query/ } },
  { name: 'a misspelt key', input: { url: 'http://plug', pasword: 'x' }, expect: { field: 'power.pasword', error: /not a tasmota setting/ } },
  { name: 'another driver', input: { driver: 'shelly', url: 'http://plug' }, expect: { field: 'power.driver', error: /must be "tasmota"/ } },
  { name: 'user without password', input: { url: 'http://plug', user: 'ops' }, expect: { field: 'power.password', error: /required/ } },
  { name: 'relay 0', input: { url: 'http://plug', relay: 0 }, expect: { field: 'power.relay', error: /1 to 32/ } },
  { name: 'relay 1.5', input: { url: 'http://plug', relay: 1.5 }, expect: { field: 'power.relay', error: /whole number/ } },
  {
    name: 'numbers as the digits of CLI flags',
    input: { url: 'http://plug', relay: '2', timeoutSeconds: ' 9 ' },
    expect: { url: 'http://plug', user: 'admin', relay: 2, cycleOffSeconds: 5, timeoutSeconds: 9 },
  },
  { name: 'a timeout in words', input: { url: 'http://plug', timeoutSeconds: 'five' }, expect: { field: 'power.timeoutSeconds', error: /1 to 60/ } },
  { name: 'a negative timeout', input: { url: 'http://plug', timeoutSeconds: '-1' }, expect: { field: 'power.timeoutSeconds', error: /1 to 60/ } },
  { name: 'cycle too long', input: { url: 'http://plug', cycleOffSeconds: 301 }, expect: { field: 'power.cycleOffSeconds', error: /1 to 300/ } },
  { name: 'an empty password', input: { url: 'http://plug', password: '' }, expect: { field: 'power.password', error: /1-256 characters/ } },
];

settingsTable('parseTasmotaSettings', parseTasmotaSettings, settingsCases);

test('parseTasmotaSettings never repeats a password, even a malformed one', () => {
  const secret = 'line1\nsecret-value';
  const parsed = parseTasmotaSettings({ url: 'http://plug', password: secret });
  assert.equal(parsed.ok, false);
  assert.ok(!JSON.stringify(parsed).includes('secret-value'));
  assert.deepEqual(parseTasmotaSettings({ url: 'http://plug' }, 'machines.nuc1.power').ok, true);
  const nested = parseTasmotaSettings({ url: 'gopher://x' }, 'machines.nuc1.power');
  assert.equal(nested.ok ? '' : nested.field, 'machines.nuc1.power.url');
});
