// Tests for how the VM tests drive the Bramble CLI: the serve flags the issue specifies, and a clear failure
// when the CLI was never built.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertBrambleBuilt, serveArgs, serveSockets } from './bramble-process.js';

test('serve flags for full DHCP with a default profile, and for proxyDHCP without one', () => {
  const base = { bridge: 'br0', address: '198.18.0.1', dataDir: '/tmp/d' };
  assert.deepEqual(
    serveArgs({ ...base, dhcpMode: 'full', range: { first: '198.18.0.100', last: '198.18.0.150' }, defaultProfile: 'p1' }),
    [
      'serve', '--interface', 'br0', '--address', '198.18.0.1', '--data-dir', '/tmp/d', '--dhcp-mode', 'full',
      '--dhcp-range', '198.18.0.100-198.18.0.150', '--http-port', '8080', '--tftp-port', '69',
      '--default-profile', 'p1', '--log-level', 'debug',
    ],
  );
  const proxy = serveArgs({ ...base, dhcpMode: 'proxy' });
  assert.ok(!proxy.includes('--dhcp-range') && !proxy.includes('--default-profile'));
  assert.deepEqual(proxy.slice(proxy.indexOf('--dhcp-mode'), proxy.indexOf('--dhcp-mode') + 2), ['--dhcp-mode', 'proxy']);
});

test('a proxyDHCP server must also hold port 4011', () => {
  assert.deepEqual(
    serveSockets('proxy').map((s) => `${s.transport}/${s.port}`),
    ['udp/67', 'udp/4011', 'udp/69', 'tcp/8080'],
  );
  assert.deepEqual(
    serveSockets('full').map((s) => `${s.transport}/${s.port}`),
    ['udp/67', 'udp/69', 'tcp/8080'],
  );
});

test('an unbuilt CLI fails with BRAMBLE_NOT_BUILT and says to run npm run build', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'bramble-unbuilt-'));
  t.after(() => rm(empty, { recursive: true, force: true }));
  assert.throws(() => assertBrambleBuilt(empty), { code: 'BRAMBLE_NOT_BUILT', message: /npm run build/ });
});
