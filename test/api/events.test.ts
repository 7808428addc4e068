// REST API v1 live events (server-sent events): hello, boot and power events as they happen, cleanup on disconnect.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiHarness } from './api-harness.js';

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp, seen = ''): Promise<string> {
  const decoder = new TextDecoder();
  let text = seen;
  while (!pattern.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
    text += decoder.decode(value);
  }
  return text;
}

test('the event stream sends hello, then each boot and power event as it is published, and forgets the listener on disconnect', async (t) => {
  const h = await apiHarness(t);
  await h.login();
  const res = await h.call('GET', '/api/v1/events/stream');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
  const reader = res.body!.getReader();
  let text = await readUntil(reader, /event: hello\ndata: \{"heartbeatMs":15000\}\n\n/);
  assert.equal(h.bus.listeners, 1);
  h.bus.publish({ time: '2026-11-26T12:00:00.000Z', mac: '52:54:00:00:00:01', stage: 'dhcp', detail: 'DISCOVER' });
  h.bus.publish({ time: '2026-11-26T12:00:01.000Z', mac: '52:54:00:00:00:01', stage: 'power', detail: 'on by admin' });
  text = await readUntil(reader, /event: power\n/, text);
  const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => [m[1], JSON.parse(m[2]!)] as const);
  assert.deepEqual(
    events.map(([kind, data]) => [kind, data.stage ?? null, data.detail ?? null]),
    [
      ['hello', null, null],
      ['boot', 'dhcp', 'DISCOVER'],
      ['power', 'power', 'on by admin'],
    ],
  );
  await reader.cancel();
  for (let i = 0; i < 50 && h.bus.listeners > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(h.bus.listeners, 0, 'the listener was removed when the client went away');
});

test('the event stream needs a login like every other API route', async (t) => {
  const h = await apiHarness(t);
  assert.equal((await h.call('GET', '/api/v1/events/stream')).status, 401);
});

test('an idle stream gets a comment line as heartbeat', async () => {
  const { eventsRoutes } = await import('../../src/api/events-routes.js');
  const { createEventBus } = await import('../../src/live/event-bus.js');
  const bus = createEventBus();
  const res = await eventsRoutes(bus, null, 50).request('/events/stream');
  const reader = res.body!.getReader();
  const text = await readUntil(reader, /: heartbeat\n\n: heartbeat\n\n/);
  assert.match(text, /^event: hello\n/);
  await reader.cancel();
});

test('recent events of all machines, newest last, limited', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:01', power: { driver: 'manual' } } });
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:02', power: { driver: 'manual' } } });
  await h.call('POST', '/api/v1/machines/52:54:00:00:00:01/power', { body: { action: 'on' } });
  h.setNow(Date.parse('2026-11-26T12:00:05Z'));
  await h.call('POST', '/api/v1/machines/52:54:00:00:00:02/power', { body: { action: 'off' } });
  const all = (await (await h.call('GET', '/api/v1/events')).json()) as Array<{ mac: string; fields: { action: string } }>;
  assert.deepEqual(all.map((e) => [e.mac, e.fields.action]), [['52:54:00:00:00:01', 'on'], ['52:54:00:00:00:02', 'off']]);
  const last = (await (await h.call('GET', '/api/v1/events?limit=1')).json()) as Array<{ mac: string }>;
  assert.deepEqual(last.map((e) => e.mac), ['52:54:00:00:00:02']);
  const bad = await h.call('GET', '/api/v1/events?limit=0');
  assert.equal(((await bad.json()) as { error: { field: string } }).error.field, 'limit');
});
