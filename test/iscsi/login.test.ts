// The target's side of iSCSI login (RFC 7143 §6.3 stages and transitions, §11.13.5 status codes, §12.1.3 CHAP incl. mutual), driven PDU by PDU with a fake environment.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { LoginNegotiator, LoginStatus, type ChapPolicy, type LoginAnswer, type LoginEnv, type LoginRequestView, type TargetLookup } from '../../src/iscsi/login.js';
import type { TextKeys } from '../../src/iscsi/text-keys.js';

const INITIATOR = 'iqn.1994-05.com.redhat:client';
const TARGET = 'iqn.2025-01.lan.bramble:disk0';

interface FakeEnv extends LoginEnv<string> {
  readonly lookups: Array<[string, string]>;
  /** Every byte string random() handed out, in order. */
  readonly handedOut: Buffer[];
}

/** Targets by name; random bytes a counter from `seed`, so every run sees the same challenge. */
function fakeEnv(
  options: {
    targets?: Record<string, { chap: ChapPolicy | null; allowed?: boolean }>;
    discoveryChap?: ChapPolicy | null;
    portalGroupTag?: number;
    seed?: number;
  } = {},
): FakeEnv {
  const targets = options.targets ?? { [TARGET]: { chap: null } };
  let next = options.seed ?? 0x40;
  const lookups: Array<[string, string]> = [];
  const handedOut: Buffer[] = [];
  return {
    lookups,
    handedOut,
    discoveryChap: options.discoveryChap ?? null,
    portalGroupTag: options.portalGroupTag ?? 1,
    findTarget(targetName, initiatorName): TargetLookup<string> {
      lookups.push([targetName, initiatorName]);
      const t = targets[targetName];
      if (t === undefined) return { ok: false, reason: 'NOT_FOUND' };
      if (t.allowed === false) return { ok: false, reason: 'NOT_ALLOWED' };
      return { ok: true, target: `device:${targetName}`, chap: t.chap };
    },
    random(bytes) {
      const out = Buffer.from(Array.from({ length: bytes }, () => next++ & 0xff));
      handedOut.push(out);
      return out;
    },
  };
}

const req = (csg: number, nsg: number, transit: boolean, version: { min?: number; max?: number } = {}): LoginRequestView => ({
  csg,
  nsg,
  transit,
  versionMin: version.min ?? 0,
  versionMax: version.max ?? 0,
});

const normalFirst: TextKeys = [
  ['InitiatorName', INITIATOR],
  ['SessionType', 'Normal'],
  ['TargetName', TARGET],
];

const value = (a: LoginAnswer<string>, key: string): string | undefined => a.keys.find(([k]) => k === key)?.[1];
const count = (a: LoginAnswer<string>, key: string): number => a.keys.filter(([k]) => k === key).length;

/** RFC 1994 §4.1, computed here rather than with chap.ts: MD5(identifier || secret || challenge). */
const md5Response = (id: number, secret: string, challengeHex: string): string =>
  `0x${createHash('md5').update(Buffer.concat([Buffer.from([id]), Buffer.from(secret, 'utf8'), Buffer.from(challengeHex, 'hex')])).digest('hex')}`;

function assertFailed(a: LoginAnswer<string>, status: number): void {
  assert.equal(a.status, status, `status 0x${a.status.toString(16).padStart(4, '0')}, expected 0x${status.toString(16).padStart(4, '0')}`);
  assert.equal(a.transit, false);
  assert.deepEqual(a.keys, []);
  assert.equal(a.done, undefined);
}

test('LoginStatus codes are class << 8 | detail as RFC 7143 §11.13.5 lists them', () => {
  assert.equal(LoginStatus.authenticationFailure, 0x0201);
  assert.equal(LoginStatus.authorizationFailure, 0x0202);
  assert.equal(LoginStatus.notFound, 0x0203);
  assert.equal(LoginStatus.unsupportedVersion, 0x0205);
  assert.equal(LoginStatus.missingParameter, 0x0207);
  assert.equal(LoginStatus.sessionTypeNotSupported, 0x0209);
  assert.equal(LoginStatus.invalidDuringLogin, 0x020b);
});

