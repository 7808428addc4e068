// Operational key negotiation (RFC 7143 §6.2 list/min/max/and/or/declarative outcomes, §13 key ranges, §13.25 obsoleted keys): the target's answers and the session values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PARAMS, isLoginKey, negotiateOperational, TARGET_OFFER, targetDeclarations, type SessionParams } from '../../src/iscsi/operational-keys.js';
import type { TextKeys } from '../../src/iscsi/text-keys.js';

interface Case {
  readonly name: string;
  readonly offered: TextKeys;
  readonly answers: ReadonlyArray<readonly [string, string]>;
  /** Fields that must differ from DEFAULT_PARAMS (everything else must stay the default). */
  readonly params?: Partial<SessionParams>;
}

const cases: Case[] = [
  // Digest lists: the first value in the initiator's order that the target supports (§6.2.1, §13.1).
  { name: 'HeaderDigest=CRC32C,None: CRC32C, on', offered: [['HeaderDigest', 'CRC32C,None']], answers: [['HeaderDigest', 'CRC32C']], params: { headerDigest: true } },
  { name: 'HeaderDigest=None,CRC32C: None, off', offered: [['HeaderDigest', 'None,CRC32C']], answers: [['HeaderDigest', 'None']] },
  { name: 'DataDigest=CRC32C: on', offered: [['DataDigest', 'CRC32C']], answers: [['DataDigest', 'CRC32C']], params: { dataDigest: true } },
  { name: 'DataDigest with an unknown digest first: the next one', offered: [['DataDigest', 'MD5,CRC32C']], answers: [['DataDigest', 'CRC32C']], params: { dataDigest: true } },
  { name: 'DataDigest with nothing supported: Reject, unchanged', offered: [['DataDigest', 'MD5,SHA1']], answers: [['DataDigest', 'Reject']] },
  { name: 'HeaderDigest value case matters (crc32c is not CRC32C): Reject', offered: [['HeaderDigest', 'crc32c']], answers: [['HeaderDigest', 'Reject']] },

  // Minimum functions: the lower of the offer and ours.
  { name: 'MaxBurstLength below ours: theirs', offered: [['MaxBurstLength', '4096']], answers: [['MaxBurstLength', '4096']], params: { maxBurstLength: 4096, firstBurstLength: 4096 } },
  { name: 'MaxBurstLength at the top of its range: ours', offered: [['MaxBurstLength', '16777215']], answers: [['MaxBurstLength', String(TARGET_OFFER.maxBurstLength)]], params: { maxBurstLength: TARGET_OFFER.maxBurstLength } },
  { name: 'MaxBurstLength in hex (0x prefix, §6.1 hex-constant)', offered: [['MaxBurstLength', '0x1000']], answers: [['MaxBurstLength', '4096']], params: { maxBurstLength: 4096, firstBurstLength: 4096 } },
  { name: 'MaxBurstLength at the bottom of its range (512)', offered: [['MaxBurstLength', '512']], answers: [['MaxBurstLength', '512']], params: { maxBurstLength: 512, firstBurstLength: 512 } },
  { name: 'FirstBurstLength above ours: ours', offered: [['FirstBurstLength', '1048576']], answers: [['FirstBurstLength', String(TARGET_OFFER.firstBurstLength)]], params: { firstBurstLength: TARGET_OFFER.firstBurstLength } },
  { name: 'MaxConnections=4: 1', offered: [['MaxConnections', '4']], answers: [['MaxConnections', '1']] },
  { name: 'MaxOutstandingR2T=64: ours (16)', offered: [['MaxOutstandingR2T', '64']], answers: [['MaxOutstandingR2T', '16']], params: { maxOutstandingR2T: 16 } },
  { name: 'MaxOutstandingR2T=1: 1', offered: [['MaxOutstandingR2T', '1']], answers: [['MaxOutstandingR2T', '1']] },
  { name: 'ErrorRecoveryLevel=2: 0', offered: [['ErrorRecoveryLevel', '2']], answers: [['ErrorRecoveryLevel', '0']] },
  { name: 'DefaultTime2Retain=20: 0', offered: [['DefaultTime2Retain', '20']], answers: [['DefaultTime2Retain', '0']] },

  // Maximum function.
  { name: 'DefaultTime2Wait=0: ours (2)', offered: [['DefaultTime2Wait', '0']], answers: [['DefaultTime2Wait', '2']] },
  { name: 'DefaultTime2Wait=10: 10', offered: [['DefaultTime2Wait', '10']], answers: [['DefaultTime2Wait', '10']] },

  // Out of range or not a number: Reject (§6.2), value unchanged.
  { name: 'MaxBurstLength=511 (below 512): Reject', offered: [['MaxBurstLength', '511']], answers: [['MaxBurstLength', 'Reject']] },
  { name: 'MaxBurstLength=16777216 (above 2^24-1): Reject', offered: [['MaxBurstLength', '16777216']], answers: [['MaxBurstLength', 'Reject']] },
  { name: 'FirstBurstLength not a number: Reject', offered: [['FirstBurstLength', 'lots']], answers: [['FirstBurstLength', 'Reject']] },
  { name: 'MaxConnections=0: Reject', offered: [['MaxConnections', '0']], answers: [['MaxConnections', 'Reject']] },
  { name: 'MaxOutstandingR2T=65536: Reject', offered: [['MaxOutstandingR2T', '65536']], answers: [['MaxOutstandingR2T', 'Reject']] },
  { name: 'ErrorRecoveryLevel=3: Reject', offered: [['ErrorRecoveryLevel', '3']], answers: [['ErrorRecoveryLevel', 'Reject']] },
  { name: 'DefaultTime2Wait=3601: Reject', offered: [['DefaultTime2Wait', '3601']], answers: [['DefaultTime2Wait', 'Reject']] },
  { name: 'DefaultTime2Retain=-1: Reject', offered: [['DefaultTime2Retain', '-1']], answers: [['DefaultTime2Retain', 'Reject']] },
  { name: 'a fraction: Reject', offered: [['MaxBurstLength', '1024.5']], answers: [['MaxBurstLength', 'Reject']] },
  { name: 'an empty value: Reject', offered: [['MaxBurstLength', '']], answers: [['MaxBurstLength', 'Reject']] },
  { name: 'a number past 2^53: Reject', offered: [['MaxBurstLength', '99999999999999999999']], answers: [['MaxBurstLength', 'Reject']] },

  // Boolean AND / OR.
  { name: 'ImmediateData=Yes AND ours (Yes): Yes', offered: [['ImmediateData', 'Yes']], answers: [['ImmediateData', 'Yes']] },
  { name: 'ImmediateData=No: No', offered: [['ImmediateData', 'No']], answers: [['ImmediateData', 'No']], params: { immediateData: false } },
  { name: 'InitialR2T=No OR ours (Yes): Yes', offered: [['InitialR2T', 'No']], answers: [['InitialR2T', 'Yes']] },
  { name: 'InitialR2T=Yes: Yes', offered: [['InitialR2T', 'Yes']], answers: [['InitialR2T', 'Yes']] },
  { name: 'DataPDUInOrder=No: Yes (ERL 0 needs order)', offered: [['DataPDUInOrder', 'No']], answers: [['DataPDUInOrder', 'Yes']] },
  { name: 'DataSequenceInOrder=No: Yes', offered: [['DataSequenceInOrder', 'No']], answers: [['DataSequenceInOrder', 'Yes']] },
  { name: 'a boolean not Yes or No: Reject', offered: [['ImmediateData', 'yes']], answers: [['ImmediateData', 'Reject']] },

  // Declarative: the initiator's value is what it receives; the target answers with its own.
  {
    name: 'MaxRecvDataSegmentLength=65536: stored, answered with ours',
    offered: [['MaxRecvDataSegmentLength', '65536']],
    answers: [['MaxRecvDataSegmentLength', String(TARGET_OFFER.maxRecvDataSegmentLength)]],
    params: { initiatorMaxRecv: 65536 },
  },
  {
    name: 'MaxRecvDataSegmentLength=16777215 (top of range)',
    offered: [['MaxRecvDataSegmentLength', '16777215']],
    answers: [['MaxRecvDataSegmentLength', '262144']],
    params: { initiatorMaxRecv: 16777215 },
  },
  { name: 'MaxRecvDataSegmentLength=511: Reject, default kept', offered: [['MaxRecvDataSegmentLength', '511']], answers: [['MaxRecvDataSegmentLength', 'Reject']] },

  // Unknown keys.
  { name: 'an unknown key: NotUnderstood', offered: [['X-com.example.Frobnicate', 'Yes']], answers: [['X-com.example.Frobnicate', 'NotUnderstood']] },
  { name: 'a key of the wrong case: NotUnderstood', offered: [['maxburstlength', '512']], answers: [['maxburstlength', 'NotUnderstood']] },

  // Obsolete marker keys (RFC 7143 §13.25): answered so that an RFC 3720 initiator goes on.
  { name: 'OFMarker=Yes: No', offered: [['OFMarker', 'Yes']], answers: [['OFMarker', 'No']] },
  { name: 'IFMarker=Yes: No', offered: [['IFMarker', 'Yes']], answers: [['IFMarker', 'No']] },

  // Login and security keys are not this function's.
  {
    name: 'login and CHAP keys are skipped, the rest answered in order',
    offered: [
      ['InitiatorName', 'iqn.x'],
      ['HeaderDigest', 'None'],
      ['TargetName', 'iqn.y'],
      ['AuthMethod', 'None'],
      ['CHAP_A', '5'],
      ['SessionType', 'Normal'],
      ['ImmediateData', 'No'],
      ['TargetAlias', 'x'],
      ['InitiatorAlias', 'y'],
      ['TargetPortalGroupTag', '1'],
      ['TargetAddress', '1.2.3.4'],
    ],
    answers: [
      ['HeaderDigest', 'None'],
      ['ImmediateData', 'No'],
    ],
    params: { immediateData: false },
  },
];

