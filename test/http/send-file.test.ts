import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sendFile, type SendFileOptions } from '../../src/http/send-file.js';

const content = 'abcdefghijklmnopqrstuvwxyz';
const mtime = new Date('2026-01-02T03:04:05.678Z');
const lastModified = 'Fri, 02 Jan 2026 03:04:05 GMT';

let dir: string;
let file: string;
let empty: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bramble-send-file-test-'));
  file = join(dir, 'alphabet.bin');
  empty = join(dir, 'empty.bin');
  await writeFile(file, content);
  await writeFile(empty, '');
  await utimes(file, mtime, mtime);
  await utimes(empty, mtime, mtime);
  await mkdir(join(dir, 'folder'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function send(path: string, headers: Record<string, string> = {}, extra: Partial<SendFileOptions> = {}) {
  const completed: number[] = [];
  const response = await sendFile(path, { method: 'GET', headers: new Headers(headers), onComplete: (n) => completed.push(n), ...extra });
  const body = response.body === null ? null : Buffer.from(await response.arrayBuffer()).toString();
  return { response, status: response.status, header: (name: string) => response.headers.get(name), body, completed };
}

async function etagOf(path: string): Promise<string> {
  return (await send(path)).header('etag')!;
}

test('GET of a whole file: 200, body, length, validators', async () => {
  const r = await send(file);
  assert.equal(r.status, 200);
  assert.equal(r.body, content);
  assert.equal(r.header('content-length'), '26');
  assert.equal(r.header('accept-ranges'), 'bytes');
  assert.equal(r.header('content-type'), 'application/octet-stream');
  assert.equal(r.header('last-modified'), lastModified);
  assert.equal(r.header('content-range'), null);
  assert.match(r.header('etag')!, /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.deepEqual(r.completed, [26]);
});

test('the content type can be chosen', async () => {
  assert.equal((await send(file, {}, { contentType: 'application/efi' })).header('content-type'), 'application/efi');
});

test('the ETag is stable and changes with the file', async () => {
  const other = join(dir, 'changing.bin');
  await writeFile(other, 'one');
  await utimes(other, mtime, mtime);
  const first = await etagOf(other);
  assert.equal(await etagOf(other), first);
  await writeFile(other, 'three');
  await utimes(other, mtime, mtime);
  const bigger = await etagOf(other);
  assert.notEqual(bigger, first);
  await utimes(other, new Date(mtime.getTime() + 1000), new Date(mtime.getTime() + 1000));
  assert.notEqual(await etagOf(other), bigger);
});

test('HEAD: headers with the full length, no body, no completion', async () => {
  const r = await send(file, {}, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(r.body, null);
  assert.equal(r.header('content-length'), '26');
  assert.equal(r.header('last-modified'), lastModified);
  assert.deepEqual(r.completed, []);
});

const ranges: readonly { range: string; status: number; body: string | null; contentRange: string | null; length: string | null }[] = [
  { range: 'bytes=0-4', status: 206, body: 'abcde', contentRange: 'bytes 0-4/26', length: '5' },
  { range: 'bytes=20-', status: 206, body: 'uvwxyz', contentRange: 'bytes 20-25/26', length: '6' },
  { range: 'bytes=-3', status: 206, body: 'xyz', contentRange: 'bytes 23-25/26', length: '3' },
  { range: 'bytes=25-1000', status: 206, body: 'z', contentRange: 'bytes 25-25/26', length: '1' },
  { range: 'bytes=26-', status: 416, body: null, contentRange: 'bytes */26', length: null },
  { range: 'bytes=30-40', status: 416, body: null, contentRange: 'bytes */26', length: null },
  { range: 'bytes=0-1,4-5', status: 200, body: content, contentRange: null, length: '26' },
  { range: 'pages=1-2', status: 200, body: content, contentRange: null, length: '26' },
];

for (const r of ranges) {
  test(`Range ${r.range}: ${r.status}`, async () => {
    const res = await send(file, { range: r.range });
    assert.equal(res.status, r.status);
    assert.equal(res.body, r.body);
    assert.equal(res.header('content-range'), r.contentRange);
    assert.equal(res.header('content-length'), r.length);
    assert.deepEqual(res.completed, r.body === null ? [] : [r.body.length]);
  });
}

test('HEAD with a Range: 206 headers without a body', async () => {
  const r = await send(file, { range: 'bytes=2-5' }, { method: 'HEAD' });
  assert.equal(r.status, 206);
  assert.equal(r.body, null);
  assert.equal(r.header('content-range'), 'bytes 2-5/26');
  assert.equal(r.header('content-length'), '4');
});

test('If-Range with the current ETag honours the Range', async () => {
  const etag = await etagOf(file);
  const r = await send(file, { range: 'bytes=1-2', 'if-range': etag });
  assert.equal(r.status, 206);
  assert.equal(r.body, 'bc');
});

const staleIfRange: readonly string[] = ['"0-0"', 'W/"weak"', 'Thu, 01 Jan 1970 00:00:00 GMT'];
for (const value of staleIfRange) {
  test(`If-Range ${value} that does not match sends the whole file`, async () => {
    const r = await send(file, { range: 'bytes=1-2', 'if-range': value });
    assert.equal(r.status, 200);
    assert.equal(r.body, content);
    assert.equal(r.header('content-range'), null);
  });
}

test('If-Range with a weak form of the current ETag does not match (strong comparison)', async () => {
  const etag = await etagOf(file);
  const r = await send(file, { range: 'bytes=1-2', 'if-range': `W/${etag}` });
  assert.equal(r.status, 200);
  assert.equal(r.body, content);
});

// Conditional GET (RFC 9110 §13.1.2, §13.1.3): each row builds its headers from the file's own ETag.
const conditional: readonly { name: string; headers: (etag: string) => Record<string, string>; status: number }[] = [
  { name: 'If-None-Match with the ETag', headers: (e) => ({ 'if-none-match': e }), status: 304 },
  { name: 'If-None-Match listing the ETag', headers: (e) => ({ 'if-none-match': `"other", ${e}` }), status: 304 },
  { name: 'If-None-Match *', headers: () => ({ 'if-none-match': '*' }), status: 304 },
  // If-None-Match compares weakly: W/"x" matches "x".
  { name: 'If-None-Match with the weak form of the ETag', headers: (e) => ({ 'if-none-match': `W/${e}` }), status: 304 },
  { name: 'If-None-Match with another ETag', headers: () => ({ 'if-none-match': '"1a-0"' }), status: 200 },
  { name: 'If-Modified-Since equal to Last-Modified', headers: () => ({ 'if-modified-since': lastModified }), status: 304 },
  { name: 'If-Modified-Since later', headers: () => ({ 'if-modified-since': 'Sat, 03 Jan 2026 00:00:00 GMT' }), status: 304 },
  { name: 'If-Modified-Since one second earlier', headers: () => ({ 'if-modified-since': 'Fri, 02 Jan 2026 03:04:04 GMT' }), status: 200 },
  { name: 'If-Modified-Since that is not a date', headers: () => ({ 'if-modified-since': 'yesterday-ish' }), status: 200 },
  // If-None-Match wins over If-Modified-Since when both are sent.
  { name: 'a mismatching If-None-Match beside a matching If-Modified-Since', headers: () => ({ 'if-none-match': '"x"', 'if-modified-since': lastModified }), status: 200 },
  { name: 'a 304 takes precedence over a Range', headers: (e) => ({ 'if-none-match': e, range: 'bytes=0-1' }), status: 304 },
];

for (const c of conditional) {
  test(`conditional GET: ${c.name} -> ${c.status}`, async () => {
    const etag = await etagOf(file);
    const r = await send(file, c.headers(etag));
    assert.equal(r.status, c.status);
    if (c.status === 304) {
      assert.equal(r.body, null);
      assert.equal(r.header('etag'), etag);
      assert.equal(r.header('content-length'), null);
      assert.deepEqual(r.completed, []);
    } else {
      assert.equal(r.body, content);
    }
  });
}

test('a zero-length file: 200 with an empty body, completion reported', async () => {
  const r = await send(empty);
  assert.equal(r.status, 200);
  assert.equal(r.body ?? '', '');
  assert.equal(r.header('content-length'), '0');
  assert.deepEqual(r.completed, [0]);
});

test('a zero-length file: HEAD and Range', async () => {
  const head = await send(empty, {}, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.header('content-length'), '0');
  assert.deepEqual(head.completed, []);
  const range = await send(empty, { range: 'bytes=0-' });
  assert.equal(range.status, 416);
  assert.equal(range.header('content-range'), 'bytes */0');
});

const missing: readonly [string, () => string][] = [
  ['a missing file', () => join(dir, 'nope.bin')],
  ['a path through a file', () => join(file, 'inner')],
  ['a directory', () => join(dir, 'folder')],
];

for (const [name, path] of missing) {
  test(`${name} is 404`, async () => {
    const r = await send(path());
    assert.equal(r.status, 404);
    assert.equal(r.header('etag'), null);
    assert.deepEqual(r.completed, []);
  });
}

// Under @hono/node-server the body is piped straight into the Node response; prove that path on loopback.
// onComplete runs once the pipe has finished, which may be just after the client saw the last byte: callers
// expecting it await `complete`.
async function viaNodeServer(path: string, method: string, headers: Record<string, string>) {
  const completed: number[] = [];
  let reportComplete: () => void = () => {};
  const complete = new Promise<void>((resolve) => (reportComplete = resolve));
  const server = createServer((req, res) => {
    void sendFile(path, {
      method: req.method ?? 'GET',
      headers: new Headers(req.headers as Record<string, string>),
      outgoing: res,
      onComplete: (n) => {
        completed.push(n);
        reportComplete();
      },
    }).then(async (response) => {
      if (res.headersSent || res.writableEnded) return;
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(response.body === null ? undefined : Buffer.from(await response.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const reply = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/x', method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    return { ...reply, completed, complete };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test('piped to a Node response: whole file', { timeout: 20_000 }, async () => {
  const r = await viaNodeServer(file, 'GET', {});
  assert.equal(r.status, 200);
  assert.equal(r.body, content);
  assert.equal(r.headers['content-length'], '26');
  assert.equal(r.headers['last-modified'], lastModified);
  await r.complete;
  assert.deepEqual(r.completed, [26]);
});

test('piped to a Node response: a range', { timeout: 20_000 }, async () => {
  const r = await viaNodeServer(file, 'GET', { range: 'bytes=-4' });
  assert.equal(r.status, 206);
  assert.equal(r.body, 'wxyz');
  assert.equal(r.headers['content-range'], 'bytes 22-25/26');
  await r.complete;
  assert.deepEqual(r.completed, [4]);
});

test('piped to a Node response: HEAD and 304 send no body', async () => {
  const head = await viaNodeServer(file, 'HEAD', {});
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-length'], '26');
  const etag = await etagOf(file);
  const cached = await viaNodeServer(file, 'GET', { 'if-none-match': etag });
  assert.equal(cached.status, 304);
  assert.equal(cached.body, '');
  assert.deepEqual([...head.completed, ...cached.completed], []);
});