test('no authentication: security -> operational -> full feature phase', () => {
  const env = fakeEnv();
  const login = new LoginNegotiator(env);

  const a1 = login.step(req(0, 1, true), [...normalFirst, ['AuthMethod', 'None']]);
  assert.deepEqual(a1, {
    status: 0,
    transit: true,
    csg: 0,
    nsg: 1,
    keys: [
      ['TargetPortalGroupTag', '1'],
      ['AuthMethod', 'None'],
    ],
  });
  assert.deepEqual(env.lookups, [[TARGET, INITIATOR]]);

  const a2 = login.step(req(1, 3, true), [
    ['HeaderDigest', 'CRC32C,None'],
    ['DataDigest', 'None'],
    ['MaxRecvDataSegmentLength', '65536'],
    ['ImmediateData', 'Yes'],
  ]);
  assert.equal(a2.status, 0);
  assert.equal(a2.transit, true);
  assert.equal(a2.csg, 1);
  assert.equal(a2.nsg, 3);
  assert.deepEqual(a2.keys, [
    ['HeaderDigest', 'CRC32C'],
    ['DataDigest', 'None'],
    ['MaxRecvDataSegmentLength', '262144'],
    ['ImmediateData', 'Yes'],
  ]);
  assert.equal(count(a2, 'TargetPortalGroupTag'), 0, 'the tag goes in the first answer only');
  assert.ok(a2.done !== undefined);
  assert.equal(a2.done.initiatorName, INITIATOR);
  assert.equal(a2.done.sessionType, 'Normal');
  assert.equal(a2.done.target, `device:${TARGET}`);
  assert.equal(a2.done.params.headerDigest, true);
  assert.equal(a2.done.params.dataDigest, false);
  assert.equal(a2.done.params.initiatorMaxRecv, 65536);
  assert.equal(env.handedOut.length, 0, 'no challenge without CHAP');
});

test('no authentication and no AuthMethod key at all: the security stage passes', () => {
  const login = new LoginNegotiator(fakeEnv());
  const a1 = login.step(req(0, 1, true), normalFirst);
  assert.equal(a1.status, 0);
  assert.equal(a1.transit, true);
  assert.deepEqual(a1.keys, [['TargetPortalGroupTag', '1']]);
});

test('security stage straight to full feature phase (CSG=0 NSG=3)', () => {
  const login = new LoginNegotiator(fakeEnv());
  const a = login.step(req(0, 3, true), [...normalFirst, ['AuthMethod', 'None']]);
  assert.equal(a.status, 0);
  assert.equal(a.transit, true);
  assert.equal(a.nsg, 3);
  assert.ok(a.done !== undefined);
  assert.equal(value(a, 'MaxRecvDataSegmentLength'), '262144');
});

test('the target offers only AuthMethod=None when none is configured: an offer without None fails 0x0201', () => {
  const login = new LoginNegotiator(fakeEnv());
  assertFailed(login.step(req(0, 1, true), [...normalFirst, ['AuthMethod', 'CHAP']]), LoginStatus.authenticationFailure);
});

test('AuthMethod=CHAP,None without CHAP configured: None', () => {
  const login = new LoginNegotiator(fakeEnv());
  const a = login.step(req(0, 1, true), [...normalFirst, ['AuthMethod', 'CHAP,None']]);
  assert.equal(a.status, 0);
  assert.equal(value(a, 'AuthMethod'), 'None');
});

test('skipping the security stage (first PDU CSG=1) is allowed without CHAP', () => {
  const login = new LoginNegotiator(fakeEnv());
  const a = login.step(req(1, 3, true), [...normalFirst, ['HeaderDigest', 'None']]);
  assert.equal(a.status, 0);
  assert.equal(a.transit, true);
  assert.equal(a.csg, 1);
  assert.equal(a.nsg, 3);
  assert.equal(value(a, 'TargetPortalGroupTag'), '1');
  assert.equal(value(a, 'HeaderDigest'), 'None');
  assert.ok(a.done !== undefined);
});