for (const c of cases) {
  test(`negotiateOperational: ${c.name}`, () => {
    const got = negotiateOperational(c.offered, DEFAULT_PARAMS);
    assert.deepEqual(got.answers, c.answers);
    assert.deepEqual(got.params, { ...DEFAULT_PARAMS, ...c.params });
  });
}

test('negotiateOperational: a full open-iscsi style offer, answers in the order offered', () => {
  const offered: TextKeys = [
    ['HeaderDigest', 'None'],
    ['DataDigest', 'None'],
    ['DefaultTime2Wait', '2'],
    ['DefaultTime2Retain', '0'],
    ['IFMarker', 'No'],
    ['OFMarker', 'No'],
    ['ErrorRecoveryLevel', '0'],
    ['InitialR2T', 'No'],
    ['ImmediateData', 'Yes'],
    ['MaxBurstLength', '16776192'],
    ['FirstBurstLength', '262144'],
    ['MaxOutstandingR2T', '1'],
    ['MaxConnections', '1'],
    ['DataPDUInOrder', 'Yes'],
    ['DataSequenceInOrder', 'Yes'],
    ['MaxRecvDataSegmentLength', '262144'],
  ];
  const got = negotiateOperational(offered, DEFAULT_PARAMS);
  assert.deepEqual(got.answers, [
    ['HeaderDigest', 'None'],
    ['DataDigest', 'None'],
    ['DefaultTime2Wait', '2'],
    ['DefaultTime2Retain', '0'],
    ['IFMarker', 'No'],
    ['OFMarker', 'No'],
    ['ErrorRecoveryLevel', '0'],
    ['InitialR2T', 'Yes'],
    ['ImmediateData', 'Yes'],
    ['MaxBurstLength', '16776192'],
    ['FirstBurstLength', '262144'],
    ['MaxOutstandingR2T', '1'],
    ['MaxConnections', '1'],
    ['DataPDUInOrder', 'Yes'],
    ['DataSequenceInOrder', 'Yes'],
    ['MaxRecvDataSegmentLength', '262144'],
  ]);
  assert.deepEqual(got.params, {
    headerDigest: false,
    dataDigest: false,
    initiatorMaxRecv: 262144,
    maxBurstLength: 16776192,
    firstBurstLength: 262144,
    immediateData: true,
    initialR2T: true,
    maxOutstandingR2T: 1,
    errorRecoveryLevel: 0,
  });
});

