import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createShellyDriver, parseShellySettings } from '../../src/power/shelly.js';
import { waitUntil } from '../support/wait-until.js';
import { driverFrom, failed, settingsTable, type SettingsCase } from './support/driver-checks.js';
import { closedPortUrl, sendJson, startDevice } from './support/fake-device.js';
import { startShellyGen1, startShellyGen2 } from './support/fake-shelly.js';

const password = 'pässword "1"';
const signal = () => AbortSignal.timeout(10_000);

const driverFor = (input: Record<string, unknown>) => driverFrom(parseShellySettings, createShellyDriver, input);

// --- Gen1 ---

test('Gen1: on, status, off with Basic auth; the state comes from the answer', async (t) => {
  const shelly = await startShellyGen1(t, { user: 'ops', password });
  const driver = driverFor({ url: shelly.url, generation: 1, user: 'ops', password });
  assert.equal(driver.kind, 'shelly');
  assert.deepEqual([...driver.can].sort(), ['cycle', 'off', 'on', 'status']);

  assert.deepEqual(await driver.run('on', signal()), { ok: true, state: 'on', detail: `Shelly Gen1 at ${shelly.url}: /relay/0?turn=on -> ison=true` });
  assert.deepEqual(shelly.relays, [true]);
  assert.deepEqual(await driver.run('status', signal()), { ok: true, state: 'on', detail: `Shelly Gen1 at ${shelly.url}: /relay/0 -> ison=true` });
  const off = await driver.run('off', signal());
  assert.equal(off.ok && off.state, 'off');
  assert.deepEqual(shelly.relays, [false]);

  assert.deepEqual(
    shelly.received.map((r) => r.target),
    ['/relay/0?turn=on', '/relay/0', '/relay/0?turn=off'],
  );
  const basic = `Basic ${Buffer.from(`ops:${password}`, 'utf8').toString('base64')}`;
  assert.ok(shelly.received.every((r) => r.method === 'GET' && r.headers.authorization === basic));
});

test('Gen1: cycle is off with a flip-back timer; the device switches itself on again', async (t) => {
  const shelly = await startShellyGen1(t, { relays: 2 });
  shelly.relays[1] = true;
  const result = await driverFor({ url: shelly.url, generation: 1, channel: 1, cycleOffSeconds: 1 }).run('cycle', signal());
  assert.deepEqual(result, {
    ok: true,
    state: 'off',
    detail: `Shelly Gen1 at ${shelly.url}: /relay/1?turn=off&timer=1 -> ison=false; the device's timer switches it on after 1 s`,
  });
  assert.equal(shelly.received.length, 1);
  assert.equal(shelly.received[0]?.headers.authorization, undefined);
  await waitUntil(async () => shelly.changes.length === 2, { what: 'the relay to flip back on', timeoutMs: 5000, intervalMs: 50 });
  assert.deepEqual(shelly.changes, ['1 off', '1 on']);
  assert.deepEqual(shelly.relays, [false, true]);
});

test('Gen1: a wrong password is AUTH_FAILED and changes nothing; the password is in no message', async (t) => {
  const shelly = await startShellyGen1(t, { password });
  const wrong = 'wrong-pw';
  const result = failed(await driverFor({ url: shelly.url, generation: 1, password: wrong }).run('on', signal()));
  assert.equal(result.code, 'AUTH_FAILED');
  assert.equal(result.message, `Shelly Gen1 at ${shelly.url}: refused the request (HTTP 401); check the user and password settings`);
  assert.deepEqual(shelly.relays, [false]);
});

test('Gen1: no password for a protected device: AUTH_FAILED saying to set one', async (t) => {
  const shelly = await startShellyGen1(t, { password });
  const result = failed(await driverFor({ url: shelly.url, generation: 1 }).run('status', signal()));
  assert.equal(result.code, 'AUTH_FAILED');
  assert.match(result.message, /password-protected: set the password setting/);
});

