// Tests for naming our namespaces and picking the stale ones out of `ip netns list` output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { creatorPid, netnsName, parseNetnsList, staleNamespaces } from './netns-names.js';

test('parseNetnsList reads both forms iproute2 prints (with and without a peer id)', () => {
  const text = 'bramble-test-9440-2 (id: 1)\nbramble-test-9440-1\nother-team-ns (id: 0)\n\n';
  assert.deepEqual(parseNetnsList(text), ['bramble-test-9440-2', 'bramble-test-9440-1', 'other-team-ns']);
  assert.deepEqual(parseNetnsList(''), []);
});

test('creatorPid recognises only names this harness makes', () => {
  const cases: Array<[string, number | undefined]> = [
    [netnsName(1234, 7), 1234],
    ['bramble-test-99-1', 99],
    ['bramble-test-abc-1', undefined],
    ['bramble-test-99', undefined],
    ['dhcp-capture-99-1', undefined],
    ['xbramble-test-99-1', undefined],
  ];
  for (const [name, pid] of cases) assert.equal(creatorPid(name), pid, name);
});

test('staleNamespaces keeps live runs and other people’s namespaces', () => {
  const alive = new Set([200]);
  const names = ['bramble-test-100-1', 'bramble-test-100-2', 'bramble-test-200-1', 'someone-else', 'bramble-test-x-1'];
  assert.deepEqual(
    staleNamespaces(names, (pid) => alive.has(pid)),
    ['bramble-test-100-1', 'bramble-test-100-2'],
  );
});