test(
  'negotiateOperational: IFMarkInt and OFMarkInt are answered Reject (RFC 7143 §13.25: MUST respond with the constant "Reject")',
  () => {
    const got = negotiateOperational(
      [
        ['OFMarkInt', '2048~8192'],
        ['IFMarkInt', '2048~8192'],
      ],
      DEFAULT_PARAMS,
    );
    assert.deepEqual(got.answers, [
      ['OFMarkInt', 'Reject'],
      ['IFMarkInt', 'Reject'],
    ]);
  },
);

test('negotiateOperational: obsolete marker keys are never answered NotUnderstood (RFC 7143 §13.25 forbids it)', () => {
  const got = negotiateOperational(
    [
      ['OFMarker', 'No'],
      ['IFMarker', 'No'],
      ['OFMarkInt', '2048'],
      ['IFMarkInt', '2048'],
    ],
    DEFAULT_PARAMS,
  );
  assert.equal(got.answers.length, 4);
  for (const [key, value] of got.answers) assert.notEqual(value, 'NotUnderstood', key);
});

test(
  'negotiateOperational: a numeric value in hex with the 0X prefix is a number (RFC 7143 §6.1 hex-constant: "0x" or "0X")',
  () => {
    const got = negotiateOperational([['MaxBurstLength', '0X1000']], DEFAULT_PARAMS);
    assert.deepEqual(got.answers, [['MaxBurstLength', '4096']]);
  },
);

