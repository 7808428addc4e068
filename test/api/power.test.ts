// REST API v1 power actions end to end with a fake Tasmota plug shaped like its documented API; events say who asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTasmota } from '../power/support/fake-tasmota.js';
import { apiHarness } from './api-harness.js';

type Problem = { error: { code: string; field?: string } };

test('power on and off through a Tasmota plug: the plug switches, the answer has its state, events name the user', async (t) => {
  const h = await apiHarness(t);
  const plug = await startTasmota(t, { password: 'plug-secret' });
  const csrf = await h.login();
  const headers = { 'x-csrf-token': csrf };
  const power = { driver: 'tasmota', url: plug.url, user: 'admin', password: 'plug-secret' };
  assert.equal((await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:01', power }, headers })).status, 201);
  const on = await h.call('POST', '/api/v1/machines/52:54:00:00:00:01/power', { body: { action: 'on' }, headers });
  assert.equal(on.status, 200);
  assert.deepEqual(((await on.json()) as { ok: boolean; state: string }).state, 'on');
  assert.deepEqual(plug.power, [true]);
  const off = await h.call('POST', '/api/v1/machines/52:54:00:00:00:01/power', { body: { action: 'off' }, headers });
  assert.equal(((await off.json()) as { state: string }).state, 'off');
  assert.deepEqual(plug.power, [false]);
  const status = await h.call('POST', '/api/v1/machines/52:54:00:00:00:01/power', { body: { action: 'status' }, headers });
  assert.equal(((await status.json()) as { state: string }).state, 'off');
  const events = (await (await h.call('GET', '/api/v1/machines/52:54:00:00:00:01/events')).json()) as Array<{ stage: string; detail: string; fields: Record<string, unknown> }>;
  const power_ = events.filter((e) => e.stage === 'power');
  assert.deepEqual(power_.map((e) => e.fields.action), ['on', 'off'], 'status checks are not put on the timeline');
  assert.ok(power_.every((e) => e.fields.by === 'admin (session)' && e.fields.driver === 'tasmota' && e.fields.ok === true));
  assert.ok(!JSON.stringify(events).includes('plug-secret'), 'the plug password is in no event');
});

test('a plug that refuses the credentials gives 502 AUTH_FAILED, recorded as a failed action', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  const plug = await startTasmota(t, { password: 'right' });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:02', power: { driver: 'tasmota', url: plug.url, user: 'admin', password: 'wrong' } } });
  const res = await h.call('POST', '/api/v1/machines/52:54:00:00:00:02/power', { body: { action: 'on' } });
  assert.equal(res.status, 502);
  assert.equal(((await res.json()) as Problem).error.code, 'AUTH_FAILED');
  assert.deepEqual(plug.power, [false]);
  const [event] = (await (await h.call('GET', '/api/v1/machines/52:54:00:00:00:02/events')).json()) as Array<{ fields: Record<string, unknown> }>;
  assert.equal(event!.fields.code, 'AUTH_FAILED');
  assert.equal(event!.fields.by, 'admin (control-socket)');
});

test('a plug that never answers gives 504 TIMEOUT within the service deadline, not a hang', async (t) => {
  const { createServer } = await import('node:http');
  const silent = createServer(() => undefined); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const h = await apiHarness(t, { trusted: true, powerTimeoutMs: 500 });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:03', power: { driver: 'tasmota', url: `http://127.0.0.1:${port}` } } });
  const res = await h.call("POST", "/api/v1/machines/52:54:00:00:00:03/power", { body: { action: "on" } });
  assert.equal(res.status, 504);
  assert.equal(((await res.json()) as Problem).error.code, 'TIMEOUT');
});

test('power refusals: unknown action names the field, no settings and unsupported actions are 409, unknown machine 404', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:04' } });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:05', power: { driver: 'manual', instructions: 'button on the back' } } });
  const bad = await h.call('POST', '/api/v1/machines/52:54:00:00:00:05/power', { body: { action: 'explode' } });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as Problem).error.field, 'action');
  const none = await h.call('POST', '/api/v1/machines/52:54:00:00:00:04/power', { body: { action: 'on' } });
  assert.equal(((await none.json()) as Problem).error.code, 'NO_POWER_SETTINGS');
  const unsupported = await h.call('POST', '/api/v1/machines/52:54:00:00:00:05/power', { body: { action: 'status' } });
  assert.equal(unsupported.status, 409);
  assert.equal(((await unsupported.json()) as Problem).error.code, 'UNSUPPORTED');
  const manual = await h.call('POST', '/api/v1/machines/52:54:00:00:00:05/power', { body: { action: 'on' } });
  assert.match(((await manual.json()) as { detail: string }).detail, /Switch it on by hand: button on the back/);
  assert.equal((await h.call('POST', '/api/v1/machines/52:54:00:00:00:06/power', { body: { action: 'on' } })).status, 404);
});

test('each machine says what its power driver can do, as the driver declares it', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:07', power: { driver: 'wol' } } });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:08', power: { driver: 'webhook', onUrl: 'http://198.18.0.9/on', offUrl: 'http://198.18.0.9/off' } } });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:09' } });
  const machines = (await (await h.call('GET', '/api/v1/machines')).json()) as Array<{ mac: string; powerCan?: string[] }>;
  assert.deepEqual(
    machines.map((m) => [m.mac, m.powerCan]),
    [
      ['52:54:00:00:00:07', ['on']],
      ['52:54:00:00:00:08', ['on', 'off', 'cycle']],
      ['52:54:00:00:00:09', undefined],
    ],
  );
});