const chapPolicy: ChapPolicy = { initiator: { user: 'alice', secret: 'alice-secret-12' } };
const mutualPolicy: ChapPolicy = { initiator: { user: 'alice', secret: 'alice-secret-12' }, target: { user: 'bramble', secret: 'target-secret-34' } };

test('skipping the security stage is refused with 0x0201 when the target asks for CHAP', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } } }));
  assertFailed(login.step(req(1, 3, true), normalFirst), LoginStatus.authenticationFailure);
});

/** Steps 1 and 2 of CHAP: AuthMethod, then CHAP_A; returns the identifier and challenge the target chose. */
function chapStart(login: LoginNegotiator<string>, first: TextKeys = normalFirst): { id: number; challengeHex: string } {
  const a1 = login.step(req(0, 1, false), [...first, ['AuthMethod', 'CHAP,None']]);
  assert.equal(a1.status, 0);
  assert.equal(a1.transit, false);
  assert.equal(value(a1, 'AuthMethod'), 'CHAP');
  const a2 = login.step(req(0, 1, false), [['CHAP_A', '7,5']]);
  assert.equal(a2.status, 0);
  assert.equal(a2.transit, false);
  assert.equal(value(a2, 'CHAP_A'), '5');
  const id = Number(value(a2, 'CHAP_I'));
  const c = value(a2, 'CHAP_C');
  assert.ok(c !== undefined && /^0x[0-9a-f]{32}$/.test(c), `CHAP_C ${c}`);
  return { id, challengeHex: c.slice(2) };
}

test('CHAP: AuthMethod=CHAP -> CHAP_A -> CHAP_N/CHAP_R with the right secret succeeds, then operational, then full feature', () => {
  const env = fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } }, seed: 0x40 });
  const login = new LoginNegotiator(env);
  const { id, challengeHex } = chapStart(login);
  // The identifier and challenge are the fake random's bytes: one byte, then 16.
  assert.equal(id, 0x40);
  assert.equal(challengeHex, '4142434445464748494a4b4c4d4e4f50');
  assert.deepEqual(
    env.handedOut.map((b) => b.length),
    [1, 16],
  );

  const a3 = login.step(req(0, 1, true), [
    ['CHAP_N', 'alice'],
    ['CHAP_R', md5Response(id, 'alice-secret-12', challengeHex)],
  ]);
  assert.deepEqual(a3, { status: 0, transit: true, csg: 0, nsg: 1, keys: [] });

  const a4 = login.step(req(1, 3, true), [['MaxRecvDataSegmentLength', '8192']]);
  assert.equal(a4.status, 0);
  assert.equal(a4.transit, true);
  assert.ok(a4.done !== undefined);
  assert.equal(a4.done.params.initiatorMaxRecv, 8192);
});

test('CHAP: a response in base64 is accepted too', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } } }));
  const { id, challengeHex } = chapStart(login);
  const r = Buffer.from(md5Response(id, 'alice-secret-12', challengeHex).slice(2), 'hex').toString('base64');
  const a3 = login.step(req(0, 1, true), [
    ['CHAP_N', 'alice'],
    ['CHAP_R', `0b${r}`],
  ]);
  assert.equal(a3.status, 0);
  assert.equal(a3.transit, true);
});

test('CHAP: T=1 before authentication is done is answered T=0, not refused', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } } }));
  const a1 = login.step(req(0, 1, true), [...normalFirst, ['AuthMethod', 'CHAP']]);
  assert.equal(a1.status, 0);
  assert.equal(a1.transit, false);
  assert.equal(a1.nsg, 0);
});

