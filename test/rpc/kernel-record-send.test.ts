// Replies whose payload is a file's range, sent from the kernel over TCP (src/rpc/kernel-record-send.ts,
// native/send_file.c): records stay whole among other replies, a file that shrank closes only its connection,
// and a client that stops reading does not hold up stop() for the stall timeout.
import assert from 'node:assert/strict';
import { close } from 'node:fs';
import { open, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { loadKernelRecordSend } from '../../src/rpc/kernel-record-send.js';
import type { RpcProgram } from '../../src/rpc/rpc-program.js';
import { createRpcServer, type RpcServer } from '../../src/rpc/rpc-server.js';
import { isCi } from '../support/require-tool.js';
import { connectTcp, successResults, xdrArgs } from './rpc-test-client.js';

const PROG = 0x2000_0778;
/** 1: `length` bytes of the file from `offset`, from the kernel (as NFS READ does); 2: a copied payload of 300 KiB of one byte. */
const Proc = { fromFile: 1, copied: 2 } as const;

interface Lab {
  readonly dir: string;
  readonly server: RpcServer;
  readonly port: number;
  readonly released: { count: number };
}

async function lab(t: TestContext, file: Buffer | number): Promise<Lab | null> {
  const kernel = loadKernelRecordSend();
  if (kernel.send === null) {
    if (isCi()) assert.fail(`the sendfile addon must be built in CI: ${kernel.reason}`);
    t.skip(`sendfile addon not built: ${kernel.reason}`);
    return null;
  }
  const dir = await mkdtemp(join(tmpdir(), 'bramble-record-send-'));
  const path = join(dir, 'file');
  if (typeof file === 'number') {
    // Sparse: costs no disk.
    await writeFile(path, '');
    await truncate(path, file);
  } else await writeFile(path, file);
  const handle = await open(path, 'r');
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
    ]),
  };
  const server = createRpcServer({ address: '127.0.0.1', tcpPort: 0, udpPort: null, programs: [program], log: silentLogger(), kernelSend: kernel.send });
  const ports = await server.start();
  t.after(async () => {
    await server.stop();
    await handle.close();
    await rm(dir, { recursive: true, force: true });
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
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(l.released.count, 24, 'every held descriptor closed once its reply was sent');
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
