// A reply's whenSent callbacks (XdrWriter.whenSent): run once its bytes are written over TCP or UDP, and at once
// when the results are not sent (an error outcome, results too big for a datagram). NFS READ buffers rely on it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import type { RpcProgram } from '../../src/rpc/rpc-program.js';
import { createRpcServer } from '../../src/rpc/rpc-server.js';
import { connectTcp, successResults, udpCall } from './rpc-test-client.js';

const PROG = 0x2000_0777;

/** Procedure 1 answers a 256 KiB payload; 2 lends one, then fails with SYSTEM_ERR. Each records when it is released. */
function lendingProgram(events: string[]): RpcProgram {
  return {
    prog: PROG,
    vers: { low: 1, high: 1 },
    name: 'lending',
    procedures: new Map([
      [
        1,
        (context, results) => {
          const payload = Buffer.alloc(256 * 1024, 0x5a);
          results.appendOpaque(payload);
          results.whenSent(() => events.push(`released ${context.client.transport}`));
          events.push(`answered ${context.client.transport}`);
        },
      ],
      [
        2,
        (_context, results) => {
          results.whenSent(() => events.push('released after failure'));
          return { kind: 'system_err' } as const;
        },
      ],
    ]),
  };
}

async function serve(t: TestContext, events: string[]): Promise<{ tcp: number; udp: number }> {
  const server = createRpcServer({ address: '127.0.0.1', tcpPort: 0, udpPort: 0, programs: [lendingProgram(events)], log: silentLogger() });
  const ports = await server.start();
  t.after(() => server.stop());
  return { tcp: ports.tcp!, udp: ports.udp! };
}

test('over TCP a lent buffer comes back after its reply was written, and the client got every byte', async (t) => {
  const events: string[] = [];
  const { tcp } = await serve(t, events);
  const client = await connectTcp(tcp);
  t.after(() => client.close());
  const reply = await client.call({ xid: 1, prog: PROG, vers: 1, proc: 1 });
  const body = successResults(reply).opaque(1 << 20);
  assert.equal(body.length, 256 * 1024);
  assert.ok(body.every((b) => b === 0x5a));
  assert.deepEqual(events, ['answered tcp', 'released tcp']);
});

test('results too big for a datagram are not sent: the buffer comes back at once, the client gets SYSTEM_ERR', async (t) => {
  const events: string[] = [];
  const { udp } = await serve(t, events);
  const reply = await udpCall(udp, { xid: 2, prog: PROG, vers: 1, proc: 1 });
  assert.equal(reply.kind, 'system_err');
  assert.deepEqual(events, ['answered udp', 'released udp']);
});

test('an error outcome releases what the handler lent, once', async (t) => {
  const events: string[] = [];
  const { tcp } = await serve(t, events);
  const client = await connectTcp(tcp);
  t.after(() => client.close());
  const reply = await client.call({ xid: 3, prog: PROG, vers: 1, proc: 2 });
  assert.equal(reply.kind, 'system_err');
  assert.deepEqual(events, ['released after failure']);
});