test('FirstBurstLength is capped at MaxBurstLength when MaxBurstLength comes first', () => {
  const got = negotiateOperational(
    [
      ['MaxBurstLength', '8192'],
      ['FirstBurstLength', '65536'],
    ],
    DEFAULT_PARAMS,
  );
  assert.equal(got.params.maxBurstLength, 8192);
  assert.equal(got.params.firstBurstLength, 8192);
});

test('FirstBurstLength is capped at MaxBurstLength when FirstBurstLength comes first', () => {
  const got = negotiateOperational(
    [
      ['FirstBurstLength', '65536'],
      ['MaxBurstLength', '8192'],
    ],
    DEFAULT_PARAMS,
  );
  assert.equal(got.params.maxBurstLength, 8192);
  assert.equal(got.params.firstBurstLength, 8192);
});

test('FirstBurstLength is capped at MaxBurstLength when they come in different login PDUs', () => {
  const first = negotiateOperational([['FirstBurstLength', '65536']], DEFAULT_PARAMS);
  assert.equal(first.params.firstBurstLength, 65536);
  const second = negotiateOperational([['MaxBurstLength', '16384']], first.params);
  assert.equal(second.params.maxBurstLength, 16384);
  assert.equal(second.params.firstBurstLength, 16384);
});

test('FirstBurstLength under MaxBurstLength is left alone', () => {
  const got = negotiateOperational(
    [
      ['MaxBurstLength', '1048576'],
      ['FirstBurstLength', '4096'],
    ],
    DEFAULT_PARAMS,
  );
  assert.equal(got.params.maxBurstLength, 1048576);
  assert.equal(got.params.firstBurstLength, 4096);
});

test('negotiateOperational starts from current and does not change it', () => {
  const current: SessionParams = { ...DEFAULT_PARAMS, headerDigest: true, initiatorMaxRecv: 4096 };
  const snapshot = { ...current };
  const got = negotiateOperational([['DataDigest', 'CRC32C']], current);
  assert.deepEqual(current, snapshot);
  assert.deepEqual(got.params, { ...current, dataDigest: true });
  assert.equal(DEFAULT_PARAMS.dataDigest, false);
});

test('negotiateOperational with nothing offered: no answers, params as given', () => {
  assert.deepEqual(negotiateOperational([], DEFAULT_PARAMS), { answers: [], params: DEFAULT_PARAMS });
});

test('DEFAULT_PARAMS are the RFC 7143 §13 defaults', () => {
  assert.deepEqual(DEFAULT_PARAMS, {
    headerDigest: false,
    dataDigest: false,
    initiatorMaxRecv: 8192,
    maxBurstLength: 262144,
    firstBurstLength: 65536,
    immediateData: true,
    initialR2T: true,
    maxOutstandingR2T: 1,
    errorRecoveryLevel: 0,
  });
});

test('isLoginKey: login-phase and CHAP keys, not operational ones', () => {
  for (const k of ['InitiatorName', 'TargetName', 'SessionType', 'AuthMethod', 'CHAP_A', 'CHAP_R', 'TargetPortalGroupTag']) assert.ok(isLoginKey(k), k);
  for (const k of ['HeaderDigest', 'MaxRecvDataSegmentLength', 'OFMarker', 'SendTargets']) assert.ok(!isLoginKey(k), k);
});

test('targetDeclarations: the target declares its MaxRecvDataSegmentLength when it was not asked', () => {
  assert.deepEqual(targetDeclarations([]), [['MaxRecvDataSegmentLength', '262144']]);
  assert.deepEqual(targetDeclarations([['HeaderDigest', 'None']]), [['MaxRecvDataSegmentLength', String(TARGET_OFFER.maxRecvDataSegmentLength)]]);
});

test('targetDeclarations: nothing more when the initiator offered MaxRecvDataSegmentLength (the answer carried ours)', () => {
  assert.deepEqual(
    targetDeclarations([
      ['HeaderDigest', 'None'],
      ['MaxRecvDataSegmentLength', '8192'],
    ]),
    [],
  );
});
