import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { createWebhookDriver, parseWebhookSettings } from '../../src/power/webhook.js';
import { waitUntil } from '../support/wait-until.js';
import { driverFrom, failed, settingsTable, type SettingsCase } from './support/driver-checks.js';
import { closedPortUrl, startDevice, type Received } from './support/fake-device.js';

const signal = () => AbortSignal.timeout(10_000);
const token = 'tok-3b1f9c';

const driverFor = (input: Record<string, unknown>) => driverFrom(parseWebhookSettings, createWebhookDriver, input);

/**
 * A home-automation style endpoint: POST /machines/<secret id>/on|off switches, GET .../state answers
 * {"status": "running"|"stopped"}; requests without the expected Authorization get 401.
 */
async function startHook(t: TestContext, authorization: string | undefined, answer?: (req: Received, res: ServerResponse) => boolean) {
  const machine = { on: false, changes: [] as string[] };
  const device = await startDevice(t, (req, res) => {
    if (authorization !== undefined && req.headers.authorization !== authorization) return void res.writeHead(401).end('unauthorized');
    if (answer?.(req, res) === true) return;
    if (req.method === 'POST' && (req.path === '/machines/s3cr3t-id/on' || req.path === '/machines/s3cr3t-id/off')) {
      machine.on = req.path.endsWith('/on');
      machine.changes.push(machine.on ? 'on' : 'off');
    } else if (req.method === 'GET' && req.path === '/machines/s3cr3t-id/state') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: machine.on ? 'running' : 'stopped' }));
    } else return void res.writeHead(404).end('no such hook');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  const urls = {
    onUrl: `${device.url}/machines/s3cr3t-id/on?source=bramble`,
    offUrl: `${device.url}/machines/s3cr3t-id/off`,
    statusUrl: `${device.url}/machines/s3cr3t-id/state`,
    onPattern: 'status.*:.*running',
    offPattern: 'status.*:.*stopped',
  };
  return { ...device, machine, urls };
}

test('on, status, off with a Bearer token: POSTs and a GET matched against the patterns', async (t) => {
  const hook = await startHook(t, `Bearer ${token}`);
  const driver = driverFor({ ...hook.urls, token });
  assert.equal(driver.kind, 'webhook');
  assert.deepEqual([...driver.can].sort(), ['cycle', 'off', 'on', 'status']);

  assert.deepEqual(await driver.run('on', signal()), { ok: true, state: 'unknown', detail: `webhook on URL at ${hook.url}: POST -> HTTP 200` });
  assert.equal(hook.machine.on, true);
  assert.deepEqual(await driver.run('status', signal()), { ok: true, state: 'on', detail: `webhook status URL at ${hook.url}: GET -> matches onPattern` });
  assert.deepEqual(await driver.run('off', signal()), { ok: true, state: 'unknown', detail: `webhook off URL at ${hook.url}: POST -> HTTP 200` });
  assert.deepEqual(await driver.run('status', signal()), { ok: true, state: 'off', detail: `webhook status URL at ${hook.url}: GET -> matches offPattern` });

  assert.deepEqual(
    hook.received.map((r) => [r.method, r.target, r.body]),
    [
      ['POST', '/machines/s3cr3t-id/on?source=bramble', ''],
      ['GET', '/machines/s3cr3t-id/state', ''],
      ['POST', '/machines/s3cr3t-id/off', ''],
      ['GET', '/machines/s3cr3t-id/state', ''],
    ],
  );
  assert.ok(hook.received.every((r) => r.headers.authorization === `Bearer ${token}`));
});

test('Basic auth: user and password in the RFC 7617 header', async (t) => {
  const basic = `Basic ${Buffer.from('bramble:hunter2').toString('base64')}`;
  const hook = await startHook(t, basic);
  const result = await driverFor({ ...hook.urls, user: 'bramble', password: 'hunter2' }).run('on', signal());
  assert.equal(result.ok, true);
  assert.equal(hook.received[0]?.headers.authorization, basic);
});