const chapFailures: ReadonlyArray<[string, (id: number, challengeHex: string) => TextKeys]> = [
  [
    'a wrong secret',
    (id, c) => [
      ['CHAP_N', 'alice'],
      ['CHAP_R', md5Response(id, 'alice-secret-13', c)],
    ],
  ],
  [
    'a wrong user (right secret)',
    (id, c) => [
      ['CHAP_N', 'mallory'],
      ['CHAP_R', md5Response(id, 'alice-secret-12', c)],
    ],
  ],
  [
    'the response to another identifier',
    (id, c) => [
      ['CHAP_N', 'alice'],
      ['CHAP_R', md5Response((id + 1) & 0xff, 'alice-secret-12', c)],
    ],
  ],
  ['no CHAP_R', () => [['CHAP_N', 'alice']]],
  [
    'a CHAP_R that is not binary',
    () => [
      ['CHAP_N', 'alice'],
      ['CHAP_R', 'letmein'],
    ],
  ],
  [
    'a truncated response',
    (id, c) => [
      ['CHAP_N', 'alice'],
      ['CHAP_R', md5Response(id, 'alice-secret-12', c).slice(0, 32)],
    ],
  ],
];
for (const [name, keys] of chapFailures) {
  test(`CHAP fails with 0x0201 on ${name}`, () => {
    const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } } }));
    const { id, challengeHex } = chapStart(login);
    assertFailed(login.step(req(0, 1, true), keys(id, challengeHex)), LoginStatus.authenticationFailure);
  });
}

test('CHAP: an initiator offering only None to a target that asks for CHAP fails 0x0201', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } } }));
  assertFailed(login.step(req(0, 1, true), [...normalFirst, ['AuthMethod', 'None']]), LoginStatus.authenticationFailure);
});

test('CHAP: no MD5 among the CHAP_A algorithms fails 0x0201', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } } }));
  login.step(req(0, 1, false), [...normalFirst, ['AuthMethod', 'CHAP']]);
  assertFailed(login.step(req(0, 1, false), [['CHAP_A', '6,7']]), LoginStatus.authenticationFailure);
});

test('mutual CHAP: the target answers the initiator challenge with its own name and MD5(id || target secret || challenge)', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: mutualPolicy } } }));
  const { id, challengeHex } = chapStart(login);
  const theirChallenge = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
  const a3 = login.step(req(0, 1, true), [
    ['CHAP_N', 'alice'],
    ['CHAP_R', md5Response(id, 'alice-secret-12', challengeHex)],
    ['CHAP_I', '77'],
    ['CHAP_C', `0x${theirChallenge}`],
  ]);
  assert.equal(a3.status, 0);
  assert.equal(a3.transit, true);
  assert.deepEqual(a3.keys, [
    ['CHAP_N', 'bramble'],
    ['CHAP_R', md5Response(77, 'target-secret-34', theirChallenge)],
  ]);
  const a4 = login.step(req(1, 3, true), [['MaxRecvDataSegmentLength', '32768']]);
  assert.equal(a4.done?.auth, 'mutual CHAP', 'the session says the target was checked too');
});

test('one-way CHAP: the session says CHAP, not mutual', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: mutualPolicy } } }));
  const { id, challengeHex } = chapStart(login);
  const a3 = login.step(req(0, 1, true), [
    ['CHAP_N', 'alice'],
    ['CHAP_R', md5Response(id, 'alice-secret-12', challengeHex)],
  ]);
  assert.equal(a3.status, 0);
  assert.deepEqual(a3.keys, [], 'no target answer when none is asked for');
  const a4 = login.step(req(1, 3, true), [['MaxRecvDataSegmentLength', '32768']]);
  assert.equal(a4.done?.auth, 'CHAP');
});

test('mutual CHAP asked but the target has no credentials of its own: 0x0201', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } } }));
  const { id, challengeHex } = chapStart(login);
  assertFailed(
    login.step(req(0, 1, true), [
      ['CHAP_N', 'alice'],
      ['CHAP_R', md5Response(id, 'alice-secret-12', challengeHex)],
      ['CHAP_I', '77'],
      ['CHAP_C', '0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf'],
    ]),
    LoginStatus.authenticationFailure,
  );
});

