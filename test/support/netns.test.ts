// Tests for namespaces and the test LAN with real iproute2: hosts reach the server over the bridge, and
// nothing is left behind (including namespaces of crashed runs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { createNetns, sweepStaleNetns } from './netns.js';
import { netnsName, parseNetnsList } from './netns-names.js';
import { requireRoot, requireTool } from './require-tool.js';
import { runCommand } from './run-command.js';
import { Teardown } from './teardown.js';
import { createTestLan, LAN_SERVER_ADDRESS } from './test-lan.js';

async function namespaces(): Promise<string[]> {
  return parseNetnsList((await runCommand(['ip', 'netns', 'list'])).stdout);
}

test('a host on the test LAN reaches the server address, and destroy removes every namespace', async (t) => {
  if (!requireRoot(t) || !requireTool(t, 'ip', 'iproute2') || !requireTool(t, 'busybox', 'busybox-static')) return;
  const teardown = new Teardown();
  t.after(() => teardown.run());
  const lan = await createTestLan();
  teardown.defer('destroy lan', () => lan.destroy());
  const host = await lan.addHost('198.18.0.2');
  await lan.addTap('tap0');

  const ping = await host.run(['busybox', 'ping', '-c', '1', '-W', '5', LAN_SERVER_ADDRESS]);
  assert.match(ping.stdout, /1 packets received/);
  const links = (await lan.ns.run(['ip', '-o', 'link', 'show', 'master', lan.bridge])).stdout;
  assert.match(links, /tap0/);
  assert.match(links, /vh1@/);

  const before = await namespaces();
  assert.ok(before.includes(lan.ns.name) && before.includes(host.name));
  await lan.destroy();
  const after = await namespaces();
  assert.ok(!after.includes(lan.ns.name) && !after.includes(host.name));
});

test('the sweep removes namespaces of dead test processes and leaves live ones', async (t) => {
  if (!requireRoot(t) || !requireTool(t, 'ip', 'iproute2')) return;
  // A pid that certainly belongs to no process any more: a child that has exited and been reaped.
  const dead = spawnSync('true').pid;
  assert.ok(dead !== undefined);
  const staleName = netnsName(dead, 1);
  await runCommand(['ip', 'netns', 'add', staleName]);
  t.after(() => runCommand(['ip', 'netns', 'del', staleName]).catch(() => undefined));
  const live = await createNetns();
  t.after(() => live.destroy());

  const swept = await sweepStaleNetns();
  assert.ok(swept.includes(staleName));
  assert.ok(!swept.includes(live.name));
  const left = await namespaces();
  assert.ok(!left.includes(staleName));
  assert.ok(left.includes(live.name));
});
