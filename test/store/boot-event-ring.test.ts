import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BootEvent } from '../../src/store/boot-event.js';
import { BootEventRing } from '../../src/store/boot-event-ring.js';

const mac = (n: number): string => `52:54:00:00:00:${n.toString(16).padStart(2, '0')}`;
const event = (m: number, i: number): BootEvent => ({
  time: new Date(Date.UTC(2024, 4, 1, 10, 0, i)).toISOString(),
  mac: mac(m),
  stage: 'dhcp',
  detail: `event ${i}`,
});
const details = (events: readonly BootEvent[]): string[] => events.map((e) => e.detail);

test('keeps the last N events per machine, newest last', () => {
  const ring = new BootEventRing(3, 10);
  for (let i = 1; i <= 5; i++) ring.add(event(1, i));
  ring.add(event(2, 100));
  assert.deepEqual(details(ring.recent(mac(1))), ['event 3', 'event 4', 'event 5']);
  assert.deepEqual(details(ring.recent(mac(2))), ['event 100']);
  assert.deepEqual(ring.recent(mac(3)), []);
});

const limits: readonly [number, string[]][] = [
  [1, ['event 5']],
  [2, ['event 4', 'event 5']],
  [2.7, ['event 4', 'event 5']],
  [50, ['event 1', 'event 2', 'event 3', 'event 4', 'event 5']],
  [0, []],
  [-1, []],
  [Number.NaN, []],
];
for (const [limit, expected] of limits) {
  test(`recent() with limit ${limit}`, () => {
    const ring = new BootEventRing(10, 10);
    for (let i = 1; i <= 5; i++) ring.add(event(1, i));
    assert.deepEqual(details(ring.recent(mac(1), limit)), expected);
  });
}

test('recent() returns a copy that later events do not change', () => {
  const ring = new BootEventRing(10, 10);
  ring.add(event(1, 1));
  const seen = ring.recent(mac(1));
  ring.add(event(1, 2));
  assert.deepEqual(details(seen), ['event 1']);
});

test('macs() lists machines least recently active first', () => {
  const ring = new BootEventRing(10, 10);
  ring.add(event(1, 1));
  ring.add(event(2, 2));
  ring.add(event(3, 3));
  ring.add(event(1, 4));
  assert.deepEqual(ring.macs(), [mac(2), mac(3), mac(1)]);
});

test('past the machine limit, the least recently active machine is forgotten', () => {
  const ring = new BootEventRing(10, 2);
  ring.add(event(1, 1));
  ring.add(event(2, 2));
  ring.add(event(1, 3));
  ring.add(event(3, 4));
  assert.deepEqual(ring.macs(), [mac(1), mac(3)]);
  assert.deepEqual(ring.recent(mac(2)), []);
  assert.deepEqual(details(ring.recent(mac(1))), ['event 1', 'event 3']);
});
