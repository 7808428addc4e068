// The RPC server (RFC 5531 §9 replies, §11 record marking) with a test program over TCP and UDP on 127.0.0.1:
// every reply shape, connection limits, garbage and oversized records, the in-flight bound, idle close, stop.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, silentLogger } from '../../src/log/logger.js';
import { AuthFlavor, AuthStat, authSysCredential } from '../../src/rpc/auth.js';
import { encodeRecord, frameRecord } from '../../src/rpc/record-marking.js';
import { encodeRpcCall } from '../../src/rpc/rpc-message.js';
import type { RpcCallInput, RpcReply } from '../../src/rpc/rpc-message.js';
import { createRpcServer } from '../../src/rpc/rpc-server.js';
import type { RpcServer, RpcServerLimits } from '../../src/rpc/rpc-server.js';
import { RpcServerError } from '../../src/rpc/rpc-server-error.js';
import { waitUntil } from '../support/wait-until.js';
import { kernelModes } from './kernel-modes.js';
import { connectTcp, successResults, udpCall, udpExchange, xdrArgs } from './rpc-test-client.js';
import type { TcpRpcClient } from './rpc-test-client.js';
import { createTestProgram, Proc, SYS_PROG, TEST_PROG } from './test-program.js';
import type { TestProgram } from './test-program.js';


