// Fuzzing the TFTP codec and running server (RFC 1350 packet formats) with random and mutated real captures.
//
// Nothing may crash, malformed packets are counted, and a real client still fetches a file intact afterwards.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ackBlockOf, decodeTftp, encodeTftp } from '../../src/tftp/codec.js';
import { requireTool } from '../support/require-tool.js';
import { randomBytes, randomInt, seededRandom } from '../support/seeded-random.js';
import { makeRoot, runClient, sha256File, startServer } from './server-harness.js';
import type { TestRoot } from './server-harness.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tftp');
const captures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.bin'))
  .sort()
  .map((f) => readFileSync(join(FIXTURES, f)));

function fuzzInputs(count: number, seed: number): Buffer[] {
  const random = seededRandom(seed);
  const int = (n: number): number => randomInt(random, n);
  const bytes = (n: number): Buffer => randomBytes(random, n);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 4 === 0) {
      // Random bytes, half of them behind a plausible opcode so the parsers past the opcode get exercised.
      const body = bytes(int(600));
      out.push(random() < 0.5 ? Buffer.concat([Buffer.from([0, int(8)]), body]) : body);
      continue;
    }
    const b = Buffer.from(captures[int(captures.length)]!);
    const rounds = 1 + int(3);
    let m = b;
    for (let r = 0; r < rounds; r++) {
      switch (int(8)) {
        case 0:
          if (m.length > 0) {
            const k = int(m.length);
            m[k] = m[k]! ^ (1 << int(8));
          }
          break;
        case 1:
          if (m.length > 0) m[int(m.length)] = int(256);
          break;
        case 2:
          m = m.subarray(0, int(m.length + 1));
          break;
        case 3: {
          const at = int(m.length + 1);
          m = Buffer.concat([m.subarray(0, at), bytes(1 + int(40)), m.subarray(at)]);
          break;
        }
        case 4:
          if (m.length > 0) m[int(m.length)] = 0;
          break;
        case 5: {
          const last = m.lastIndexOf(0);
          if (last >= 0) m = Buffer.concat([m.subarray(0, last), m.subarray(last + 1)]);
          break;
        }
        case 6:
          if (m.length >= 2) m.writeUInt16BE(int(9), 0);
          break;
        case 7:
          m = Buffer.concat([m, m.subarray(int(m.length + 1))]);
          break;
      }
    }
    out.push(Buffer.from(m));
  }
  return out;
}

const knownFailures = new Set(['short', 'unknown-opcode', 'missing-nul', 'empty-filename', 'empty-mode', 'odd-options', 'empty-option-name']);

test('decodeTftp: 20,000 random and mutated packets never throw; whatever decodes re-encodes stably; ackBlockOf agrees', () => {
  const inputs = fuzzInputs(20_000, 0xb2a3b1e);
  let accepted = 0;
  const failures = new Map<string, number>();
  for (const input of inputs) {
    const decoded = decodeTftp(input);
    // The sender's ACK shortcut must agree with the full decoder on every input.
    assert.equal(ackBlockOf(input), decoded.ok && decoded.packet.kind === 'ack' ? decoded.packet.block : -1);
    if (!decoded.ok) {
      assert.ok(knownFailures.has(decoded.code), decoded.code);
      failures.set(decoded.code, (failures.get(decoded.code) ?? 0) + 1);
      continue;
    }
    accepted++;
    const encoded = encodeTftp(decoded.packet);
    const again = decodeTftp(encoded);
    assert.equal(again.ok, true, `re-decoding ${input.toString('hex')}`);
    if (again.ok) assert.deepEqual(encodeTftp(again.packet), encoded);
  }
  // Both sides of the parser were reached: plenty accepted, and every failure kind seen.
  assert.ok(accepted > 2000, `${accepted} accepted`);
  assert.deepEqual([...failures.keys()].sort(), [...knownFailures].sort());
});

let root: TestRoot;
before(() => {
  root = makeRoot({ big: false });
});
after(() => root.remove());

async function socketOn(): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('message', () => undefined); // replies (ERROR 1/2/4/5, DATA) are not the point here
  await new Promise<void>((resolve) => s.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
  return s;
}

test('the running server survives 12,000 fuzz packets, counts the malformed ones, then serves atftp intact', async (t) => {
  if (!requireTool(t, 'atftp', 'atftp')) return;
  const h = await startServer(root.root, { timeoutMs: 100, retries: 1 });
  t.after(() => h.stop());
  const senders = [await socketOn(), await socketOn(), await socketOn()];
  t.after(() => senders.forEach((s) => s.close()));

  // At the request port: count exactly what the server must call malformed (undecodable, or not a request).
  const inputs = fuzzInputs(10_000, 0x5eed);
  let malformed = 0;
  let requests = 0;
  for (const input of inputs) {
    const decoded = decodeTftp(input);
    if (decoded.ok && (decoded.packet.kind === 'rrq' || decoded.packet.kind === 'wrq')) requests++;
    else malformed++;
  }
  const seen = (): number => h.server.stats().malformed + h.server.stats().requests;
  for (let i = 0; i < inputs.length; i++) {
    senders[i % senders.length]!.send(inputs[i]!, h.port, '127.0.0.1');
    // Keep the socket buffer from overflowing, so that the counts can be exact.
    if (i % 50 === 49) while (seen() < i + 1) await new Promise((r) => setImmediate(r));
  }
  while (seen() < inputs.length) await new Promise((r) => setImmediate(r));
  assert.equal(h.server.stats().malformed, malformed);
  assert.equal(h.server.stats().requests, requests);

  // At a live transfer's port: from strangers (ERROR 5 each) and from the client itself.
  const victim = await socketOn();
  t.after(() => victim.close());
  const transferPort = await new Promise<number>((resolve) => {
    victim.removeAllListeners('message');
    victim.once('message', (_m, rinfo) => resolve(rinfo.port));
    victim.send(encodeTftp({ kind: 'rrq', filename: 'medium.bin', mode: 'octet', options: [{ name: 'blksize', value: '1024' }] }), h.port, '127.0.0.1');
  });
  for (const input of fuzzInputs(2_000, 0xace)) {
    senders[0]!.send(input, transferPort, '127.0.0.1');
    victim.send(input, transferPort, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }

  const out = join(root.top, 'after-fuzz.bin');
  const run = await runClient(['atftp', '--option', 'blksize 1468', '--option', 'windowsize 8', '-g', '-r', 'medium.bin', '-l', out, '127.0.0.1', String(h.port)]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(sha256File(out), root.sha['medium.bin']);
  assert.ok(h.server.stats().completed >= 1);
  assert.ok(h.server.stats().malformed > malformed, 'garbage at the transfer port was counted too');
});