test('mutual CHAP with CHAP_I but no CHAP_C: 0x0201', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: mutualPolicy } } }));
  const { id, challengeHex } = chapStart(login);
  assertFailed(
    login.step(req(0, 1, true), [
      ['CHAP_N', 'alice'],
      ['CHAP_R', md5Response(id, 'alice-secret-12', challengeHex)],
      ['CHAP_I', '77'],
    ]),
    LoginStatus.authenticationFailure,
  );
});

test('mutual CHAP with our own challenge reflected back: 0x0201, and no target response given away', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: mutualPolicy } } }));
  const { id, challengeHex } = chapStart(login);
  const a3 = login.step(req(0, 1, true), [
    ['CHAP_N', 'alice'],
    ['CHAP_R', md5Response(id, 'alice-secret-12', challengeHex)],
    ['CHAP_I', String(id)],
    ['CHAP_C', `0x${challengeHex}`],
  ]);
  assertFailed(a3, LoginStatus.authenticationFailure);
});

test('mutual CHAP with a wrong initiator response: 0x0201 before the target answers anything', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: mutualPolicy } } }));
  const { id, challengeHex } = chapStart(login);
  assertFailed(
    login.step(req(0, 1, true), [
      ['CHAP_N', 'alice'],
      ['CHAP_R', md5Response(id, 'wrong', challengeHex)],
      ['CHAP_I', '77'],
      ['CHAP_C', '0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf'],
    ]),
    LoginStatus.authenticationFailure,
  );
});

const firstPduFailures: ReadonlyArray<[string, LoginRequestView, TextKeys, number]> = [
  ['no InitiatorName', req(0, 1, true), [['TargetName', TARGET]], LoginStatus.missingParameter],
  [
    'an empty InitiatorName',
    req(0, 1, true),
    [
      ['InitiatorName', ''],
      ['TargetName', TARGET],
    ],
    LoginStatus.missingParameter,
  ],
  ['a normal session without TargetName', req(0, 1, true), [['InitiatorName', INITIATOR]], LoginStatus.missingParameter],
  [
    'a normal session with an empty TargetName',
    req(0, 1, true),
    [
      ['InitiatorName', INITIATOR],
      ['TargetName', ''],
    ],
    LoginStatus.missingParameter,
  ],
  [
    'an unknown target',
    req(0, 1, true),
    [
      ['InitiatorName', INITIATOR],
      ['TargetName', 'iqn.2025-01.lan.bramble:nope'],
    ],
    LoginStatus.notFound,
  ],
  [
    'a session type that does not exist',
    req(0, 1, true),
    [
      ['InitiatorName', INITIATOR],
      ['SessionType', 'Bogus'],
    ],
    LoginStatus.sessionTypeNotSupported,
  ],
  ['Version-min 1 (only version 0 exists)', req(0, 1, true, { min: 1, max: 1 }), normalFirst, LoginStatus.unsupportedVersion],
  ['a first PDU in the full feature stage (CSG=3)', req(3, 3, true), normalFirst, LoginStatus.invalidDuringLogin],
];
for (const [name, r, keys, status] of firstPduFailures) {
  test(`first login PDU with ${name}: 0x${status.toString(16).padStart(4, '0')}`, () => {
    assertFailed(new LoginNegotiator(fakeEnv()).step(r, keys), status);
  });
}

test('a target this initiator may not use: 0x0202 (authorization failure)', () => {
  const env = fakeEnv({ targets: { [TARGET]: { chap: null, allowed: false } } });
  assertFailed(new LoginNegotiator(env).step(req(0, 1, true), normalFirst), LoginStatus.authorizationFailure);
  assert.deepEqual(env.lookups, [[TARGET, INITIATOR]]);
});

test('Version-max above 0 with Version-min 0 is accepted', () => {
  const a = new LoginNegotiator(fakeEnv()).step(req(0, 1, true, { min: 0, max: 2 }), normalFirst);
  assert.equal(a.status, 0);
});

