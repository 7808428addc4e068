// Tests for the pcap UDP reader against the committed DHCP captures (each .bin fixture was cut from its .pcap).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readPcapUdp } from './pcap.js';

const DHCP = fileURLToPath(new URL('../fixtures/dhcp/', import.meta.url));

test('readPcapUdp finds each DHCP capture fixture as a client-to-server datagram in its pcap', () => {
  const bins = readdirSync(DHCP).filter((f) => f.endsWith('.bin'));
  assert.ok(bins.length > 0, 'no DHCP captures found');
  for (const bin of bins) {
    const client = bin.replace(/-(discover|request)\.bin$/, '');
    const datagrams = readPcapUdp(readFileSync(`${DHCP}${client}.pcap`));
    const fromClient = datagrams.filter((d) => d.srcPort === 68 && d.dstPort === 67);
    const payload = readFileSync(`${DHCP}${bin}`);
    assert.ok(fromClient.some((d) => d.payload.equals(payload)), `${bin} is not among the ${fromClient.length} client datagrams of ${client}.pcap`);
  }
});

test('readPcapUdp rejects a file that is not classic pcap', () => {
  assert.throws(() => readPcapUdp(Buffer.alloc(10)), /shorter than its header/);
  assert.throws(() => readPcapUdp(Buffer.alloc(24)), /not a classic pcap file/);
});
