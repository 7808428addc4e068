// Fuzzing the DHCP codec and live proxy/full servers with random and mutated real captures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { DhcpOption } from '../../src/dhcp/options.js';
import { createDhcpServer } from '../../src/dhcp/server.js';
import type { DhcpServerOptions } from '../../src/dhcp/server.js';
import { silentLogger } from '../../src/log/logger.js';
import { captureNames, loadCapture } from './support/fixtures.js';
import { seededRandom } from '../support/seeded-random.js';
import type { Random } from '../support/seeded-random.js';
import { mutate, randomDatagram } from './support/mutate.js';
import { openUdpClient } from './support/udp-client.js';

const COUNT = 10_000;
const seed = Number(process.env.DHCP_FUZZ_SEED ?? Date.now() % 1_000_000);
const captures = captureNames.map(loadCapture);

function fuzzCase(random: Random): Buffer {
  return random() < 0.2 ? randomDatagram(random) : mutate(random, captures[Math.floor(random() * captures.length)]!);
}

/**
 * The network rule for fuzzing through a live server in the root namespace: replies may only go to loopback.
 * Destinations come from giaddr, ciaddr or the datagram's source, so ciaddr is forced to 0.0.0.0 or 127.0.0.1
 * and giaddr to 0.0.0.0 (a relay answer goes to giaddr's server port, which here would be the server itself and
 * spoil the exact counts; relayed requests are covered by the decision tables and perfdhcp).
 */
function loopbackOnly(bytes: Buffer, random: Random): Buffer {
  if (bytes.length < 28) return bytes;
  const out = Buffer.from(bytes);
  Buffer.from(random() < 0.5 ? [0, 0, 0, 0] : [127, 0, 0, 1]).copy(out, 12);
  out.fill(0, 24, 28);
  return out;
}

describe(`fuzz (seed ${seed}; replay with DHCP_FUZZ_SEED=${seed})`, () => {
  test(`decodeDhcp: ${COUNT} random and mutated datagrams never throw; what decodes re-encodes to the same message`, () => {
    const random = seededRandom(seed);
    const codes = new Map<string, number>();
    let decoded = 0;
    for (let i = 0; i < COUNT; i++) {
      const input = fuzzCase(random);
      const result = decodeDhcp(input);
      if (!result.ok) {
        codes.set(result.error.code, (codes.get(result.error.code) ?? 0) + 1);
        continue;
      }
      decoded += 1;
      const again = decodeDhcp(encodeDhcp(result.message));
      assert.ok(again.ok, `case ${i}: re-encoded message does not decode`);
      assert.deepEqual(again.message, result.message, `case ${i}: round trip changed the message`);
    }
    // The mutations must exercise both sides, or this test proves nothing.
    assert.ok(decoded > COUNT / 10, `only ${decoded} decoded`);
    for (const code of ['TRUNCATED_HEADER', 'BAD_MAGIC', 'OPTION_OVERRUN', 'MISSING_END', 'BAD_OPTION_LENGTH']) {
      assert.ok((codes.get(code) ?? 0) > 0, `no ${code} among ${JSON.stringify([...codes])}`);
    }
  });

  for (const mode of ['proxy', 'full'] as const) {
    test(`${mode} server on loopback: ${COUNT} fuzzed datagrams, then a valid DISCOVER is still answered`, async (t) => {
      const client = await openUdpClient();
      t.after(() => client.close());
      const options: DhcpServerOptions = {
        mode,
        interfaceName: null,
        serverAddress: '198.18.0.2',
        ports: { server: 0, proxy: 0, client: client.port },
        broadcastAddress: '127.0.0.1',
        pool: { first: '198.18.0.10', last: '198.18.3.250', netmask: '255.255.252.0', leaseSeconds: 600 },
        policy: { bootFor: () => ({ bootFile: 'ipxe.efi', nextServer: '198.18.0.2', vendorClass: 'PXEClient' }) },
        log: silentLogger(),
      };
      const server = createDhcpServer(options);
      await server.start();
      t.after(() => server.stop());
      const { server: serverPort, proxy: proxyPort } = server.addresses();

      const random = seededRandom(seed + (mode === 'full' ? 1 : 0));
      let expectedMalformed = 0;
      // In batches, waiting for the server to catch up, so that the kernel drops nothing and every count is exact.
      for (let sent = 0; sent < COUNT; ) {
        const batch = Math.min(50, COUNT - sent);
        for (let i = 0; i < batch; i++) {
          const bytes = loopbackOnly(fuzzCase(random), random);
          if (!decodeDhcp(bytes).ok) expectedMalformed += 1;
          await client.send(bytes, random() < 0.8 ? serverPort : proxyPort);
        }
        sent += batch;
        await waitFor(() => server.stats().received === sent, () => `received ${server.stats().received} of ${sent}`);
      }
      const stats = server.stats();
      assert.equal(stats.received, COUNT);
      assert.equal(stats.malformed, expectedMalformed);
      assert.ok(stats.malformed > 0 && stats.answered > 0 && stats.ignored > 0, JSON.stringify(stats));
      assert.ok(stats.received >= stats.malformed + stats.ignored + stats.answered, JSON.stringify(stats));

      // An xid of its own: the fuzzed datagrams include mutated copies of this capture, and the server's answers
      // to them (a NAK to a mangled REQUEST, say) carry the capture's xid and may still be arriving.
      const discover = Buffer.from(loadCapture('ovmf-discover'));
      const xid = 0x5eed0001;
      discover.writeUInt32BE(xid, 4);
      await client.send(discover, serverPort);
      const offer = await client.reply(xid);
      assert.equal(offer.options.get(DhcpOption.MessageType)![0], 2);
      assert.equal(offer.options.get(DhcpOption.BootFileName)!.toString(), 'ipxe.efi');
      if (mode === 'full') assert.notEqual(offer.yiaddr, '0.0.0.0');
      else assert.equal(offer.yiaddr, '0.0.0.0');
    });
  }
});

async function waitFor(check: () => boolean, status: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`server did not catch up in time: ${status()}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
