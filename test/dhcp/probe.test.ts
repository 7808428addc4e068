// The startup probe finds the DHCP servers on a segment: dnsmasq as the home router, Bramble in proxy mode, or none.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import type { FoundDhcpServer } from '../../src/dhcp/probe.js';
import { startProcess } from '../support/managed-process.js';
import { requireAddon } from './support/addon.js';
import { requireTools } from './support/require-tool.js';
import { REPO_ROOT, SERVER_ADDRESS, createSegment, startServerFixture } from './support/segment.js';
import type { Segment } from './support/segment.js';

const MAC = '02:b7:03:00:00:01';

async function segment(t: TestContext): Promise<Segment> {
  const seg = await createSegment({ clientMac: MAC });
  t.after(() => seg.destroy());
  return seg;
}

async function probe(seg: Segment, timeoutMs = 2000): Promise<FoundDhcpServer[]> {
  const child = startProcess(
    seg.client.argv([process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test/dhcp/fixtures/probe.ts'), JSON.stringify({ interfaceName: seg.clientIf, mac: MAC, timeoutMs })]),
    { label: 'probe fixture', cwd: REPO_ROOT },
  );
  try {
    const match = await child.waitFor(/^FOUND (.*)$/m, 30_000);
    return JSON.parse(match[1]!) as FoundDhcpServer[];
  } finally {
    await child.stop();
  }
}

describe('probeDhcpServers', () => {
  test('finds dnsmasq and what it offers', async (t) => {
    if (!requireTools(t, ['ip', 'dnsmasq']) || !requireAddon(t)) return;
    const seg = await segment(t);
    const dnsmasq = startProcess(
      seg.server.argv([
        'dnsmasq', '-d', '-C', '/dev/null', '--port=0', '--bind-interfaces', `--interface=${seg.serverIf}`,
        '--dhcp-range=198.18.0.100,198.18.0.150', `--dhcp-leasefile=${join(seg.dir, 'dnsmasq.leases')}`,
        `--pid-file=${join(seg.dir, 'dnsmasq.pid')}`, '--user=root', '--group=root',
      ]),
      { label: 'dnsmasq' },
    );
    t.after(() => dnsmasq.stop());
    await dnsmasq.waitFor(/DHCP, IP range/, 10_000);
    // dnsmasq pings an address (about 3 s) before it first offers it, as many home routers do.
    const found = await probe(seg, 5000);
    assert.equal(found.length, 1, JSON.stringify(found));
    const [server] = found;
    assert.equal(server!.server, SERVER_ADDRESS);
    assert.equal(server!.proxy, false);
    assert.match(server!.offeredAddress ?? '', /^198\.18\.0\.(1[0-4]\d|150)$/);
  });

  test('finds Bramble in proxy mode, with its boot file and PXEClient', async (t) => {
    if (!requireTools(t, ['ip']) || !requireAddon(t)) return;
    const seg = await segment(t);
    const child = await startServerFixture(seg.server, {
      mode: 'proxy',
      interfaceName: seg.serverIf,
      serverAddress: SERVER_ADDRESS,
      boot: { bootFile: 'undionly.kpxe', nextServer: SERVER_ADDRESS, vendorClass: 'PXEClient' },
    });
    t.after(() => child.stop());
    const found = await probe(seg);
    assert.deepEqual(found, [{ server: SERVER_ADDRESS, offeredAddress: null, bootFile: 'undionly.kpxe', vendorClass: 'PXEClient', proxy: true }]);
  });

  test('finds nothing on a quiet segment', async (t) => {
    if (!requireTools(t, ['ip']) || !requireAddon(t)) return;
    const seg = await segment(t);
    assert.deepEqual(await probe(seg), []);
  });
});
