// Replies whose payload is a file's range, sent from the kernel over TCP (src/rpc/kernel-record-send.ts,
// native/send_file.c): records stay whole among other replies, a file that shrank closes only its connection,
// a client that stops reading does not hold up stop() for the stall timeout, and a range in the page cache
// goes out on the event loop as far as the socket takes it, the rest from the thread pool.
import assert from 'node:assert/strict';
import { close } from 'node:fs';
import { open, mkdtemp, rm, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { loadKernelRecordSend, recordAfter, type KernelRecordSend } from '../../src/rpc/kernel-record-send.js';
import type { RpcProgram } from '../../src/rpc/rpc-program.js';
import { createRpcServer, type RpcServer } from '../../src/rpc/rpc-server.js';
import { isCi } from '../support/require-tool.js';
import { connectTcp, successResults, xdrArgs } from './rpc-test-client.js';

const PROG = 0x2000_0778;
/**
 * 1: `length` bytes of the file from `offset`, from the kernel (as NFS READ does); 2: a copied payload of 300 KiB
 * of one byte; 3: a small reply, `length` bytes of the call's xid-derived pattern.
 */
const Proc = { fromFile: 1, copied: 2, small: 3 } as const;

interface Lab {
  readonly dir: string;
  readonly server: RpcServer;
  readonly port: number;
  readonly released: { count: number };
}

/** The addon's sender; null (the test skipped) where it is not built, which CI does not allow. */
function kernelOrSkip(t: TestContext): KernelRecordSend | null {
  const kernel = loadKernelRecordSend();
  if (kernel.send === null) {
    if (isCi()) assert.fail(`the sendfile addon must be built in CI: ${kernel.reason}`);
    t.skip(`sendfile addon not built: ${kernel.reason}`);
  }
  return kernel.send;
}

/** A file of `content` open for reading, or of that many bytes, sparse: it costs no disk, and none of it is in the page cache. */
async function testFile(content: Buffer | number): Promise<{ dir: string; handle: FileHandle; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-record-send-'));
  const path = join(dir, 'file');
  if (typeof content === 'number') {
    await writeFile(path, '');
    await truncate(path, content);
  } else await writeFile(path, content);
  const handle = await open(path, 'r');
  const remove = async (): Promise<void> => {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, handle, remove };
}

async function lab(t: TestContext, file: Buffer | number): Promise<Lab | null> {
  const kernel = kernelOrSkip(t);
  if (kernel === null) return null;
  const { dir, handle, remove } = await testFile(file);
  const released = { count: 0 };
  const program: RpcProgram = {
    prog: PROG,
    vers: { low: 1, high: 1 },
    name: 'record-send',
    procedures: new Map([
      [
        Proc.fromFile,
        (context, results) => {
          const offset = context.args.uint();
          const length = context.args.uint();
          assert.ok(context.holdFile !== undefined, 'a TCP transport with a kernel sender offers holdFile');
          const fd = context.holdFile(handle.fd);
          results.whenSent(() => close(fd, () => released.count++));
          results.uint(offset).appendFileOpaque({ fd, offset, length }).uint(0xc0ffee);
        },
      ],
      [Proc.copied, (_context, results) => void results.appendOpaque(Buffer.alloc(300 * 1024, 0x33)).uint(0xc0ffee)],
      [Proc.small, (context, results) => void results.appendOpaque(Buffer.alloc(context.args.uint(), context.call.xid & 0xff))],
    ]),
  };
  const server = createRpcServer({ address: '127.0.0.1', tcpPort: 0, udpPort: null, programs: [program], log: silentLogger(), kernelSend: kernel });
  const ports = await server.start();
  t.after(async () => {
    await server.stop();
    await remove();
  });
  return { dir, server, port: ports.tcp!, released };
}

test('file ranges from the kernel and copied replies, pipelined on one connection, each arrive whole', async (t) => {
  const bytes = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32BE(i, i);
  const l = await lab(t, bytes);
  if (l === null) return;
  const client = await connectTcp(l.port);
  t.after(() => client.close());
  // Odd lengths too: the XDR fill after the range goes out with the tail.
  const ranges = Array.from({ length: 24 }, (_, i) => ({ offset: i * 300_000, length: 1 + ((i * 77_777) % 1_000_000) }));
  const calls = ranges.flatMap((r, i) => [
    client.call({ xid: 100 + i, prog: PROG, vers: 1, proc: Proc.fromFile, args: xdrArgs((w) => w.uint(r.offset).uint(r.length)) }),
    client.call({ xid: 200 + i, prog: PROG, vers: 1, proc: Proc.copied }),
  ]);
  const replies = await Promise.all(calls);
  ranges.forEach((r, i) => {
    const results = successResults(replies[2 * i]!);
    assert.equal(results.uint(), r.offset);
    assert.ok(results.opaque(2_000_000).equals(bytes.subarray(r.offset, r.offset + r.length)), `range ${i} byte-identical`);
    assert.equal(results.uint(), 0xc0ffee, `range ${i}: the tail after it`);
    const copied = successResults(replies[2 * i + 1]!);
    assert.ok(copied.opaque(1_000_000).every((b) => b === 0x33));
    assert.equal(copied.uint(), 0xc0ffee);
  });
  assert.equal(l.server.stats().tcpFromKernel, 24);
  assert.equal(l.server.stats().tcpFromKernelFailed, 0);
  // The file was just written, so it is in the page cache: a reading client takes most records whole at once.
  if (pageCacheVisible()) assert.ok(l.server.stats().tcpFromKernelOnLoop > 0, `${l.server.stats().tcpFromKernelOnLoop} of 24 sent whole on the loop`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(l.released.count, 24, 'every held descriptor closed once its reply was sent');
});

test('small replies go to the kernel at once while the socket has room, and through Node once it is full, in order', async (t) => {
  const l = await lab(t, Buffer.alloc(0));
  if (l === null) return;
  const client = await connectTcp(l.port);
  t.after(() => client.close());
  const other = await connectTcp(l.port);
  t.after(() => other.close());
  const call = (on: typeof client, xid: number): Promise<Buffer> =>
    on.call({ xid, prog: PROG, vers: 1, proc: Proc.small, args: xdrArgs((w) => w.uint(8000)) }).then((r) => successResults(r).opaque(8000));
  // One at a time: each finds the socket empty.
  for (let xid = 1; xid <= 20; xid++) assert.ok((await call(client, xid)).every((b) => b === xid), `reply ${xid}`);
  assert.equal(l.server.stats().tcpSentAtOnce, 20, 'every reply taken whole by send(2)');
  // A client that does not read for a while: the socket fills, part of a reply goes at once and the rest, and the
  // replies after it, queue in Node until the client reads again.
  client.socket.pause();
  const many = Array.from({ length: 2000 }, (_, i) => call(client, 1000 + i));
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Meanwhile another connection's replies go at once, through the same scratch buffer the stalled one was cut from.
  for (let xid = 21; xid <= 40; xid++) assert.ok((await call(other, xid)).every((b) => b === xid), `other connection's reply ${xid}`);
  client.socket.resume();
  const replies = await Promise.all(many);
  replies.forEach((bytes, i) => assert.ok(bytes.every((b) => b === ((1000 + i) & 0xff)), `reply ${1000 + i} whole and its own`));
  const atOnce = l.server.stats().tcpSentAtOnce - 40;
  assert.ok(atOnce > 0 && atOnce < 2000, `${atOnce} of 2,000 taken at once, the rest through Node`);
});

test('a range past the end of the file (it shrank) closes that connection only; the next one is served', async (t) => {
  const l = await lab(t, Buffer.alloc(100_000, 7));
  if (l === null) return;
  const broken = await connectTcp(l.port);
  t.after(() => broken.close());
  const lost = broken.call({ xid: 1, prog: PROG, vers: 1, proc: Proc.fromFile, args: xdrArgs((w) => w.uint(0).uint(200_000)) });
  await assert.rejects(lost, /connection closed/);
  await broken.closed;
  assert.equal(l.server.stats().tcpFromKernelFailed, 1);
  const next = await connectTcp(l.port);
  t.after(() => next.close());
  const reply = await next.call({ xid: 2, prog: PROG, vers: 1, proc: Proc.fromFile, args: xdrArgs((w) => w.uint(0).uint(100_000)) });
  const results = successResults(reply);
  results.uint();
  assert.ok(results.opaque(200_000).every((b) => b === 7));
});

test('a client that stops reading mid-range: stop() ends the send at once, not after the 30 s stall timeout', { timeout: 20_000 }, async (t) => {
  // Far more than loopback's socket buffers can hold, so the send is still waiting when stop() comes.
  const l = await lab(t, 256 * 1024 * 1024);
  if (l === null) return;
  const client = await connectTcp(l.port);
  t.after(() => client.close());
  client.socket.pause();
  void client.call({ xid: 1, prog: PROG, vers: 1, proc: Proc.fromFile, args: xdrArgs((w) => w.uint(0).uint(256 * 1024 * 1024 - 8)) }).catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(l.released.count, 0, 'the send is still waiting for the client');
  const started = Date.now();
  await l.server.stop();
  while (l.released.count === 0 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(l.released.count, 1, 'the send gave up and its descriptor was closed');
  assert.ok(Date.now() - started < 10_000, `given up ${Date.now() - started} ms after stop()`);
});

/** cachestat(2), which tells the addon a range is all in the page cache, came in Linux 6.5. */
function pageCacheVisible(): boolean {
  const [major = 0, minor = 0] = release().split('.').map(Number);
  return major > 6 || (major === 6 && minor >= 5);
}

test('recordAfter: what is left of head, range and tail after the first bytes sent', () => {
  const head = Buffer.from('HEAD');
  const tail = Buffer.from('TL');
  const file = { fd: 9, offset: 1000, length: 10 };
  const cases: Array<[number, string, { offset: number; length: number }, string]> = [
    [0, 'HEAD', { offset: 1000, length: 10 }, 'TL'],
    [3, 'D', { offset: 1000, length: 10 }, 'TL'],
    [4, '', { offset: 1000, length: 10 }, 'TL'],
    [5, '', { offset: 1001, length: 9 }, 'TL'],
    [14, '', { offset: 1010, length: 0 }, 'TL'],
    [15, '', { offset: 1010, length: 0 }, 'L'],
    [16, '', { offset: 1010, length: 0 }, ''],
  ];
  for (const [sent, h, f, tl] of cases) {
    const rest = recordAfter(sent, head, file, tail);
    assert.equal(rest.head.toString(), h, `after ${sent}: head`);
    assert.deepEqual(rest.file, { fd: 9, ...f }, `after ${sent}: range`);
    assert.equal(rest.tail.toString(), tl, `after ${sent}: tail`);
  }
});

interface Pair {
  readonly kernel: KernelRecordSend;
  /** The sending end (a server's accepted socket, as the RPC transport has). */
  readonly from: Socket;
  /** The client's end, paused until a test reads it. */
  readonly to: Socket;
  readonly file: { fd: number };
  readonly bytes: Buffer;
}

async function pair(t: TestContext, content: Buffer | number): Promise<Pair | null> {
  const kernel = kernelOrSkip(t);
  if (kernel === null) return null;
  const { handle, remove } = await testFile(content);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const to = connect((server.address() as { port: number }).port, '127.0.0.1');
  to.pause();
  const from = await accepted;
  t.after(async () => {
    to.destroy();
    from.destroy();
    await new Promise((resolve) => server.close(resolve));
    await remove();
  });
  return { kernel, from, to, file: { fd: handle.fd }, bytes: typeof content === 'number' ? Buffer.alloc(content) : content };
}

/** Reads exactly `length` bytes from the client's end. */
async function receive(socket: Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= length) resolve(Buffer.concat(chunks).subarray(0, length));
    });
    socket.once('error', reject);
    socket.resume();
  });
}