// Both ways a TCP connection is read (rpc-tcp.ts): Node's own reads, and into a shared buffer.
for (const reading of kernelModes('node reads', 'shared buffer')) {
  interface Running {
    readonly server: RpcServer;
    readonly tcp: number;
    readonly udp: number;
    readonly program: TestProgram;
    readonly logLines: string[];
  }

  async function startServer(t: TestContext, limits: RpcServerLimits = {}): Promise<Running> {
    const program = createTestProgram();
    const logLines: string[] = [];
    const log = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
    const server = createRpcServer({ address: '127.0.0.1', tcpPort: 0, udpPort: 0, programs: program.programs, log, limits, kernelSend: reading.kernelSend ?? null });
    const ports = await server.start();
    t.after(async () => {
      program.releaseAll();
      await server.stop();
    });
    return { server, tcp: ports.tcp!, udp: ports.udp!, program, logLines };
  }

  async function client(t: TestContext, port: number): Promise<TcpRpcClient> {
    const c = await connectTcp(port);
    t.after(() => c.close());
    return c;
  }

  const args = xdrArgs;
  const results = successResults;
  const sys = authSysCredential({ stamp: 7, machinename: 'node1', uid: 1000, gid: 1000, gids: [1000, 27] });

  let nextXid = 0x1000;
  const xid = (): number => nextXid++;

  /** Calls and the reply each must get, over either transport. */
  function shapes(): Array<[string, RpcCallInput, (reply: RpcReply) => void]> {
    return [
      ['NULL', { xid: xid(), prog: TEST_PROG, vers: 1, proc: 0 }, (r) => assert.deepEqual(results(r).rest().length, 0)],
      [
        'ECHO',
        { xid: xid(), prog: TEST_PROG, vers: 2, proc: Proc.echo, args: args((w) => w.opaque(Buffer.from('hello'))) },
        (r) => assert.equal(results(r).opaque(100).toString(), 'hello'),
      ],
      [
        'ADD',
        { xid: xid(), prog: TEST_PROG, vers: 1, proc: Proc.add, args: args((w) => w.int(40).int(2)) },
        (r) => assert.equal(results(r).int(), 42),
      ],
      ['unknown program', { xid: xid(), prog: 0x2000_0100, vers: 1, proc: 0 }, (r) => assert.equal(r.kind, 'prog_unavail')],
      [
        'unknown version',
        { xid: xid(), prog: TEST_PROG, vers: 3, proc: 0 },
        (r) => assert.deepEqual({ ...r, verf: undefined }, { kind: 'prog_mismatch', xid: r.xid, low: 1, high: 2, verf: undefined }),
      ],
      ['unknown procedure', { xid: xid(), prog: TEST_PROG, vers: 1, proc: 77 }, (r) => assert.equal(r.kind, 'proc_unavail')],
      [
        'arguments too short',
        { xid: xid(), prog: TEST_PROG, vers: 1, proc: Proc.add, args: args((w) => w.int(40)) },
        (r) => assert.equal(r.kind, 'garbage_args'),
      ],
      ['handler throws', { xid: xid(), prog: TEST_PROG, vers: 1, proc: Proc.fail }, (r) => assert.equal(r.kind, 'system_err')],
      [
        'rpcvers 3',
        { xid: xid(), prog: TEST_PROG, vers: 1, proc: 0, rpcvers: 3 },
        (r) => assert.deepEqual(r, { kind: 'rpc_mismatch', xid: r.xid, low: 2, high: 2 }),
      ],
      [
        'RPCSEC_GSS credential',
        { xid: xid(), prog: TEST_PROG, vers: 1, proc: 0, cred: { flavor: AuthFlavor.rpcsecGss, body: Buffer.alloc(8) } },
        (r) => assert.deepEqual(r, { kind: 'auth_error', xid: r.xid, stat: AuthStat.badCred }),
      ],
      [
        'malformed AUTH_SYS body',
        { xid: xid(), prog: TEST_PROG, vers: 1, proc: 0, cred: { flavor: AuthFlavor.sys, body: Buffer.alloc(6) } },
        (r) => assert.deepEqual(r, { kind: 'auth_error', xid: r.xid, stat: AuthStat.badCred }),
      ],
      [
        'AUTH_NONE to an AUTH_SYS program',
        { xid: xid(), prog: SYS_PROG, vers: 3, proc: 1 },
        (r) => assert.deepEqual(r, { kind: 'auth_error', xid: r.xid, stat: AuthStat.tooWeak }),
      ],
      ['AUTH_NONE NULL to an AUTH_SYS program', { xid: xid(), prog: SYS_PROG, vers: 3, proc: 0 }, (r) => assert.equal(r.kind, 'success')],
      [
        'AUTH_SYS to an AUTH_SYS program',
        { xid: xid(), prog: SYS_PROG, vers: 3, proc: 1, cred: sys },
        (r) => assert.match(results(r).string(100), /^sys:1000:(tcp|udp):3$/),
      ],
    ];
  }

  test(`${reading.how}: TCP: every reply shape, on one connection`, async (t) => {
    const s = await startServer(t);
    const c = await client(t, s.tcp);
    for (const [what, input, check] of shapes()) {
      const reply = await c.call(input);
      assert.equal(reply.xid, input.xid, what);
      check(reply);
    }
    const who = await c.call({ xid: xid(), prog: TEST_PROG, vers: 2, proc: Proc.whoami });
    assert.equal(results(who).string(100), 'none:-:tcp:2');
    // The thrown error is logged as our bug, with the call it came from.
    assert.ok(s.logLines.some((l) => l.includes('"rpc handler failed"') && l.includes('handler bug')));
    const stats = s.server.stats();
    assert.equal(stats.systemErrors, 1);
    assert.equal(stats.garbageArgs, 1);
    assert.equal(stats.tcpClosedGarbage, 0);
  });

  test(`${reading.how}: UDP: every reply shape, one datagram each`, async (t) => {
    const s = await startServer(t);
    for (const [what, input, check] of shapes()) {
      const reply = await udpCall(s.udp, input);
      assert.equal(reply.xid, input.xid, what);
      check(reply);
    }
    const who = await udpCall(s.udp, { xid: xid(), prog: TEST_PROG, vers: 1, proc: Proc.whoami });
    assert.equal(results(who).string(100), 'none:-:udp:1');
  });

  test(`${reading.how}: a dropped call and an undecodable message get no reply, are counted, and the connection goes on`, async (t) => {
    const s = await startServer(t);
    const c = await client(t, s.tcp);
    c.sendRaw(encodeRecord(encodeRpcCall({ xid: 1, prog: TEST_PROG, vers: 1, proc: Proc.drop })));
    c.sendRaw(encodeRecord(Buffer.from('not an rpc call')));
    c.sendRaw(encodeRecord(Buffer.alloc(0)));
    // A REPLY sent to the server is not a call: dropped too.
    c.sendRaw(encodeRecord(Buffer.from('0000000200000001000000000000000000000000', 'hex')));
    const after = await c.call({ xid: 5, prog: TEST_PROG, vers: 1, proc: 0 });
    assert.equal(after.kind, 'success');
    assert.deepEqual(c.received.map((r) => r.xid), [5]);
    assert.equal(s.server.stats().dropped, 4);
  });

  test(`${reading.how}: a bug in dispatch itself loses that call only: logged, and the connection, the UDP socket and the process go on`, async (t) => {
    const s = await startServer(t);
    const c = await client(t, s.tcp);
    c.sendRaw(encodeRecord(encodeRpcCall({ xid: 1, prog: TEST_PROG, vers: 1, proc: Proc.brokenOutcome })));
    const after = await c.call({ xid: 2, prog: TEST_PROG, vers: 1, proc: Proc.add, args: args((w) => w.int(1).int(1)) });
    assert.equal(results(after).int(), 2);
    assert.deepEqual(c.received.map((r) => r.xid), [2]);
    assert.ok(s.logLines.some((l) => l.includes('"rpc tcp dispatch failed"') && l.includes('dispatch bug')));
    assert.equal(await udpExchange(s.udp, encodeRpcCall({ xid: 3, prog: TEST_PROG, vers: 1, proc: Proc.brokenOutcome }), 3, 300), null);
    assert.equal(results(await udpCall(s.udp, { xid: 4, prog: TEST_PROG, vers: 1, proc: Proc.add, args: args((w) => w.int(2).int(2)) })).int(), 4);
    assert.ok(s.logLines.some((l) => l.includes('"rpc udp dispatch failed"') && l.includes('dispatch bug')));
  });

  test(`${reading.how}: UDP: results bigger than a datagram are answered SYSTEM_ERR; TCP carries them in fragments`, async (t) => {
    const s = await startServer(t, { maxDatagram: 8192 });
    const big = (size: number): RpcCallInput => ({ xid: xid(), prog: TEST_PROG, vers: 1, proc: Proc.big, args: args((w) => w.uint(size)) });
    assert.equal(results(await udpCall(s.udp, big(8000))).opaque(8192).length, 8000);
    assert.equal((await udpCall(s.udp, big(8200))).kind, 'system_err');
    assert.equal(s.server.stats().oversizeReplies, 1);
    const c = await client(t, s.tcp);
    const reply = await c.call(big(1024 * 1024));
    const data = results(reply).opaque(2 * 1024 * 1024);
    assert.equal(data.length, 1024 * 1024);
    assert.ok(data.every((b) => b === 0x5a));
  });

  test(`${reading.how}: a connection whose record marking breaks is closed; another keeps working`, async (t) => {
    const s = await startServer(t, { maxRecord: 64 * 1024 });
    const good = await client(t, s.tcp);
    const bad = await client(t, s.tcp);
    assert.equal((await good.call({ xid: 1, prog: TEST_PROG, vers: 1, proc: 0 })).kind, 'success');
    // ASCII garbage: its first four bytes read as a fragment of ~1.2 GB.
    bad.sendRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await bad.closed;
    assert.equal((await good.call({ xid: 2, prog: TEST_PROG, vers: 1, proc: Proc.add, args: args((w) => w.int(1).int(2)) })).kind, 'success');
    assert.equal(s.server.stats().tcpClosedGarbage, 1);
  });

  test(`${reading.how}: an oversized record is refused on its header: 4 bytes sent, connection closed`, async (t) => {
    const s = await startServer(t, { maxRecord: 64 * 1024 });
    const c = await client(t, s.tcp);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0x8000_0000 + 0x7fff_ffff, 0);
    c.sendRaw(header);
    await c.closed;
    // A record spread over fragments, each under the limit, that together pass it.
    const c2 = await client(t, s.tcp);
    for (const piece of frameRecord([Buffer.alloc(80 * 1024)], 16 * 1024).slice(0, 10)) c2.sendRaw(piece);
    await c2.closed;
    // Just under the limit is served (an echo refuses more than 1024 bytes of data: GARBAGE_ARGS, but answered).
    const c3 = await client(t, s.tcp);
    const call = encodeRpcCall({ xid: 9, prog: TEST_PROG, vers: 1, proc: Proc.echo, args: args((w) => w.opaque(Buffer.alloc(60 * 1024))) });
    c3.sendRaw(encodeRecord(call, 4096));
    assert.equal((await c3.reply(9)).kind, 'garbage_args');
    assert.equal(s.server.stats().tcpClosedGarbage, 2);
  });

  test(`${reading.how}: at most maxInFlightPerConnection calls run at once on a connection; the rest wait, then all are answered`, async (t) => {
    const s = await startServer(t, { maxInFlightPerConnection: 4 });
    const c = await client(t, s.tcp);
    const slow = (tag: number): RpcCallInput => ({ xid: 100 + tag, prog: TEST_PROG, vers: 1, proc: Proc.slow, args: args((w) => w.uint(tag)) });
    const pending = Array.from({ length: 10 }, (_, i) => c.call(slow(i)));
    await waitUntil(async () => s.program.slowStarted() === 4, { what: '4 slow calls started', timeoutMs: 10_000, intervalMs: 10 });
    // Give a broken bound the chance to show itself: nothing the client does can start a fifth.
    await sleep(100);
    assert.equal(s.program.slowStarted(), 4);
    // Another connection is not held up by this one.
    const other = await client(t, s.tcp);
    assert.equal((await other.call({ xid: 1, prog: TEST_PROG, vers: 1, proc: 0 })).kind, 'success');
    s.program.releaseOne();
    await waitUntil(async () => s.program.slowStarted() === 5, { what: 'a fifth slow call', timeoutMs: 10_000, intervalMs: 10 });
    await sleep(50);
    assert.equal(s.program.slowStarted(), 5);
    s.program.releaseAll();
    const replies = await Promise.all(pending);
    assert.deepEqual(replies.map((r) => results(r).uint()), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test(`${reading.how}: calls answered at once (no promise) are not held behind a slow one on their connection, and each frees its slot`, { timeout: 30_000 }, async (t) => {
    const s = await startServer(t, { maxInFlightPerConnection: 2 });
    const c = await client(t, s.tcp);
    const slow = c.call({ xid: 500, prog: TEST_PROG, vers: 1, proc: Proc.slow, args: args((w) => w.uint(7)) });
    await waitUntil(async () => s.program.slowStarted() === 1, { what: 'the slow call started', timeoutMs: 10_000, intervalMs: 10 });
    // More calls than slots: with one slot left, each ADD must give its slot back as it is answered.
    const adds = Array.from({ length: 50 }, (_, i) =>
      c.call({ xid: 600 + i, prog: TEST_PROG, vers: 1, proc: Proc.add, args: args((w) => w.int(i).int(1)) }),
    );
    const answered = await Promise.all(adds);
    assert.deepEqual(
      answered.map((r) => results(r).int()),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.equal(s.program.slowStarted(), 1);
    s.program.releaseAll();
    assert.equal(results(await slow).uint(), 7, 'the slow one last');
  });

  test(`${reading.how}: large calls run only while their records stay under maxInFlightBytesPerConnection; pooled records keep their bytes until answered`, async (t) => {
    const s = await startServer(t, { maxInFlightBytesPerConnection: 300 * 1024 });
    const c = await client(t, s.tcp);
    const payload = (i: number): Buffer => Buffer.alloc(100 * 1024, i + 1);
    const big = (i: number): RpcCallInput => ({ xid: 200 + i, prog: TEST_PROG, vers: 1, proc: Proc.slow, args: args((w) => w.uint(i).opaque(payload(i))) });
    const pending = Array.from({ length: 8 }, (_, i) => c.call(big(i)));
    // 100 KiB and more each: a fourth starts only once fewer than 300 KiB are in flight.
    await waitUntil(async () => s.program.slowStarted() === 3, { what: '3 large calls started', timeoutMs: 10_000, intervalMs: 10 });
    await sleep(100);
    assert.equal(s.program.slowStarted(), 3);
    s.program.releaseOne();
    await waitUntil(async () => s.program.slowStarted() === 4, { what: 'a fourth large call', timeoutMs: 10_000, intervalMs: 10 });
    s.program.releaseAll();
    const replies = await Promise.all(pending);
    replies.forEach((reply, i) => {
      const r = results(reply);
      assert.equal(r.uint(), i);
      assert.equal(r.uint(), ((i + 1) * 100 * 1024) >>> 0, `call ${i} read its own payload`);
    });
  });

  test(`${reading.how}: past maxConnections, new connections are closed at once`, async (t) => {
    const s = await startServer(t, { maxConnections: 2 });
    const a = await client(t, s.tcp);
    const b = await client(t, s.tcp);
    await waitUntil(async () => s.server.stats().tcpOpen === 2, { what: 'two connections accepted', timeoutMs: 5000, intervalMs: 10 });
    const c = await client(t, s.tcp);
    await c.closed;
    assert.equal(s.server.stats().tcpRefused, 1);
    for (const ok of [a, b]) assert.equal((await ok.call({ xid: xid(), prog: TEST_PROG, vers: 1, proc: 0 })).kind, 'success');
  });

  test(`${reading.how}: an idle connection is closed after idleTimeoutMs; one waiting for a slow reply is not`, async (t) => {
    const s = await startServer(t, { idleTimeoutMs: 150 });
    const busy = await client(t, s.tcp);
    const pending = busy.call({ xid: 1, prog: TEST_PROG, vers: 1, proc: Proc.slow, args: args((w) => w.uint(1)) });
    const idle = await client(t, s.tcp);
    await idle.closed;
    assert.equal(s.server.stats().tcpClosedIdle, 1);
    await sleep(400);
    s.program.releaseOne();
    assert.equal(results(await pending).uint(), 1);
  });

  test(`${reading.how}: stop() closes every connection and frees the ports; start() again on them works`, async (t) => {
    const program = createTestProgram();
    const server = createRpcServer({ address: '127.0.0.1', tcpPort: 0, udpPort: 0, programs: program.programs, log: silentLogger() });
    const ports = await server.start();
    const clients = await Promise.all([1, 2, 3].map(() => connectTcp(ports.tcp!)));
    const stuck = clients[0]!.call({ xid: 1, prog: TEST_PROG, vers: 1, proc: Proc.slow, args: args((w) => w.uint(1)) });
    await waitUntil(async () => program.slowStarted() === 1, { what: 'the slow call', timeoutMs: 5000, intervalMs: 10 });
    await server.stop();
    await Promise.all(clients.map((c) => c.closed));
    await assert.rejects(stuck, /closed/);
    program.releaseAll();
    const again = createRpcServer({ address: '127.0.0.1', tcpPort: ports.tcp, udpPort: ports.udp, programs: createTestProgram().programs, log: silentLogger() });
    assert.deepEqual(await again.start(), ports);
    t.after(() => again.stop());
    assert.equal((await udpCall(ports.udp!, { xid: 2, prog: TEST_PROG, vers: 1, proc: 0 })).kind, 'success');
  });

  test(`${reading.how}: start() fails fast naming address:port when a port is taken, and leaves nothing bound`, async (t) => {
    const s = await startServer(t);
    const taken = createRpcServer({ address: '127.0.0.1', tcpPort: s.tcp, udpPort: null, programs: [], log: silentLogger() });
    await assert.rejects(taken.start(), (e: unknown) => {
      assert.ok(e instanceof RpcServerError);
      assert.equal(e.code, 'EADDRINUSE');
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${s.tcp}`));
      return true;
    });
    // TCP binds, UDP does not: the TCP port must be released again.
    const free = await freeTcpPort();
    const half = createRpcServer({ address: '127.0.0.1', tcpPort: free, udpPort: s.udp, programs: [], log: silentLogger() });
    await assert.rejects(half.start(), (e: unknown) => e instanceof RpcServerError && e.code === 'EADDRINUSE' && e.message.includes(`:${s.udp}`));
    const rebind = createServer();
    await new Promise<void>((resolve, reject) => {
      rebind.once('error', reject);
      rebind.listen({ host: '127.0.0.1', port: free }, resolve);
    });
    await new Promise<void>((resolve) => rebind.close(() => resolve()));
  });

  async function freeTcpPort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const address = probe.address();
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    assert.ok(typeof address === 'object' && address !== null);
    return address.port;
  }

  test(`${reading.how}: a client that shuts down its side after its calls still gets every reply, then the server closes`, async (t) => {
    const s = await startServer(t);
    const c = await client(t, s.tcp);
    const slow = c.call({ xid: 1, prog: TEST_PROG, vers: 1, proc: Proc.slow, args: args((w) => w.uint(7)) });
    const quick = c.call({ xid: 2, prog: TEST_PROG, vers: 1, proc: Proc.add, args: args((w) => w.int(1).int(1)) });
    c.socket.end();
    assert.equal(results(await quick).int(), 2);
    await waitUntil(async () => s.program.slowStarted() === 1, { what: 'the slow call', timeoutMs: 5000, intervalMs: 10 });
    s.program.releaseOne();
    assert.equal(results(await slow).uint(), 7);
    await c.closed;
    // Closed on the server's side too, not left half open.
    await waitUntil(async () => s.server.stats().tcpOpen === 0, { what: 'the server to let go of the connection', timeoutMs: 5000, intervalMs: 10 });
  });
}
