import assert from 'node:assert/strict';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { basicAuthorization, endpoint, httpCall, jsonObject, quoteAnswer, type HttpCall } from '../../src/power/http-call.js';
import { closedPortUrl, sendJson, startDevice } from './support/fake-device.js';

const secret = 'pa ss&w0rd';
const call = (url: string, extra: Partial<HttpCall> = {}): HttpCall => ({
  method: 'GET',
  url: new URL(url),
  label: 'test device',
  timeoutMs: 5000,
  secrets: [secret],
  ...extra,
});
const never = () => new AbortController().signal;

test('a 2xx answer comes back with its status and body; the device sees method, target and headers', async (t) => {
  const device = await startDevice(t, (_req, res) => sendJson(res, 200, { POWER: 'ON' }));
  const answer = await httpCall(call(`${device.url}/cm?cmnd=Power%20On`, { headers: { authorization: 'Bearer x' } }), never());
  assert.deepEqual(answer, { ok: true, status: 200, body: '{"POWER":"ON"}' });
  assert.equal(device.received.length, 1);
  const [req] = device.received;
  assert.equal(req?.method, 'GET');
  assert.equal(req?.target, '/cm?cmnd=Power%20On');
  assert.equal(req?.headers.authorization, 'Bearer x');
  assert.match(req?.headers.accept ?? '', /application\/json/);
});

test('POST sends an empty body', async (t) => {
  const device = await startDevice(t, (_req, res) => res.writeHead(204).end());
  const answer = await httpCall(call(`${device.url}/hook`, { method: 'POST' }), never());
  assert.deepEqual(answer, { ok: true, status: 204, body: '' });
  assert.equal(device.received[0]?.method, 'POST');
  assert.equal(device.received[0]?.body, '');
});

test('a device that never answers: TIMEOUT after the per-call timeout', async (t) => {
  const device = await startDevice(t, () => undefined);
  const answer = await httpCall(call(device.url, { timeoutMs: 200 }), never());
  assert.deepEqual(answer, { ok: false, code: 'TIMEOUT', message: 'test device: no answer within 0.2 s' });
  assert.equal(device.received.length, 1);
});

test("a device that never answers: TIMEOUT as soon as the caller's signal aborts", async (t) => {
  const device = await startDevice(t, () => undefined);
  const controller = new AbortController();
  const pending = httpCall(call(device.url, { timeoutMs: 60_000 }), controller.signal);
  setTimeout(() => controller.abort(), 100);
  const answer = await pending;
  assert.equal(answer.ok, false);
  assert.equal(answer.ok ? '' : answer.code, 'TIMEOUT');
  assert.match(answer.ok ? '' : answer.message, /time ran out/);
});

test('an already aborted signal: TIMEOUT without a request', async (t) => {
  const device = await startDevice(t, (_req, res) => sendJson(res, 200, {}));
  const answer = await httpCall(call(device.url), AbortSignal.abort());
  assert.equal(answer.ok ? '' : answer.code, 'TIMEOUT');
  assert.equal(device.received.length, 0);
});

test('headers, then a body that never ends: TIMEOUT', async (t) => {
  const device = await startDevice(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"POWER"');
  });
  const answer = await httpCall(call(device.url, { timeoutMs: 200 }), never());
  assert.equal(answer.ok ? '' : answer.code, 'TIMEOUT');
});

test('a closed port: UNREACHABLE, naming the errno', async () => {
  const answer = await httpCall(call(await closedPortUrl()), never());
  assert.equal(answer.ok ? '' : answer.code, 'UNREACHABLE');
  assert.match(answer.ok ? '' : answer.message, /^test device: cannot be reached \(ECONNREFUSED\)/);
});