test('discovery session without discovery CHAP: no TargetName needed, no tag, no target', () => {
  const env = fakeEnv({ discoveryChap: null });
  const login = new LoginNegotiator(env);
  const a1 = login.step(req(0, 1, true), [
    ['InitiatorName', INITIATOR],
    ['SessionType', 'Discovery'],
    ['AuthMethod', 'None'],
  ]);
  assert.deepEqual(a1, { status: 0, transit: true, csg: 0, nsg: 1, keys: [['AuthMethod', 'None']] });
  assert.deepEqual(env.lookups, [], 'no target is looked up');
  const a2 = login.step(req(1, 3, true), [['MaxRecvDataSegmentLength', '32768']]);
  assert.ok(a2.done !== undefined);
  assert.deepEqual(a2.done, {
    params: { ...a2.done.params, initiatorMaxRecv: 32768 },
    initiatorName: INITIATOR,
    sessionType: 'Discovery',
    target: null,
    auth: 'none',
  });
});

test('discovery session with discovery CHAP: None refused, skipping security refused, CHAP with the discovery secret accepted', () => {
  const discoveryChap: ChapPolicy = { initiator: { user: 'scout', secret: 'discovery-secret' } };
  const first: TextKeys = [
    ['InitiatorName', INITIATOR],
    ['SessionType', 'Discovery'],
  ];
  assertFailed(new LoginNegotiator(fakeEnv({ discoveryChap })).step(req(0, 1, true), [...first, ['AuthMethod', 'None']]), LoginStatus.authenticationFailure);
  assertFailed(new LoginNegotiator(fakeEnv({ discoveryChap })).step(req(1, 3, true), first), LoginStatus.authenticationFailure);

  const login = new LoginNegotiator(fakeEnv({ discoveryChap }));
  const { id, challengeHex } = chapStart(login, first);
  const wrong = new LoginNegotiator(fakeEnv({ discoveryChap }));
  const w = chapStart(wrong, first);
  assertFailed(
    wrong.step(req(0, 3, true), [
      ['CHAP_N', 'scout'],
      ['CHAP_R', md5Response(w.id, 'alice-secret-12', w.challengeHex)],
    ]),
    LoginStatus.authenticationFailure,
  );
  const a3 = login.step(req(0, 3, true), [
    ['CHAP_N', 'scout'],
    ['CHAP_R', md5Response(id, 'discovery-secret', challengeHex)],
  ]);
  assert.equal(a3.status, 0);
  assert.ok(a3.done !== undefined);
  assert.equal(a3.done.sessionType, 'Discovery');
});

test('a normal session ignores discovery CHAP: the target CHAP policy (none here) decides', () => {
  const login = new LoginNegotiator(fakeEnv({ discoveryChap: chapPolicy }));
  const a = login.step(req(0, 1, true), [...normalFirst, ['AuthMethod', 'None']]);
  assert.equal(a.status, 0);
  assert.equal(a.transit, true);
});

test('TargetPortalGroupTag: the environment tag, in the first answer of a normal session, even while CHAP goes on', () => {
  const login = new LoginNegotiator(fakeEnv({ targets: { [TARGET]: { chap: chapPolicy } }, portalGroupTag: 7 }));
  const a1 = login.step(req(0, 1, false), [...normalFirst, ['AuthMethod', 'CHAP']]);
  assert.deepEqual(a1.keys, [
    ['TargetPortalGroupTag', '7'],
    ['AuthMethod', 'CHAP'],
  ]);
  const a2 = login.step(req(0, 1, false), [['CHAP_A', '5']]);
  assert.equal(count(a2, 'TargetPortalGroupTag'), 0);
});

