import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { digestAuthorization, parseDigestChallenge, type ChallengeParse, type DigestChallenge } from '../../src/power/digest-auth.js';

// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
const rfc7616 = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  request: {
    username: 'Mufasa',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    nc: 1,
  },
};

const rfc7616Header = (algorithm: string) =>
  `Digest qop="auth", algorithm=${algorithm}, realm="${rfc7616.realm}", nonce="${rfc7616.nonce}", opaque="${rfc7616.opaque}"`;

const challenge = (header: string): DigestChallenge => {
  const parsed = parseDigestChallenge(header);
  assert.ok(parsed.ok, `challenge should parse: ${parsed.ok ? '' : parsed.error}`);
  return parsed.challenge;
};

for (const [algorithm, response] of [
  ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
  ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
] as const) {
  test(`RFC 7616 §3.9.1 example, ${algorithm}: the whole Authorization header`, () => {
    assert.equal(
      digestAuthorization(challenge(rfc7616Header(algorithm)), rfc7616.request),
      `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=${algorithm}, ` +
        `nonce="${rfc7616.nonce}", nc=00000001, cnonce="${rfc7616.request.cnonce}", qop=auth, ` +
        `response="${response}", opaque="${rfc7616.opaque}"`,
    );
  });
}

test('RFC 2617 §3.5 example: MD5 is the algorithm when the challenge names none', () => {
  const c = challenge(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  assert.equal(c.algorithm, 'MD5');
  const header = digestAuthorization(c, {
    username: 'Mufasa',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    cnonce: '0a4f113b',
    nc: 1,
  });
  assert.match(header, /, response="6629fae49393a05397450978507c4ef1",/);
});

// The hash chain written out from RFC 7616 §3.4.1-§3.4.3, for the forms that have no published example.
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const fields = (header: string) => new Map([...header.matchAll(/(\w+\*?)=("(?:[^"\\]|\\.)*"|[^,\s]+)/g)].map((m) => [m[1]!, m[2]!]));

test('SHA-256-sess: A1 takes the nonce and cnonce (RFC 7616 §3.4.2)', () => {
  const header = digestAuthorization(challenge(rfc7616Header('SHA-256-sess')), rfc7616.request);
  const { username, password, method, uri, cnonce } = rfc7616.request;
  const ha1 = sha256(`${sha256(`${username}:${rfc7616.realm}:${password}`)}:${rfc7616.nonce}:${cnonce}`);
  const expected = sha256(`${ha1}:${rfc7616.nonce}:00000001:${cnonce}:auth:${sha256(`${method}:${uri}`)}`);
  assert.equal(fields(header).get('response'), `"${expected}"`);
  assert.equal(fields(header).get('algorithm'), 'SHA-256-sess');
});

test('userhash=true sends H(username:realm) and says so (RFC 7616 §3.4.4)', () => {
  const header = digestAuthorization(challenge(`${rfc7616Header('SHA-256')}, userhash=true`), rfc7616.request);
  const f = fields(header);
  assert.equal(f.get('username'), `"${sha256('Mufasa:http-auth@example.org')}"`);
  assert.equal(f.get('userhash'), 'true');
  // The response itself is computed with the plain username.
  assert.equal(f.get('response'), '"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
});

test('a username a quoted-string cannot carry goes as username* (RFC 8187)', () => {
  const header = digestAuthorization(challenge(rfc7616Header('SHA-256')), { ...rfc7616.request, username: 'Jäsøn Doe' });
  assert.equal(fields(header).get('username*'), "UTF-8''J%C3%A4s%C3%B8n%20Doe");
  assert.equal(fields(header).has('username'), false);
});

test('nc is eight hex digits; quotes and backslashes in echoed values are escaped', () => {
  const c = challenge('Digest realm="a \\"quoted\\" realm\\\\", nonce="n", qop="auth", algorithm=SHA-256');
  assert.equal(c.realm, 'a "quoted" realm\\');
  const header = digestAuthorization(c, { ...rfc7616.request, nc: 255 });
  assert.equal(fields(header).get('nc'), '000000ff');
  assert.equal(fields(header).get('realm'), '"a \\"quoted\\" realm\\\\"');
});

const ok = (c: Partial<DigestChallenge> & Pick<DigestChallenge, 'realm' | 'nonce' | 'algorithm'>): ChallengeParse => ({
  ok: true,
  challenge: { userhash: false, stale: false, ...c },
});

const parseCases: readonly { name: string; header: string; expect: ChallengeParse | RegExp }[] = [
  {
    name: "a Shelly Gen2 device's challenge",
    header: 'Digest qop="auth", realm="shellypro1-30c6f782d3a4", nonce="1700000000", algorithm=SHA-256',
    expect: ok({ realm: 'shellypro1-30c6f782d3a4', nonce: '1700000000', algorithm: 'SHA-256' }),
  },
  {
    name: 'scheme, names and algorithm in any case; stale and opaque',
    header: 'DIGEST REALM="r", Nonce="n", QOP="AUTH", Algorithm=sha-256, stale=TRUE, opaque="o"',
    expect: ok({ realm: 'r', nonce: 'n', algorithm: 'sha-256', opaque: 'o', stale: true }),
  },
  {
    name: 'a Basic challenge first, then Digest',
    header: 'Basic realm="device", Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256',
    expect: ok({ realm: 'r', nonce: 'n', algorithm: 'SHA-256' }),
  },
  {
    name: 'a token68 challenge before Digest',
    header: 'Negotiate YIIBnQYGKwYBBQUCoIIBkTCCAY2g==, Digest realm="r", nonce="n", qop="auth"',
    expect: ok({ realm: 'r', nonce: 'n', algorithm: 'MD5' }),
  },
  {
    name: "the server's first choice wins (SHA-256 listed before MD5)",
    header: 'Digest realm="r", nonce="a", qop="auth", algorithm=SHA-256, Digest realm="r", nonce="b", qop="auth", algorithm=MD5',
    expect: ok({ realm: 'r', nonce: 'a', algorithm: 'SHA-256' }),
  },
  {
    name: 'an algorithm we lack is skipped for the next challenge',
    header: 'Digest realm="r", nonce="a", qop="auth", algorithm=SHA-512-256, Digest realm="r", nonce="b", qop="auth", algorithm=MD5',
    expect: ok({ realm: 'r', nonce: 'b', algorithm: 'MD5' }),
  },
  { name: 'only SHA-512-256', header: 'Digest realm="r", nonce="a", qop="auth", algorithm=SHA-512-256', expect: /SHA-512-256 is not supported/ },
  { name: 'no qop (RFC 2069)', header: 'Digest realm="r", nonce="a"', expect: /qop=auth/ },
  { name: 'only qop=auth-int', header: 'Digest realm="r", nonce="a", qop="auth-int"', expect: /qop=auth/ },
  { name: 'no nonce', header: 'Digest realm="r", qop="auth"', expect: /realm or a nonce/ },
  { name: 'Basic only', header: 'Basic realm="device"', expect: /asks for Basic, not Digest/ },
  { name: 'empty', header: '', expect: /asks for nothing, not Digest/ },
  { name: 'unterminated quote', header: 'Digest nonce="n", realm="r, qop=auth', expect: /unterminated/ },
  { name: 'a parameter before any scheme', header: 'realm="r"', expect: /before any scheme/ },
  { name: 'junk after a value', header: 'Digest realm="r" x, nonce="n"', expect: /unexpected character/ },
  { name: 'a stray character', header: 'Digest @', expect: /unexpected character/ },
];

for (const c of parseCases) {
  test(`parseDigestChallenge: ${c.name}`, () => {
    const parsed = parseDigestChallenge(c.header);
    if (c.expect instanceof RegExp) {
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.error, c.expect);
    } else {
      assert.deepEqual(parsed, c.expect);
    }
  });
}
