// The power service: driver capabilities, the timeout with its grace, and Wake-on-LAN confirmation by sighting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEventBus } from '../../src/live/event-bus.js';
import { silentLogger } from '../../src/log/logger.js';
import type { PowerAction, PowerDriver, PowerResult } from '../../src/power/driver.js';
import { createPowerService } from '../../src/power/power-service.js';
import type { BootStage } from '../../src/store/boot-event.js';
import type { Store } from '../../src/store/store.js';
import type { Machine } from '../../src/store/schema.js';

const MAC = '52:54:00:aa:bb:cc';

function service(driver: PowerDriver, options: { timeoutMs?: number; wakeDeadlineMs?: number } = {}) {
  const machine: Machine = { mac: MAC, firstSeen: 'x', lastSeen: 'x', power: { driver: driver.kind } };
  const store = { read: () => ({ machines: [machine] }) } as unknown as Store;
  const bus = createEventBus();
  const recorded: Array<{ stage: BootStage; detail: string; fields: Record<string, unknown> }> = [];
  const power = createPowerService({
    store,
    bus,
    record: (mac, stage, detail, fields) => {
      recorded.push({ stage, detail, fields });
      bus.publish({ time: new Date().toISOString(), mac, stage, detail, fields });
    },
    makeDriver: () => ({ ok: true, driver }),
    log: silentLogger(),
    ...options,
  });
  return { power, bus, recorded };
}

const fakeWol = (): PowerDriver => ({
  kind: 'wol',
  can: new Set<PowerAction>(['on']),
  run: async () => ({ ok: true, state: 'unknown', detail: 'magic packet sent' }),
});

test('a wake is confirmed by the first boot request from that MAC: "woke after N s"', async (t) => {
  const { power, bus, recorded } = service(fakeWol());
  t.after(() => power.close());
  const outcome = await power.run(MAC, 'on', 'admin (session)');
  assert.equal(outcome.kind, 'done');
  // Events from other machines and power events do not count as a sighting.
  bus.publish({ time: 'x', mac: '52:54:00:00:00:99', stage: 'dhcp', detail: 'DISCOVER' });
  bus.publish({ time: 'x', mac: MAC, stage: 'power', detail: 'something' });
  assert.equal(recorded.filter((r) => r.fields.result === 'woke').length, 0);
  bus.publish({ time: 'x', mac: MAC, stage: 'dhcp', detail: 'DISCOVER' });
  const woke = recorded.find((r) => r.fields.result === 'woke');
  assert.ok(woke, JSON.stringify(recorded));
  assert.match(woke.detail, /^woke after \d+(\.\d)? s \(first sign: dhcp\)$/);
  assert.equal(typeof woke.fields.wakeSeconds, 'number');
  assert.equal(bus.listeners, 0, 'the watch ended and left the bus');
});

test('a wake with no sighting before the deadline records "wake failed"', async (t) => {
  const { power, recorded, bus } = service(fakeWol(), { wakeDeadlineMs: 200 });
  t.after(() => power.close());
  await power.run(MAC, 'on', 'cli');
  await new Promise((r) => setTimeout(r, 400));
  const failed = recorded.find((r) => r.fields.result === 'wake-failed');
  assert.ok(failed);
  assert.match(failed.detail, /^wake failed: not seen within 0.2 s$/);
  assert.equal(bus.listeners, 0);
});

test('a driver that ignores its signal is answered TIMEOUT; one that reacts in the grace period gives its own message', async (t) => {
  const stubborn: PowerDriver = { kind: 'webhook', can: new Set<PowerAction>(['off']), run: () => new Promise<PowerResult>(() => undefined) };
  const { power } = service(stubborn, { timeoutMs: 100 });
  t.after(() => power.close());
  const outcome = await power.run(MAC, 'off', 'cli');
  assert.deepEqual(outcome, { kind: 'done', result: { ok: false, code: 'TIMEOUT', message: 'no answer within 0.1 s' } });

  const polite: PowerDriver = {
    kind: 'webhook',
    can: new Set<PowerAction>(['cycle']),
    run: (_action, signal) =>
      new Promise<PowerResult>((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, code: 'TIMEOUT', message: 'switched off, but not on again' }))),
  };
  const second = service(polite, { timeoutMs: 100 });
  t.after(() => second.power.close());
  const result = await second.power.run(MAC, 'cycle', 'cli');
  assert.deepEqual(result, { kind: 'done', result: { ok: false, code: 'TIMEOUT', message: 'switched off, but not on again' } });
});

test('an action the driver does not declare is refused before the driver runs', async (t) => {
  let ran = false;
  const onlyOn: PowerDriver = { kind: 'wol', can: new Set<PowerAction>(['on']), run: async () => ((ran = true), { ok: true, state: 'unknown', detail: '' }) };
  const { power } = service(onlyOn);
  t.after(() => power.close());
  assert.deepEqual(await power.run(MAC, 'off', 'cli'), { kind: 'unsupported', driver: 'wol', can: ['on'] });
  assert.equal(ran, false);
});