test('MaxRecvDataSegmentLength: declared by the target in the answer that ends the login when the initiator never offered it', () => {
  const login = new LoginNegotiator(fakeEnv());
  const a1 = login.step(req(0, 1, true), normalFirst);
  assert.equal(count(a1, 'MaxRecvDataSegmentLength'), 0, 'not before the login ends');
  const a2 = login.step(req(1, 1, false), [['HeaderDigest', 'None']]);
  assert.equal(a2.status, 0);
  assert.equal(a2.transit, false);
  assert.equal(count(a2, 'MaxRecvDataSegmentLength'), 0, 'not while the operational stage goes on');
  const a3 = login.step(req(1, 3, true), []);
  assert.equal(a3.status, 0);
  assert.deepEqual(a3.keys, [['MaxRecvDataSegmentLength', '262144']]);
  assert.ok(a3.done !== undefined);
  assert.equal(a3.done.params.initiatorMaxRecv, 8192, 'the initiator did not declare: the default');
});

test('MaxRecvDataSegmentLength: once only when the initiator offered it in an earlier PDU', () => {
  const login = new LoginNegotiator(fakeEnv());
  login.step(req(0, 1, true), normalFirst);
  const a2 = login.step(req(1, 1, false), [['MaxRecvDataSegmentLength', '131072']]);
  assert.deepEqual(a2.keys, [['MaxRecvDataSegmentLength', '262144']]);
  const a3 = login.step(req(1, 3, true), []);
  assert.deepEqual(a3.keys, []);
  assert.ok(a3.done !== undefined);
  assert.equal(a3.done.params.initiatorMaxRecv, 131072);
});

test('operational keys settled over several PDUs all reach the session', () => {
  const login = new LoginNegotiator(fakeEnv());
  login.step(req(0, 1, true), normalFirst);
  login.step(req(1, 1, false), [['HeaderDigest', 'CRC32C']]);
  login.step(req(1, 1, false), [['DataDigest', 'CRC32C']]);
  const done = login.step(req(1, 3, true), [['MaxBurstLength', '65536']]).done;
  assert.ok(done !== undefined);
  assert.equal(done.params.headerDigest, true);
  assert.equal(done.params.dataDigest, true);
  assert.equal(done.params.maxBurstLength, 65536);
});

test('AuthMethod or CHAP keys in the operational stage: 0x020b', () => {
  const l1 = new LoginNegotiator(fakeEnv());
  l1.step(req(0, 1, true), normalFirst);
  assertFailed(l1.step(req(1, 3, true), [['AuthMethod', 'None']]), LoginStatus.invalidDuringLogin);
  const l2 = new LoginNegotiator(fakeEnv());
  l2.step(req(0, 1, true), normalFirst);
  assertFailed(l2.step(req(1, 3, true), [['CHAP_A', '5']]), LoginStatus.invalidDuringLogin);
});

test('a PDU whose CSG is not the current stage: 0x020b', () => {
  const login = new LoginNegotiator(fakeEnv());
  login.step(req(0, 1, true), normalFirst);
  assertFailed(login.step(req(0, 1, true), []), LoginStatus.invalidDuringLogin);
});

test('a transition the stage does not allow: operational -> operational with T=1, security -> security with T=1: 0x020b', () => {
  const l1 = new LoginNegotiator(fakeEnv());
  l1.step(req(0, 1, true), normalFirst);
  assertFailed(l1.step(req(1, 1, true), []), LoginStatus.invalidDuringLogin);
  const l2 = new LoginNegotiator(fakeEnv());
  assertFailed(l2.step(req(0, 0, true), normalFirst), LoginStatus.invalidDuringLogin);
});

test('T=0 in the security stage: the target stays there (T=0, NSG=0) and the next PDU is still CSG=0', () => {
  const login = new LoginNegotiator(fakeEnv());
  const a1 = login.step(req(0, 1, false), normalFirst);
  assert.equal(a1.status, 0);
  assert.equal(a1.transit, false);
  assert.equal(a1.nsg, 0);
  const a2 = login.step(req(0, 1, true), []);
  assert.equal(a2.status, 0);
  assert.equal(a2.transit, true);
});
