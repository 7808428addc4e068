// MACHINE arguments: MACs in any spelling, exact names, ambiguous and unknown names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveMachineRef, type MachineRef } from '../../src/cli/machine-ref.js';

const machines = [
  { mac: '52:54:00:00:00:01', name: 'nuc' },
  { mac: '52:54:00:00:00:02', name: 'pi' },
  { mac: '52:54:00:00:00:03', name: 'pi' },
  { mac: '52:54:00:00:00:04', name: 'Rack 2' },
  { mac: '52:54:00:00:00:05' },
  // A name spelled like another machine's MAC: the MAC must still reach the machine that has it.
  { mac: '52:54:00:00:00:06', name: '52:54:00:00:00:01' },
];

const cases: ReadonlyArray<readonly [string, MachineRef | RegExp]> = [
  ['52:54:00:00:00:01', { ok: true, mac: '52:54:00:00:00:01' }],
  ['52-54-00-00-00-01', { ok: true, mac: '52:54:00:00:00:01' }],
  ['525400000001', { ok: true, mac: '52:54:00:00:00:01' }],
  ['52:54:00:AA:BB:CC', { ok: true, mac: '52:54:00:aa:bb:cc' }],
  [' 52:54:00:00:00:05 ', { ok: true, mac: '52:54:00:00:00:05' }],
  ['nuc', { ok: true, mac: '52:54:00:00:00:01' }],
  ['Rack 2', { ok: true, mac: '52:54:00:00:00:04' }],
  ['pi', /^"pi" names 2 machines \(52:54:00:00:00:02, 52:54:00:00:00:03\): give the MAC/],
  ['NUC', /^no machine named "NUC"; names match exactly, did you mean "nuc"\?$/],
  ['rack 2', /did you mean "Rack 2"/],
  ['desktop', /^no machine named "desktop" \(a machine is named by its MAC/],
  ['52:54:00:00:00', /^no machine named "52:54:00:00:00"/],
  ['', /^no machine given/],
];

test('resolveMachineRef', async (t) => {
  for (const [text, expected] of cases) {
    await t.test(JSON.stringify(text), () => {
      const got = resolveMachineRef(text, machines);
      if (expected instanceof RegExp) {
        assert.equal(got.ok, false);
        assert.match((got as { message: string }).message, expected);
      } else assert.deepEqual(got, expected);
    });
  }
});
