// The sendfile(2) path for large files (native/send_file.c) on a real HTTP server on loopback: whole files
// and ranges arrive byte-identical, a client that hangs up mid-transfer costs nothing, small files still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { loadKernelSend } from '../../src/http/kernel-send.js';
import { sendFile } from '../../src/http/send-file.js';
import { startHttpServer } from '../../src/http/http-server.js';
import { isCi } from '../support/require-tool.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('large files go out through sendfile, whole and in ranges; hang-ups are harmless', async (t) => {
  const kernel = loadKernelSend();
  if (kernel.send === null) {
    if (isCi()) assert.fail(`the sendfile addon must be built in CI: ${kernel.reason}`);
    t.skip(`sendfile addon not built: ${kernel.reason}`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'bramble-sendfile-'));
  const big = randomBytes(24 * 1024 * 1024 + 123);
  const small = randomBytes(1000);
  await writeFile(join(dir, 'big.bin'), big);
  await writeFile(join(dir, 'small.bin'), small);
  // Larger than the kernel could ever buffer for one loopback connection (tcp_rmem max 32 MiB + tcp_wmem max
  // 4 MiB here), so a client that hangs up is noticed mid-transfer; sparse, so it costs no disk.
  await writeFile(join(dir, 'huge.bin'), '');
  await truncate(join(dir, 'huge.bin'), 256 * 1024 * 1024);
  let completions: number[] = [];
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get('/:name', (c) =>
    sendFile(join(dir, c.req.param('name')), {
      method: 'GET',
      headers: c.req.raw.headers,
      outgoing: c.env.outgoing,
      kernelSend: kernel.send,
      onComplete: (n) => completions.push(n),
    }),
  );
  const server = await startHttpServer({ app, address: '127.0.0.1', port: 0 });
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${server.port}`;

  const whole = Buffer.from(await (await fetch(`${base}/big.bin`)).arrayBuffer());
  assert.equal(whole.length, big.length);
  assert.equal(sha(whole), sha(big));

  const part = await fetch(`${base}/big.bin`, { headers: { range: 'bytes=5000000-15000000' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 5000000-15000000/${big.length}`);
  assert.equal(sha(Buffer.from(await part.arrayBuffer())), sha(big.subarray(5_000_000, 15_000_001)));

  // Keep-alive: two responses on one connection, in order, the second after a sendfile body.
  const agentBodies = await Promise.all([fetch(`${base}/big.bin`), fetch(`${base}/small.bin`)].map(async (p) => Buffer.from(await (await p).arrayBuffer())));
  assert.equal(sha(agentBodies[0]!), sha(big));
  assert.equal(sha(agentBodies[1]!), sha(small));

  // The server reports a transfer once sendfile returns, which can be after the client has read it all.
  const settled = async (count: number) => {
    for (let i = 0; i < 100 && completions.length < count; i++) await new Promise((r) => setTimeout(r, 50));
  };
  await settled(4);
  assert.deepEqual(completions.sort((a, b) => a - b), [small.length, 10_000_001, big.length, big.length]);

  // A client that hangs up as soon as the body starts: the server neither crashes nor reports it complete.
  completions = [];
  await new Promise<void>((resolve, reject) => {
    const req = request(`${base}/huge.bin`, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (e) => (req.destroyed ? resolve() : reject(e)));
    req.end();
  });
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(completions, [], 'an abandoned transfer is not reported complete');
  const after = Buffer.from(await (await fetch(`${base}/small.bin`)).arrayBuffer());
  assert.equal(sha(after), sha(small), 'the server still answers');
  await settled(1);
  assert.deepEqual(completions, [small.length], 'only the small file completed after the hang-up');
});