function patterned(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i + 4 <= length; i += 4) bytes.writeUInt32BE(i ^ 0x5a5a5a5a, i);
  return bytes;
}

test('a cached range with room in the socket goes out whole on the event loop', async (t) => {
  const p = await pair(t, patterned(256 * 1024));
  if (p === null) return;
  const head = Buffer.from('head:');
  const tail = Buffer.from(':tail');
  const sending = p.kernel.send(p.from, head, { fd: p.file.fd, offset: 1000, length: 200_000 }, tail);
  if (!pageCacheVisible()) {
    assert.equal(sending.onLoop, 'none', `Linux ${release()} has no cachestat(2): every range goes to the thread pool`);
  } else {
    assert.equal(sending.onLoop, 'whole', 'written just now, so all in the page cache');
  }
  await sending.done;
  const got = await receive(p.to, head.length + 200_000 + tail.length);
  assert.ok(got.equals(Buffer.concat([head, p.bytes.subarray(1000, 201_000), tail])), 'the record arrives byte for byte');
});

test('a range not in the page cache goes to the thread pool whole', async (t) => {
  const p = await pair(t, 4 * 1024 * 1024);
  if (p === null) return;
  const head = Buffer.from('head:');
  const sending = p.kernel.send(p.from, head, { fd: p.file.fd, offset: 0, length: 3 * 1024 * 1024 }, Buffer.alloc(0));
  assert.equal(sending.onLoop, 'none', 'nothing sent before the disk is read');
  const got = receive(p.to, head.length + 3 * 1024 * 1024);
  await sending.done;
  assert.ok((await got).equals(Buffer.concat([head, Buffer.alloc(3 * 1024 * 1024)])), 'the record arrives byte for byte');
});

