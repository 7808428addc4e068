// What `machine ls` and `machine show` print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignment, machineDetails, machineTable, type MachineView } from '../../src/cli/machine-text.js';

const pc: MachineView = {
  mac: '52:54:00:00:00:01',
  name: 'nuc',
  firstSeen: '2025-01-01T00:00:00.000Z',
  lastSeen: '2025-01-02T00:00:00.000Z',
  tags: ['lab', 'k3s'],
  profile: 'debian',
  power: { driver: 'tasmota', url: 'http://198.18.0.9', password: '********' },
  state: 'off',
  events: [
    { time: '2025-01-02T00:00:00.000Z', mac: '52:54:00:00:00:01', stage: 'dhcp', detail: 'discover' },
    { time: '2025-01-02T00:00:01.000Z', mac: '52:54:00:00:00:01', stage: 'power', detail: 'off by admin (control-socket): POWER=OFF' },
  ],
};

test('assignment', () => {
  const cases: ReadonlyArray<readonly [{ profile?: string; bootOnce?: string }, string]> = [
    [{}, ''],
    [{ profile: 'debian' }, 'debian'],
    [{ bootOnce: 'memtest' }, 'memtest (once)'],
    [{ profile: 'debian', bootOnce: 'memtest' }, 'memtest (once), then debian'],
  ];
  for (const [m, expected] of cases) assert.equal(assignment(m), expected);
});

test('machineTable has STATE and TAGS columns', () => {
  const [header, row] = machineTable([pc]).split('\n');
  assert.match(header!, /^MAC\s+NAME\s+STATE\s+TAGS\s+IP/);
  assert.match(row!, /^52:54:00:00:00:01\s+nuc\s+off\s+lab,k3s\s+/);
  assert.match(row!, /dhcp > power$/);
});

test('machineDetails shows power settings on one line and every event', () => {
  const text = machineDetails(pc);
  assert.match(text, /^tags: lab, k3s$/m);
  assert.match(text, /^power: tasmota url=http:\/\/198\.18\.0\.9 password=\*{8}$/m);
  assert.match(text, /^state: off$/m);
  assert.match(text, /^ {2}2025-01-02T00:00:01\.000Z {2}power {3}off by admin/m);
  assert.match(machineDetails({ ...pc, events: [] }), /^events: none yet$/m);
});
