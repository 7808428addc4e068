// Interface binding (SO_BINDTODEVICE via the addon): a client behind another interface is neither heard nor answered.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { createNetns } from '../support/netns.js';
import type { Netns } from '../support/netns.js';
import { Teardown } from '../support/teardown.js';
import { addVeth } from './support/veth.js';
import { requireAddon } from './support/addon.js';
import { requireTools } from './support/require-tool.js';
import { eventsOf, runUdhcpc, startServerFixture } from './support/segment.js';
import type { Segment } from './support/segment.js';

const MAC_A = '02:b7:02:00:00:0a';
const MAC_B = '02:b7:02:00:00:0b';
const pool = { first: '198.18.0.100', last: '198.18.0.150', netmask: '255.255.255.0', leaseSeconds: 600 };

interface TwoLegs {
  readonly server: Netns;
  /** The segments as runUdhcpc sees them: client A behind bs0, client B behind bs1. */
  readonly a: Segment;
  readonly b: Segment;
}

async function twoLegs(t: TestContext): Promise<TwoLegs> {
  const teardown = new Teardown();
  t.after(() => teardown.run());
  const dir = mkdtempSync(join(tmpdir(), 'bdhcp-bind-'));
  teardown.defer('scratch folder', () => rmSync(dir, { recursive: true, force: true }));
  const namespace = async (): Promise<Netns> => {
    const ns = await createNetns();
    teardown.defer(`namespace ${ns.name}`, () => ns.destroy());
    return ns;
  };
  const server = await namespace();
  const clientA = await namespace();
  const clientB = await namespace();
  await addVeth({ ns: server, ifname: 'bs0', address: '198.18.0.1/24' }, { ns: clientA, ifname: 'bc0', mac: MAC_A });
  await addVeth({ ns: server, ifname: 'bs1', address: '198.18.1.1/24' }, { ns: clientB, ifname: 'bc0', mac: MAC_B });
  const leg = (client: Netns, serverIf: string): Segment => ({ server, client, serverIf, clientIf: 'bc0', dir, destroy: async () => undefined });
  return { server, a: leg(clientA, 'bs0'), b: leg(clientB, 'bs1') };
}

describe('binding the DHCP sockets to one interface', () => {
  test('bound to bs0: the client behind bs1 is neither heard nor answered; the one behind bs0 is', async (t) => {
    if (!requireTools(t, ['ip', 'busybox']) || !requireAddon(t)) return;
    const legs = await twoLegs(t);
    const child = await startServerFixture(legs.server, { mode: 'full', interfaceName: 'bs0', serverAddress: '198.18.0.1', pool, logLevel: 'info' });
    t.after(() => child.stop());
    assert.match(child.output(), /"boundToDevice":true/);

    assert.equal(await runUdhcpc(legs.b, { tries: 3 }), null, 'no lease through bs1');
    const lease = await runUdhcpc(legs.a);
    assert.ok(lease !== null && lease.ip.startsWith('198.18.0.'), 'lease through bs0');
    const macs = new Set(eventsOf(child).map((e) => e.mac));
    assert.equal(macs.has(MAC_B), false, 'the server never saw the DISCOVERs from bs1');
    assert.equal(macs.has(MAC_A), true);
  });

  test('control: unbound (interfaceName null), the same server does hear the client behind bs1', async (t) => {
    if (!requireTools(t, ['ip', 'busybox'])) return;
    const legs = await twoLegs(t);
    const child = await startServerFixture(legs.server, { mode: 'full', interfaceName: null, serverAddress: '198.18.0.1', pool });
    t.after(() => child.stop());
    await runUdhcpc(legs.b, { tries: 2 });
    assert.ok(eventsOf(child).some((e) => e.mac === MAC_B), 'without the binding the DISCOVER from bs1 reaches the server');
  });
});