test('a cached range larger than the socket takes: part on the loop, the rest from the pool once the client reads', { timeout: 20_000 }, async (t) => {
  if (!pageCacheVisible()) {
    t.skip(`Linux ${release()} has no cachestat(2), so nothing is sent on the loop`);
    return;
  }
  // Far more than loopback's socket buffers hold (4 MiB to send, 6 MiB to receive at most by default).
  const length = 48 * 1024 * 1024;
  const p = await pair(t, patterned(length));
  if (p === null) return;
  const head = Buffer.from('head:');
  const tail = Buffer.from(':tail');
  const sending = p.kernel.send(p.from, head, { fd: p.file.fd, offset: 0, length }, tail);
  assert.equal(sending.onLoop, 'part', 'the socket filled before the record ended');
  let settled = false;
  void sending.done.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(settled, false, 'the pool waits for the client to read');
  const got = await receive(p.to, head.length + length + tail.length);
  await sending.done;
  assert.ok(got.equals(Buffer.concat([head, p.bytes, tail])), 'the record arrives whole and in order');
});

test('a cached range on a socket that can no longer send: the send fails at once, nothing counted as sent', async (t) => {
  if (!pageCacheVisible()) {
    t.skip(`Linux ${release()} has no cachestat(2), so nothing is sent on the loop`);
    return;
  }
  const p = await pair(t, patterned(64 * 1024));
  if (p === null) return;
  // Shut down for writing (as a connection being closed is): send(2) answers EPIPE.
  p.from.end();
  await new Promise((resolve) => p.from.once('finish', resolve));
  const sending = p.kernel.send(p.from, Buffer.from('head:'), { fd: p.file.fd, offset: 0, length: 64 * 1024 }, Buffer.alloc(0));
  assert.equal(sending.onLoop, 'none', 'the socket took nothing');
  await assert.rejects(sending.done, (error: NodeJS.ErrnoException) => error.code === 'EPIPE');
});