test('Gen1: a channel the device lacks: BAD_RESPONSE with the HTTP status', async (t) => {
  const shelly = await startShellyGen1(t);
  const result = failed(await driverFor({ url: shelly.url, generation: 1, channel: 3 }).run('on', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
  assert.equal(result.message, `Shelly Gen1 at ${shelly.url}: HTTP 404: Not Found`);
});

test('Gen1: an answer without a boolean ison: BAD_RESPONSE', async (t) => {
  const device = await startDevice(t, (_req, res) => sendJson(res, 200, { ison: 'yes' }));
  const result = failed(await driverFor({ url: device.url, generation: 1 }).run('status', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
  assert.equal(result.message, `Shelly Gen1 at ${device.url}: answer has no boolean "ison": {"ison":"yes"}`);
});

// --- Gen2 ---

test('Gen2: on, status, off through a real Digest SHA-256 challenge each time', async (t) => {
  const shelly = await startShellyGen2(t, { password });
  const driver = driverFor({ url: shelly.url, generation: 2, password });

  assert.deepEqual(await driver.run('on', signal()), {
    ok: true,
    state: 'on',
    detail: `Shelly Gen2 at ${shelly.url}: Switch.Set?id=0&on=true -> was_on=false`,
  });
  assert.deepEqual(shelly.relays, [true]);
  assert.deepEqual(await driver.run('status', signal()), {
    ok: true,
    state: 'on',
    detail: `Shelly Gen2 at ${shelly.url}: Switch.GetStatus?id=0 -> output=true`,
  });
  const off = await driver.run('off', signal());
  assert.equal(off.ok && off.state, 'off');
  assert.deepEqual(shelly.relays, [false]);

  assert.deepEqual(shelly.refusals, []);
  // Each action: once without credentials (answered 401 with a nonce), once with them.
  assert.deepEqual(
    shelly.received.map((r) => [r.target, r.headers.authorization === undefined ? 'none' : 'digest']),
    [
      ['/rpc/Switch.Set?id=0&on=true', 'none'],
      ['/rpc/Switch.Set?id=0&on=true', 'digest'],
      ['/rpc/Switch.GetStatus?id=0', 'none'],
      ['/rpc/Switch.GetStatus?id=0', 'digest'],
      ['/rpc/Switch.Set?id=0&on=false', 'none'],
      ['/rpc/Switch.Set?id=0&on=false', 'digest'],
    ],
  );
  const authorization = shelly.received[1]?.headers.authorization ?? '';
  assert.match(authorization, /^Digest username="admin", realm="shellyplus1-a8032ab12345", uri="\/rpc\/Switch\.Set\?id=0&on=true", algorithm=SHA-256, /);
  assert.ok(!authorization.includes(password));
});

test('Gen2: cycle is Switch.Set off with toggle_after; the device switches itself on again', async (t) => {
  const shelly = await startShellyGen2(t, { password, relays: 4 });
  shelly.relays[2] = true;
  const result = await driverFor({ url: shelly.url, generation: 2, channel: 2, password, cycleOffSeconds: 1 }).run('cycle', signal());
  assert.deepEqual(result, {
    ok: true,
    state: 'off',
    detail: `Shelly Gen2 at ${shelly.url}: Switch.Set?id=2&on=false&toggle_after=1 -> was_on=true; the device switches it back on after 1 s`,
  });
  assert.deepEqual(shelly.refusals, []);
  await waitUntil(async () => shelly.changes.length === 2, { what: 'the switch to toggle back on', timeoutMs: 5000, intervalMs: 50 });
  assert.deepEqual(shelly.changes, ['2 off', '2 on']);
});

test('Gen2: a device without a password gets no Authorization header', async (t) => {
  const shelly = await startShellyGen2(t);
  const result = await driverFor({ url: shelly.url, generation: 2 }).run('status', signal());
  assert.equal(result.ok && result.state, 'off');
  assert.equal(shelly.received.length, 1);
  assert.equal(shelly.received[0]?.headers.authorization, undefined);
});

test('Gen2: a wrong password: the device checks the digest and refuses; AUTH_FAILED, nothing switched', async (t) => {
  const shelly = await startShellyGen2(t, { password });
  const result = failed(await driverFor({ url: shelly.url, generation: 2, password: 'guess' }).run('on', signal()));
  assert.equal(result.code, 'AUTH_FAILED');
  assert.equal(result.message, `Shelly Gen2 at ${shelly.url}: refused the password (HTTP Digest, user "admin"); check the password setting`);
  assert.deepEqual(shelly.refusals, ['wrong response']);
  assert.deepEqual(shelly.relays, [false]);
  assert.equal(shelly.received.length, 2);
});

test('Gen2: no password for a protected device: AUTH_FAILED after one request', async (t) => {
  const shelly = await startShellyGen2(t, { password });
  const result = failed(await driverFor({ url: shelly.url, generation: 2 }).run('on', signal()));
  assert.equal(result.code, 'AUTH_FAILED');
  assert.match(result.message, /password-protected: set the password setting/);
  assert.equal(shelly.received.length, 1);
});

test('Gen2: a challenge we cannot answer: AUTH_FAILED saying why', async (t) => {
  const device = await startDevice(t, (_req, res) =>
    sendJson(res, 401, { code: 401 }, { 'www-authenticate': 'Digest qop="auth", realm="r", nonce="n", algorithm=SHA-512-256' }),
  );
  const result = failed(await driverFor({ url: device.url, generation: 2, password }).run('on', signal()));
  assert.equal(result.code, 'AUTH_FAILED');
  assert.match(result.message, /cannot answer its login challenge: algorithm SHA-512-256 is not supported/);
});

test('Gen2: an RPC error (a switch id the device lacks): BAD_RESPONSE quoting it', async (t) => {
  const shelly = await startShellyGen2(t, { password });
  const result = failed(await driverFor({ url: shelly.url, generation: 2, channel: 5, password }).run('status', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
  assert.equal(result.message, `Shelly Gen2 at ${shelly.url}: HTTP 500: {"code":-105,"message":"Argument 'id', value 5 not found!"}`);
});

test('Gen2: malformed JSON: BAD_RESPONSE', async (t) => {
  const device = await startDevice(t, (_req, res) => res.writeHead(200).end('{"output":tru'));
  const result = failed(await driverFor({ url: device.url, generation: 2 }).run('status', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
});

test('nothing listening: UNREACHABLE', async () => {
  const result = failed(await driverFor({ url: await closedPortUrl(), generation: 2 }).run('on', signal()));
  assert.equal(result.code, 'UNREACHABLE');
});

const base = { cycleOffSeconds: 5, timeoutSeconds: 5, channel: 0 };
const settingsCases: readonly SettingsCase[] = [
  { name: 'Gen1 defaults', input: { url: 'http://10.0.0.7', generation: 1 }, expect: { generation: 1, user: 'admin', url: 'http://10.0.0.7', ...base } },
  {
    name: 'Gen1 with everything',
    input: { driver: 'shelly', url: 'http://10.0.0.7', generation: '1', channel: 3, user: 'ops', password: 'pw', cycleOffSeconds: 10, timeoutSeconds: 2 },
    expect: { generation: 1, user: 'ops', url: 'http://10.0.0.7', channel: 3, password: 'pw', cycleOffSeconds: 10, timeoutSeconds: 2 },
  },
  { name: 'Gen2 with a password', input: { url: 'http://10.0.0.8', generation: 2, password: 'pw' }, expect: { generation: 2, url: 'http://10.0.0.8', password: 'pw', ...base } },
  { name: 'Gen2 with user admin spelt out', input: { url: 'http://10.0.0.8', generation: 2, user: 'admin' }, expect: { generation: 2, url: 'http://10.0.0.8', ...base } },
  { name: 'no generation', input: { url: 'http://10.0.0.8' }, expect: { field: 'power.generation', error: /is required: 1 \(Shelly 1/ } },
  { name: 'generation 3', input: { url: 'http://10.0.0.8', generation: 3 }, expect: { field: 'power.generation', error: /^must be 1 .* or 2/ } },
  { name: 'Gen2 with another user', input: { url: 'http://10.0.0.8', generation: 2, user: 'root' }, expect: { field: 'power.user', error: /always use the user "admin"/ } },
  { name: 'Gen1 user with a colon', input: { url: 'http://10.0.0.8', generation: 1, user: 'a:b', password: 'x' }, expect: { field: 'power.user', error: /":"/ } },
  { name: 'Gen1 user without password', input: { url: 'http://10.0.0.8', generation: 1, user: 'ops' }, expect: { field: 'power.password', error: /required/ } },
  { name: 'channel 16', input: { url: 'http://10.0.0.8', generation: 1, channel: 16 }, expect: { field: 'power.channel', error: /0 to 15/ } },
  { name: 'a path and query', input: { url: 'http://10.0.0.8/relay/0?turn=on', generation: 1 }, expect: { field: 'power.url', error: /without a \?query/ } },
  { name: 'another driver', input: { driver: 'tasmota', url: 'http://10.0.0.8', generation: 1 }, expect: { field: 'power.driver', error: /must be "shelly"/ } },
  { name: 'an unknown key', input: { url: 'http://10.0.0.8', generation: 1, relay: 0 }, expect: { field: 'power.relay', error: /not a shelly setting/ } },
];

settingsTable('parseShellySettings', parseShellySettings, settingsCases);