test('something that is not HTTP: BAD_RESPONSE', async (t) => {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.end('SSH-2.0-OpenSSH_9.2\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  const answer = await httpCall(call(`http://127.0.0.1:${port}/`), never());
  assert.equal(answer.ok ? '' : answer.code, 'BAD_RESPONSE');
  assert.match(answer.ok ? '' : answer.message, /not HTTP \(HPE_/);
});

for (const status of [401, 403]) {
  test(`HTTP ${status}: AUTH_FAILED with the hint, and the challenge when asked for`, async (t) => {
    const device = await startDevice(t, (_req, res) =>
      sendJson(res, status, { WARNING: 'Need user=<username>&password=<password>' }, { 'www-authenticate': 'Digest realm="r"' }),
    );
    const failure = { ok: false, code: 'AUTH_FAILED', message: `test device: refused the request (HTTP ${status}); check the password setting` };
    assert.deepEqual(await httpCall(call(device.url, { authHint: 'check the password setting' }), never()), failure);
    assert.deepEqual(await httpCall(call(device.url, { authHint: 'check the password setting', wantChallenge: true }), never()), {
      ...failure,
      challenge: 'Digest realm="r"',
    });
  });
}

test('another error status: BAD_RESPONSE quoting the answer with secrets blanked', async (t) => {
  const device = await startDevice(t, (_req, res) => sendJson(res, 500, { code: -105, message: `bad ${secret} / ${encodeURIComponent(secret)}` }));
  const answer = await httpCall(call(device.url), never());
  assert.deepEqual(answer, { ok: false, code: 'BAD_RESPONSE', message: 'test device: HTTP 500: {"code":-105,"message":"bad *** / ***"}' });
});

test('a redirect is not followed, and its Location is not repeated', async (t) => {
  const device = await startDevice(t, (_req, res) => res.writeHead(302, { location: `/moved-here?token=${secret}` }).end());
  const answer = await httpCall(call(device.url), never());
  assert.equal(answer.ok ? '' : answer.code, 'BAD_RESPONSE');
  assert.doesNotMatch(answer.ok ? '' : answer.message, /moved-here|token/);
  assert.equal(device.received.length, 1);
});

test('an answer over 64 KiB: BAD_RESPONSE', async (t) => {
  const device = await startDevice(t, (_req, res) => res.writeHead(200).end('x'.repeat(65 * 1024)));
  const answer = await httpCall(call(device.url), never());
  assert.deepEqual(answer, { ok: false, code: 'BAD_RESPONSE', message: 'test device: answered more than 64 KiB' });
});

const jsonCases: readonly { body: string; expect: unknown }[] = [
  { body: '{"ison":true}', expect: { ok: true, value: { ison: true } } },
  { body: '{"ison":tr', expect: { ok: false, code: 'BAD_RESPONSE', message: 'test device: answered something that is not JSON: {"ison":tr' } },
  { body: '<html>Unauthorized</html>', expect: { ok: false, code: 'BAD_RESPONSE', message: 'test device: answered something that is not JSON: <html>Unauthorized</html>' } },
  { body: '', expect: { ok: false, code: 'BAD_RESPONSE', message: 'test device: answered something that is not JSON: (empty)' } },
  { body: '[true]', expect: { ok: false, code: 'BAD_RESPONSE', message: 'test device: answered JSON that is not an object: [true]' } },
  { body: 'null', expect: { ok: false, code: 'BAD_RESPONSE', message: 'test device: answered JSON that is not an object: null' } },
];
for (const c of jsonCases) {
  test(`jsonObject: ${JSON.stringify(c.body)}`, () => {
    assert.deepEqual(jsonObject({ body: c.body }, { label: 'test device' }), c.expect);
  });
}

test('quoteAnswer: one line, cut at 120 characters, secrets and their URL forms blanked', () => {
  assert.equal(quoteAnswer('  a\n\tb  '), 'a b');
  assert.equal(quoteAnswer('y'.repeat(200)), `${'y'.repeat(120)}…`);
  assert.equal(quoteAnswer('pw=p@ss, p%40ss', ['p@ss', '']), 'pw=***, ***');
});

test('endpoint joins a device address, a path prefix and a query', () => {
  assert.equal(endpoint('http://10.0.0.5', '/cm', 'cmnd=Power%20On').href, 'http://10.0.0.5/cm?cmnd=Power%20On');
  assert.equal(endpoint('http://10.0.0.5/', '/relay/0').href, 'http://10.0.0.5/relay/0');
  assert.equal(endpoint('https://proxy.lan/plug1/', '/rpc/Switch.GetStatus', 'id=0').href, 'https://proxy.lan/plug1/rpc/Switch.GetStatus?id=0');
});

test('basicAuthorization: the RFC 7617 §2 example', () => {
  assert.equal(basicAuthorization('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
});
