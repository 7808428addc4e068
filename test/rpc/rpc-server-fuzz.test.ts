// Fuzzing the live RPC server (RFC 5531 §9, §11) on 127.0.0.1: 11,000 mutated calls, broken streams and datagrams
// at the test program and the portmapper over TCP and UDP; it never crashes, closes only the broken streams, and
// still answers afterwards.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/log/logger.js';
import { closeUdpSocket } from '../../src/net/close-udp-socket.js';
import { createPortmapPrograms } from '../../src/portmap/portmap-program.js';
import { IpProto, PortmapTable } from '../../src/portmap/portmap-table.js';
import { authSysCredential } from '../../src/rpc/auth.js';
import { encodeRecord } from '../../src/rpc/record-marking.js';
import { encodeRpcCall } from '../../src/rpc/rpc-message.js';
import { createRpcServer } from '../../src/rpc/rpc-server.js';
import { randomBytes, randomInt, seededRandom } from '../support/seeded-random.js';
import type { Random } from '../support/seeded-random.js';
import { mutate } from './mutate-message.js';
import { kernelModes } from './kernel-modes.js';
import { connectTcp, udpCall, xdrArgs } from './rpc-test-client.js';
import { createTestProgram, Proc, SYS_PROG, TEST_PROG } from './test-program.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rpc');
const captured = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('-call.bin'))
  .map((f) => readFileSync(join(FIXTURES, f)));

const w = xdrArgs;
const sys = authSysCredential({ stamp: 1, machinename: 'fuzz', uid: 0, gid: 0, gids: [1, 2, 3] });
const seeds: Buffer[] = [
  ...captured,
  encodeRpcCall({ xid: 1, prog: TEST_PROG, vers: 1, proc: Proc.echo, args: w((x) => x.opaque(Buffer.from('fuzz me'))) }),
  encodeRpcCall({ xid: 2, prog: TEST_PROG, vers: 2, proc: Proc.add, args: w((x) => x.int(1).int(2)), cred: sys }),
  encodeRpcCall({ xid: 3, prog: TEST_PROG, vers: 1, proc: Proc.big, args: w((x) => x.uint(100)) }),
  encodeRpcCall({ xid: 4, prog: TEST_PROG, vers: 1, proc: Proc.slow, args: w((x) => x.uint(1)) }),
  encodeRpcCall({ xid: 5, prog: TEST_PROG, vers: 1, proc: Proc.fail }),
  encodeRpcCall({ xid: 6, prog: SYS_PROG, vers: 3, proc: 1, cred: sys }),
  encodeRpcCall({ xid: 7, prog: 100000, vers: 2, proc: 3, args: w((x) => x.uint(100003).uint(3).uint(6).uint(0)) }),
  encodeRpcCall({ xid: 8, prog: 100000, vers: 2, proc: 1, args: w((x) => x.uint(100003).uint(3).uint(6).uint(2049)) }),
  encodeRpcCall({ xid: 9, prog: 100000, vers: 2, proc: 5, args: w((x) => x.uint(100003).uint(3).uint(0).opaque(Buffer.alloc(8))) }),
];

function fuzzCall(random: Random): Buffer {
  if (random() < 0.1) return randomBytes(random, randomInt(random, 120));
  return mutate(random, seeds[randomInt(random, seeds.length)]!);
}

/** A byte stream for one connection: framed mutated calls, with the framing itself mutated half the time. */
function fuzzStream(random: Random): Buffer {
  const records = Array.from({ length: 1 + randomInt(random, 4) }, () => encodeRecord(fuzzCall(random), 1 + randomInt(random, 200)));
  const stream = Buffer.concat(records);
  return random() < 0.5 ? mutate(random, stream) : stream;
}


// Both ways a TCP connection is read (rpc-tcp.ts): Node's own reads, and into a shared buffer.
for (const reading of kernelModes('node reads', 'shared buffer')) {
  test(`${reading.how}: 11,000 fuzzed inputs over TCP and UDP: the server survives, closes only broken streams, and still answers`, async (t) => {
    const program = createTestProgram();
    program.releaseAll();
    const table = new PortmapTable();
    table.set({ prog: 100003, vers: 3, prot: IpProto.tcp, port: 2049 });
    const server = createRpcServer({
      address: '127.0.0.1',
      tcpPort: 0,
      udpPort: 0,
      programs: [...program.programs, ...createPortmapPrograms(table, { now: () => 0 })],
      log: silentLogger(),
      limits: { maxRecord: 8192, maxUdpInFlight: 10_000 },
      kernelSend: reading.kernelSend ?? null,
    });
    const ports = await server.start();
    t.after(() => server.stop());
    const random = seededRandom(0x5eed_5e4f);

    // 6,000 calls pipelined on one connection with valid framing: each is answered or dropped, never fatal.
    const pipe = await connectTcp(ports.tcp!);
    t.after(() => pipe.close());
    for (let i = 0; i < 6000; i++) pipe.sendRaw(encodeRecord(fuzzCall(random)));
    const marker = await pipe.call({ xid: 0x7eed_0001, prog: TEST_PROG, vers: 1, proc: 0 });
    assert.equal(marker.kind, 'success');
    assert.ok(pipe.received.length > 1000, `only ${pipe.received.length} replies on the pipelined connection`);

    // 1,000 connections, each one stream of (often broken) framing, 50 at a time.
    for (let batch = 0; batch < 20; batch++) {
      const streams = Array.from({ length: 50 }, () => fuzzStream(random));
      await Promise.all(
        streams.map(
          (stream) =>
            new Promise<void>((resolve) => {
              const socket = connect({ host: '127.0.0.1', port: ports.tcp! });
              socket.on('error', () => {});
              socket.on('close', () => resolve());
              socket.on('data', () => {});
              socket.on('connect', () => socket.end(stream));
            }),
        ),
      );
    }

    // 4,000 datagrams, in bursts so that most of them reach the server rather than a full socket buffer.
    const udp = createSocket('udp4');
    t.after(() => closeUdpSocket(udp));
    let udpReplies = 0;
    udp.on('message', () => udpReplies++);
    for (let burst = 0; burst < 40; burst++) {
      await Promise.all(
        Array.from({ length: 100 }, () => new Promise<void>((resolve) => udp.send(fuzzCall(random), ports.udp!, '127.0.0.1', () => resolve()))),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }

    assert.equal((await udpCall(ports.udp!, { xid: 0x7eed_0002, prog: TEST_PROG, vers: 1, proc: 0 })).kind, 'success');
    const fresh = await connectTcp(ports.tcp!);
    t.after(() => fresh.close());
    const add = await fresh.call({ xid: 0x7eed_0003, prog: TEST_PROG, vers: 1, proc: Proc.add, args: w((x) => x.int(2).int(3)) });
    assert.equal(add.kind, 'success');
    assert.equal((await pipe.call({ xid: 0x7eed_0004, prog: 100000, vers: 2, proc: 0 })).kind, 'success');

    const stats = server.stats();
    assert.ok(udpReplies > 500, `only ${udpReplies} UDP replies`);
    for (const key of ['dropped', 'rejected', 'garbageArgs', 'systemErrors', 'tcpClosedGarbage'] as const) {
      assert.ok(stats[key] > 0, `no input reached ${key}: ${JSON.stringify(stats)}`);
    }
    assert.ok(stats.calls > 2000, JSON.stringify(stats));
  });
}
