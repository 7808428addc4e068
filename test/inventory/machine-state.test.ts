// Machine state from a record and its recent events: one row per situation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineState, type MachineState } from '../../src/inventory/machine-state.js';
import type { BootEvent } from '../../src/store/boot-event.js';
import type { Machine } from '../../src/store/schema.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const base: Machine = { mac: '52:54:00:00:00:01', firstSeen: 'x', lastSeen: 'x' };
const ev = (minutesAgo: number, stage: BootEvent['stage'], fields?: BootEvent['fields']): BootEvent => ({
  time: new Date(NOW - minutesAgo * 60_000).toISOString(),
  mac: base.mac,
  stage,
  detail: '',
  ...(fields === undefined ? {} : { fields }),
});

const rows: ReadonlyArray<[string, Machine, BootEvent[], MachineState]> = [
  ['never booted, nothing assigned', base, [], 'discovered'],
  ['never booted, a profile assigned', { ...base, profile: 'debian' }, [], 'ready'],
  ['DHCP a minute ago', base, [ev(1, 'dhcp')], 'booting'],
  ['kernel fetched a minute ago', base, [ev(2, 'dhcp'), ev(1, 'kernel')], 'booting'],
  ['boot requests went quiet 11 minutes ago', base, [ev(11, 'kernel')], 'unknown'],
  ['agent reported after booting', base, [ev(3, 'dhcp'), ev(2, 'note', { agent: true })], 'running'],
  ['root mounted', base, [ev(3, 'kernel'), ev(2, 'root')], 'running'],
  ['booting again after running', base, [ev(30, 'note', { agent: true }), ev(1, 'dhcp')], 'booting'],
  ['switched off by Bramble', base, [ev(30, 'note', { agent: true }), ev(1, 'power', { action: 'off', ok: true })], 'off'],
  ['switched on by a plug', base, [ev(1, 'power', { action: 'on', ok: true, state: 'on' })], 'booting'],
  ['a failed power action changes nothing', base, [ev(5, 'note', { agent: true }), ev(1, 'power', { action: 'off', ok: false })], 'running'],
  ['wake confirmed', base, [ev(2, 'power', { action: 'on', ok: true }), ev(1, 'power', { result: 'woke' })], 'booting'],
  ['wake not answered', base, [ev(4, 'power', { action: 'on', ok: true }), ev(1, 'power', { result: 'wake-failed' })], 'off'],
  ['a plain note says nothing', { ...base, profile: 'x' }, [ev(1, 'note')], 'ready'],
];

for (const [name, machine, events, expected] of rows) {
  test(`state: ${name} -> ${expected}`, () => {
    assert.equal(machineState(machine, events, NOW), expected);
  });
}