test('a wrong token: AUTH_FAILED; neither the token nor the secret path is in the message', async (t) => {
  const hook = await startHook(t, `Bearer ${token}`);
  const result = failed(await driverFor({ ...hook.urls, token: 'wrong-token' }).run('on', signal()));
  assert.equal(result.code, 'AUTH_FAILED');
  assert.equal(result.message, `webhook on URL at ${hook.url}: refused the request (HTTP 401); check the user and password, or token`);
  assert.equal(hook.machine.on, false);
});

test('cycle: off, the configured wait, then on', async (t) => {
  const hook = await startHook(t, undefined);
  hook.machine.on = true;
  const result = await driverFor({ ...hook.urls, cycleOffSeconds: 1 }).run('cycle', signal());
  assert.deepEqual(result, {
    ok: true,
    state: 'unknown',
    detail: `webhook off URL at ${hook.url}: POST -> HTTP 200; 1 s later webhook on URL at ${hook.url}: POST -> HTTP 200`,
  });
  assert.deepEqual(hook.received.map((r) => r.path), ['/machines/s3cr3t-id/off', '/machines/s3cr3t-id/on']);
  assert.deepEqual(hook.machine.changes, ['off', 'on']);
  assert.equal(hook.machine.on, true);
});

test('cycle interrupted by the signal while off: TIMEOUT that says the machine was left off', async (t) => {
  const hook = await startHook(t, undefined);
  hook.machine.on = true;
  const controller = new AbortController();
  const pending = createWebhookDriver({ ...hook.urls, cycleOffSeconds: 10, timeoutSeconds: 5 }).run('cycle', controller.signal);
  await waitUntil(async () => hook.received.length === 1, { what: 'the off request', timeoutMs: 5000, intervalMs: 10 });
  controller.abort();
  const result = failed(await pending);
  assert.equal(result.code, 'TIMEOUT');
  assert.match(result.message, /^switched off, but the power action's time ran out before switching back on/);
  assert.equal(hook.machine.on, false);
  assert.equal(hook.received.length, 1);
});

test('cycle whose on request fails: the failure says the machine was switched off', async (t) => {
  const hook = await startHook(t, undefined, (req, res) => {
    if (!req.path.endsWith('/on')) return false;
    res.writeHead(503).end('busy');
    return true;
  });
  const result = failed(await driverFor({ ...hook.urls, cycleOffSeconds: 1 }).run('cycle', signal()));
  assert.equal(result.code, 'BAD_RESPONSE');
  assert.equal(result.message, `switched off, but switching back on failed: webhook on URL at ${hook.url}: HTTP 503: busy`);
});

test('without a status URL the driver declares no status and refuses it', async (t) => {
  const hook = await startHook(t, undefined);
  const driver = driverFor({ onUrl: hook.urls.onUrl, offUrl: hook.urls.offUrl });
  assert.deepEqual([...driver.can].sort(), ['cycle', 'off', 'on']);
  const result = failed(await driver.run('status', signal()));
  assert.equal(result.code, 'UNSUPPORTED');
  assert.equal(hook.received.length, 0);
});

for (const [name, body, why] of [
  ['neither pattern', '{"status": "starting"}', 'matches neither onPattern nor offPattern'],
  ['both patterns', '{"status": "running", "previous_status": "stopped"}', 'matches both onPattern and offPattern'],
] as const) {
  test(`a status answer matching ${name}: BAD_RESPONSE quoting it with the token blanked`, async (t) => {
    const hook = await startHook(t, undefined, (req, res) => {
      if (req.method !== 'GET') return false;
      res.writeHead(200).end(`${body} ${token}`);
      return true;
    });
    const result = failed(await driverFor({ ...hook.urls, token }).run('status', signal()));
    assert.equal(result.code, 'BAD_RESPONSE');
    assert.equal(result.message, `webhook status URL at ${hook.url}: answer ${why}: ${body} ***`);
  });
}

test('nothing listening: UNREACHABLE', async () => {
  const url = await closedPortUrl();
  const result = failed(await driverFor({ onUrl: `${url}/on`, offUrl: `${url}/off` }).run('on', signal()));
  assert.equal(result.code, 'UNREACHABLE');
});

const urls = { onUrl: 'https://ha.lan/api/webhook/on-1?x=1', offUrl: 'https://ha.lan/api/webhook/off-1' };
const settingsCases: readonly SettingsCase[] = [
  { name: 'on and off only', input: urls, expect: { ...urls, cycleOffSeconds: 5, timeoutSeconds: 5 } },
  {
    name: 'status with patterns, Basic, the driver name',
    input: { driver: 'webhook', ...urls, statusUrl: 'http://ha.lan/s', onPattern: 'on', offPattern: 'off', user: 'u', password: 'p', cycleOffSeconds: '8' },
    expect: { ...urls, statusUrl: 'http://ha.lan/s', onPattern: 'on', offPattern: 'off', user: 'u', password: 'p', cycleOffSeconds: 8, timeoutSeconds: 5 },
  },
  { name: 'a gap longer than the power service waits', input: { ...urls, cycleOffSeconds: 11 }, expect: { field: 'power.cycleOffSeconds', error: /1 to 10/ } },
  { name: 'a token', input: { ...urls, token: 't' }, expect: { ...urls, token: 't', cycleOffSeconds: 5, timeoutSeconds: 5 } },
  { name: 'no on URL', input: { offUrl: urls.offUrl }, expect: { field: 'power.onUrl', error: /is required/ } },
  { name: 'a file URL', input: { ...urls, offUrl: 'file:///etc/passwd' }, expect: { field: 'power.offUrl', error: /http/ } },
  { name: 'credentials in a URL', input: { ...urls, onUrl: 'https://u:p@ha.lan/on' }, expect: { field: 'power.onUrl', error: /must not carry credentials/ } },
  { name: 'status without patterns', input: { ...urls, statusUrl: 'http://ha.lan/s' }, expect: { field: 'power.onPattern', error: /required with statusUrl/ } },
  { name: 'status without an off pattern', input: { ...urls, statusUrl: 'http://ha.lan/s', onPattern: 'on' }, expect: { field: 'power.offPattern', error: /required with statusUrl/ } },
  { name: 'patterns without status', input: { ...urls, onPattern: 'on' }, expect: { field: 'power.onPattern', error: /only used with statusUrl/ } },
  { name: 'a pattern that does not compile', input: { ...urls, statusUrl: 'http://ha.lan/s', onPattern: 'status(', offPattern: 'x' }, expect: { field: 'power.onPattern', error: /not a valid regular expression/ } },
  { name: 'user without password', input: { ...urls, user: 'u' }, expect: { field: 'power.password', error: /required when a user/ } },
  { name: 'password without user', input: { ...urls, password: 'p' }, expect: { field: 'power.user', error: /required when a password/ } },
  { name: 'token and user', input: { ...urls, token: 't', user: 'u', password: 'p' }, expect: { field: 'power.token', error: /not both/ } },
  { name: 'a token with a newline', input: { ...urls, token: 'a\nb' }, expect: { field: 'power.token', error: /control characters/ } },
  { name: 'a token with a space', input: { ...urls, token: 'a b' }, expect: { field: 'power.token', error: /printable ASCII/ } },
  { name: 'a token beyond ASCII', input: { ...urls, token: 'jéton' }, expect: { field: 'power.token', error: /printable ASCII/ } },
  { name: 'a misspelt key', input: { ...urls, statusURL: 'http://ha.lan/s' }, expect: { field: 'power.statusURL', error: /not a webhook setting/ } },
];

settingsTable('parseWebhookSettings', parseWebhookSettings, settingsCases);
