// The iSCSI target's task-level behaviour through a raw initiator on 127.0.0.1 (RFC 7143): NOP-Out/NOP-In
// (§11.18, §11.19), R2T and Data-Out (§11.7, §11.8), task management (§11.5, §11.6), logout (§11.14, §11.15),
// session reinstatement (§6.3.5) and SendTargets in a discovery session (Appendix C).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { connectInitiator, INITIATOR_NAME, loggedIn, patternBlocks, startTestTarget } from './iscsi-test-target.js';
import { cdb, dataOut, logoutRequest, nopOut, Op, parseKeys, RESERVED_TAG, scsiCommand, taskRequest, textKeys, textRequest } from './raw-initiator.js';
import type { Pdu, RawInitiator } from './raw-initiator.js';

const SECOND_TARGET = 'iqn.2026-11.org.bramble.test:disk2';
const TaskFn = { abortTask: 1, logicalUnitReset: 5 } as const;
const TaskResp = { complete: 0, noSuchTask: 1, noSuchLun: 2 } as const;

/** Bytes `lba` to `lba + blocks` of the image file, as the server left them. */
async function imageBlocks(path: string, lba: number, blocks: number): Promise<Buffer> {
  return (await readFile(path)).subarray(lba * 512, (lba + blocks) * 512);
}

/** A WRITE(10) sent without data, and the first R2T that asks for it. */
async function writeAwaitingData(ini: RawInitiator, lba: number, blocks: number): Promise<{ itt: number; cmdSN: number; r2t: Pdu }> {
  const itt = ini.nextItt();
  const cmdSN = ini.cmdSN;
  ini.cmdSN = (ini.cmdSN + 1) >>> 0;
  const from = ini.mark;
  ini.send(scsiCommand({ itt, write: true, expectedLength: blocks * 512, cmdSN, expStatSN: ini.expStatSN, cdb: cdb.write10(lba, blocks) }));
  const r2t = await ini.waitFor((p) => p.itt === itt && p.opcode !== Op.nopIn, `R2T for ITT ${itt}`, { from });
  assert.equal(r2t.opcode, Op.r2t, `expected an R2T, got opcode 0x${r2t.opcode.toString(16)}`);
  return { itt, cmdSN, r2t };
}

/** A task management request (immediate) and its response. */
async function taskManagement(ini: RawInitiator, fn: number, fields: { lun?: bigint; referencedTag?: number; refCmdSN?: number } = {}): Promise<Pdu> {
  const itt = ini.nextItt();
  const from = ini.mark;
  ini.send(taskRequest({ immediate: true, itt, fn, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, ...fields }));
  const response = await ini.waitFor((p) => p.opcode === Op.taskResponse && p.itt === itt, `Task Management Response to ITT ${itt}`, { from });
  ini.expStatSN = (response.statSN + 1) >>> 0;
  return response;
}

/** Every PDU received that answers `itt` as a command: Data-In, R2T, SCSI Response, or a Reject of its header. */
const answersTo = (ini: RawInitiator, itt: number): Pdu[] =>
  ini.received.filter((p) => ((p.opcode === Op.scsiResponse || p.opcode === Op.dataIn || p.opcode === Op.r2t) && p.itt === itt) || (p.opcode === Op.reject && p.data.length >= 20 && p.data.readUInt32BE(16) === itt));

test('NOP-Out ping: a NOP-In echoes its data and ITT; a non-immediate one moves ExpCmdSN on', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target);
  const payload = Buffer.from('bramble ping 0123456789'); // 23 bytes: the echo is padded on the wire, not in the data
  const expectedStatSN = ini.expStatSN;
  const nopIn = await ini.ping(payload);
  assert.equal(nopIn.opcode, Op.nopIn);
  assert.equal(nopIn.flags & 0x80, 0x80, 'F bit');
  assert.deepEqual(nopIn.data, payload);
  assert.equal(nopIn.ttt, RESERVED_TAG, 'a NOP-In that answers a ping carries TTT 0xffffffff');
  assert.equal(nopIn.bhs.readBigUInt64BE(8), 0n, 'LUN copied');
  assert.equal(nopIn.statSN, expectedStatSN);
  assert.equal(nopIn.expCmdSN, ini.cmdSN, 'an immediate NOP-Out does not take a CmdSN');

  const itt = ini.nextItt();
  const cmdSN = ini.cmdSN;
  const from = ini.mark;
  ini.send(nopOut({ itt, cmdSN, expStatSN: ini.expStatSN, dataLength: 0 }));
  const second = await ini.waitFor((p) => p.opcode === Op.nopIn && p.itt === itt, 'NOP-In', { from });
  assert.equal(second.data.length, 0);
  assert.equal(second.statSN, expectedStatSN + 1);
  assert.equal(second.expCmdSN, (cmdSN + 1) >>> 0);
});

test('ImmediateData=No: WRITE(10) of 2 blocks gets an R2T for offset 0, length 1024, and its Data-Out completes the write', async (t) => {
  const target = await startTestTarget(t);
  const ini = await connectInitiator(t, target);
  const login = await ini.login({ initiatorName: INITIATOR_NAME, targetName: target.targetName, keys: [['ImmediateData', 'No']] });
  assert.ok(login.ok);
  assert.equal(login.keys.get('ImmediateData'), 'No');
  assert.equal(login.keys.get('InitialR2T'), undefined, 'not offered, not answered');

  const statSN = ini.expStatSN;
  const { itt, cmdSN, r2t } = await writeAwaitingData(ini, 100, 2);
  assert.equal(r2t.flags & 0x80, 0x80, 'F bit');
  assert.equal(r2t.bhs.readBigUInt64BE(8), 0n, 'LUN');
  assert.notEqual(r2t.ttt, RESERVED_TAG, 'an R2T names a Target Transfer Tag');
  assert.equal(r2t.statSN, statSN, 'an R2T carries the next StatSN without taking it');
  assert.equal(r2t.expCmdSN, (cmdSN + 1) >>> 0);
  assert.equal(r2t.bhs.readUInt32BE(36), 0, 'R2TSN');
  assert.equal(r2t.bhs.readUInt32BE(40), 0, 'Buffer Offset');
  assert.equal(r2t.bhs.readUInt32BE(44), 1024, 'Desired Data Transfer Length');

  const data = Buffer.alloc(1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + 5) & 0xff;
  const from = ini.mark;
  ini.send(dataOut({ itt, final: true, ttt: r2t.ttt, expStatSN: ini.expStatSN, dataSN: 0, bufferOffset: 0, dataLength: 1024 }), data);
  const response = await ini.waitFor((p) => p.itt === itt && p.opcode === Op.scsiResponse, 'SCSI Response', { from });
  assert.equal(response.flags, 0x80, 'no residual');
  assert.equal(response.bhs[2], 0, 'command completed at target');
  assert.equal(response.bhs[3], 0, 'GOOD');
  assert.equal(response.statSN, statSN);
  assert.equal(response.bhs.readUInt32BE(36), 1, 'ExpDataSN: one R2T');
  assert.equal(response.bhs.readUInt32BE(44), 0, 'residual count');
  ini.expStatSN = (response.statSN + 1) >>> 0;

  const back = await ini.scsi(cdb.read10(99, 4), { read: 2048 });
  assert.equal(back.status, 0);
  assert.deepEqual(back.data, Buffer.concat([patternBlocks(99, 1), data, patternBlocks(102, 1)]));
  assert.deepEqual(await imageBlocks(target.imagePath, 100, 2), data);
});

test('MaxBurstLength=512: a 2-block WRITE is asked for in two R2Ts, one after the other', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target, { keys: [['ImmediateData', 'No'], ['MaxBurstLength', '512'], ['FirstBurstLength', '512']] });
  const { itt, r2t } = await writeAwaitingData(ini, 7, 2);
  assert.deepEqual([r2t.bhs.readUInt32BE(36), r2t.bhs.readUInt32BE(40), r2t.bhs.readUInt32BE(44)], [0, 0, 512]);
  const data = Buffer.alloc(1024, 0xa5);
  let from = ini.mark;
  ini.send(dataOut({ itt, final: true, ttt: r2t.ttt, expStatSN: ini.expStatSN, dataSN: 0, bufferOffset: 0, dataLength: 512 }), data.subarray(0, 512));
  const second = await ini.waitFor((p) => p.itt === itt && (p.opcode === Op.r2t || p.opcode === Op.scsiResponse), 'the second R2T', { from });
  assert.equal(second.opcode, Op.r2t);
  assert.deepEqual([second.bhs.readUInt32BE(36), second.bhs.readUInt32BE(40), second.bhs.readUInt32BE(44)], [1, 512, 512]);
  assert.notEqual(second.ttt, r2t.ttt);
  from = ini.mark;
  ini.send(dataOut({ itt, final: true, ttt: second.ttt, expStatSN: ini.expStatSN, dataSN: 0, bufferOffset: 512, dataLength: 512 }), data.subarray(512));
  const response = await ini.waitFor((p) => p.itt === itt && p.opcode === Op.scsiResponse, 'SCSI Response', { from });
  assert.equal(response.bhs[3], 0);
  assert.equal(response.bhs.readUInt32BE(36), 2, 'ExpDataSN: two R2Ts');
  assert.deepEqual(await imageBlocks(target.imagePath, 7, 2), data);
});

test('ABORT TASK of a WRITE waiting for its data: function complete, no response for it ever, nothing written', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target, { keys: [['ImmediateData', 'No']] });
  const { itt, cmdSN, r2t } = await writeAwaitingData(ini, 200, 2);
  const response = await taskManagement(ini, TaskFn.abortTask, { referencedTag: itt, refCmdSN: cmdSN });
  assert.equal(response.bhs[2], TaskResp.complete, 'Function complete');
  assert.equal(response.flags, 0x80);
  assert.equal(target.server.stats().taskAborts, 1);

  // Data the initiator had in flight for the aborted task is dropped quietly: no Reject, no response.
  ini.send(dataOut({ itt, final: true, ttt: r2t.ttt, expStatSN: ini.expStatSN, dataSN: 0, bufferOffset: 0, dataLength: 1024 }), Buffer.alloc(1024, 0xee));
  await ini.ping();
  // A new command after the abort runs, and the session goes on.
  const read = await ini.scsi(cdb.read10(200, 2), { read: 1024 });
  assert.equal(read.status, 0);
  assert.deepEqual(read.data, patternBlocks(200, 2), 'the aborted write wrote nothing');
  await ini.ping();
  assert.deepEqual(answersTo(ini, itt).map((p) => p.opcode), [Op.r2t], 'only the R2T ever came for the aborted task');
  assert.equal(ini.received.filter((p) => p.opcode === Op.reject).length, 0);
});

test('ABORT TASK of a command that already finished (RefCmdSN below ExpCmdSN, tag unknown) answers Task does not exist', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target);
  const cmdSN = ini.cmdSN;
  const done = await ini.scsi(cdb.testUnitReady());
  assert.equal(done.status, 0);
  const response = await taskManagement(ini, TaskFn.abortTask, { referencedTag: done.final.itt, refCmdSN: cmdSN });
  assert.equal(response.bhs[2], TaskResp.noSuchTask, 'RefCmdSN is outside the window [ExpCmdSN, MaxCmdSN]: RFC 7143 §11.5.1 c');
  assert.equal(target.server.stats().taskAborts, 0);
});

test('LOGICAL UNIT RESET answers function complete and ends the pending write; on LUN 1, LUN does not exist', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target, { keys: [['ImmediateData', 'No']] });
  const { itt } = await writeAwaitingData(ini, 300, 1);
  const reset = await taskManagement(ini, TaskFn.logicalUnitReset, { lun: 0n });
  assert.equal(reset.bhs[2], TaskResp.complete);
  const other = await taskManagement(ini, TaskFn.logicalUnitReset, { lun: 0x0001_0000_0000_0000n });
  assert.equal(other.bhs[2], TaskResp.noSuchLun);
  assert.equal((await ini.scsi(cdb.testUnitReady())).status, 0);
  await ini.ping();
  assert.deepEqual(answersTo(ini, itt).map((p) => p.opcode), [Op.r2t]);
  assert.equal(target.server.stats().taskAborts, 1);
});

test('Logout: a Logout Response with the ITT, then the server closes the connection and ends the session', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target);
  assert.equal(target.server.sessions(), 1);
  const itt = ini.nextItt();
  const from = ini.mark;
  const expectedStatSN = ini.expStatSN;
  ini.send(logoutRequest({ immediate: true, itt, reason: 0, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN }));
  const response = await ini.waitFor((p) => p.opcode === Op.logoutResponse, 'Logout Response', { from });
  assert.equal(response.itt, itt);
  assert.equal(response.flags, 0x80);
  assert.equal(response.bhs[2], 0, 'connection or session closed successfully');
  assert.equal(response.statSN, expectedStatSN);
  assert.ok(await ini.closesWithin(5_000), 'the server closed the connection after the Logout Response');
  assert.equal(target.server.sessions(), 0);
});

test('a second login with the same InitiatorName and ISID reinstates the session: the first connection is closed', async (t) => {
  const target = await startTestTarget(t);
  const isid = Buffer.from([0x80, 0xaa, 0xbb, 0xcc, 0x00, 0x07]);
  const first = await loggedIn(t, target, { isid });
  const firstTsih = first.received.at(-1)!.bhs.readUInt16BE(14);
  assert.notEqual(firstTsih, 0);
  const second = await connectInitiator(t, target);
  const login = await second.login({ initiatorName: INITIATOR_NAME, targetName: target.targetName, isid });
  assert.ok(login.ok, 'the new login succeeds');
  assert.notEqual(login.tsih, 0);
  assert.ok(await first.closesWithin(5_000), 'the first connection was closed');
  assert.equal(target.server.stats().sessionsReinstated, 1);
  assert.equal(target.server.sessions(), 1);
  const inquiry = await second.scsi(cdb.inquiry(36), { read: 36 });
  assert.equal(inquiry.status, 0);
  assert.equal(inquiry.data.subarray(8, 16).toString('ascii'), 'BRAMBLE ');
  // A different ISID is a different session: both stay.
  const third = await loggedIn(t, target, { isid: Buffer.from([0x80, 0xaa, 0xbb, 0xcc, 0x00, 0x08]) });
  await second.ping();
  await third.ping();
  assert.equal(target.server.sessions(), 2);
});

test('SendTargets=All in a discovery session lists the target with its address and portal group tag', async (t) => {
  const target = await startTestTarget(t, { moreTargets: [SECOND_TARGET] });
  const ini = await connectInitiator(t, target);
  const login = await ini.login({ initiatorName: INITIATOR_NAME, sessionType: 'Discovery' });
  assert.ok(login.ok);
  const body = textKeys([['SendTargets', 'All']]);
  const itt = ini.nextItt();
  const from = ini.mark;
  ini.send(textRequest({ itt, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, dataLength: body.length }), body);
  const response = await ini.waitFor((p) => p.opcode === Op.textResponse && p.itt === itt, 'Text Response', { from });
  assert.equal(response.flags & 0xc0, 0x80, 'final, not continued');
  assert.equal(response.ttt, RESERVED_TAG);
  const text = response.data.toString('utf8');
  assert.equal(
    text,
    `TargetName=${target.targetName}\0TargetAddress=127.0.0.1:${target.port},1\0TargetName=${SECOND_TARGET}\0TargetAddress=127.0.0.1:${target.port},1\0`,
  );
  assert.equal(parseKeys(response.data).get('TargetName'), SECOND_TARGET);
  // A discovery session runs no SCSI commands: they are rejected.
  const cmdItt = ini.nextItt();
  const mark = ini.mark;
  ini.send(scsiCommand({ itt: cmdItt, read: true, expectedLength: 36, cmdSN: (ini.cmdSN + 1) >>> 0, expStatSN: ini.expStatSN, cdb: cdb.inquiry(36) }));
  const reject = await ini.waitFor((p) => p.opcode === Op.reject, 'Reject', { from: mark });
  assert.equal(reject.bhs[2], 0x04, 'protocol error');
  assert.equal(reject.data.readUInt32BE(16), cmdItt, 'the rejected header comes back');
});

test('a target with CHAP refuses a login that offers only AuthMethod=None (authentication failure), and one that skips security', async (t) => {
  const target = await startTestTarget(t, { chap: { initiator: { user: 'alice', secret: 'twelve-chars-secret' } } });
  const ini = await connectInitiator(t, target);
  const login = await ini.login({ initiatorName: INITIATOR_NAME, targetName: target.targetName });
  assert.equal(login.ok, false);
  assert.deepEqual([login.statusClass, login.statusDetail], [2, 1]);
  assert.ok(await ini.closesWithin(5_000));
  const direct = await connectInitiator(t, target);
  const skipped = await direct.login({ initiatorName: INITIATOR_NAME, targetName: target.targetName, direct: true });
  assert.deepEqual([skipped.statusClass, skipped.statusDetail], [2, 1]);
  assert.equal(target.server.stats().loginsRefused, 2);
  assert.equal(target.server.sessions(), 0);
});

test('keepalive: a quiet session is pinged by NOP-In; an answered ping keeps it, an unanswered one closes it', async (t) => {
  const target = await startTestTarget(t, { keepalive: { intervalMs: 200, timeoutMs: 300 } });
  const ini = await loggedIn(t, target);
  const isPing = (p: Pdu): boolean => p.opcode === Op.nopIn && p.itt === RESERVED_TAG;
  const ping = await ini.waitFor(isPing, 'a NOP-In ping');
  assert.notEqual(ping.ttt, RESERVED_TAG, 'a ping that wants an answer names a TTT');
  assert.equal(ping.flags & 0x80, 0x80);
  assert.equal(ping.data.length, 0);
  assert.equal(ping.statSN, ini.expStatSN, 'a ping does not take a StatSN');
  const from = ini.mark;
  ini.send(nopOut({ immediate: true, itt: RESERVED_TAG, ttt: ping.ttt, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN }));
  // Answered, the session is pinged again later (a new TTT) rather than closed.
  const next = await ini.waitFor(isPing, 'a second NOP-In ping', { from });
  assert.notEqual(next.ttt, ping.ttt);
  assert.equal(target.server.stats().closedIdle, 0);
  // Unanswered, it is closed.
  assert.ok(await ini.closesWithin(5_000), 'an unanswered ping did not close the connection');
  assert.equal(target.server.stats().closedIdle, 1);
  assert.equal(target.server.sessions(), 0);
  // A connection that never finishes logging in is closed too.
  const silent = await connectInitiator(t, target);
  assert.ok(await silent.closesWithin(5_000));
  assert.equal(silent.received.length, 0);
});

// ---- RFC 7143 deviations these tests found (fixed) ----

test('ImmediateData=No: a WRITE that carries immediate data anyway is refused and writes nothing (RFC 7143 §13.11)', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target, { keys: [['ImmediateData', 'No']] });
  const data = Buffer.alloc(512, 0x5a);
  const itt = ini.nextItt();
  const from = ini.mark;
  ini.send(scsiCommand({ itt, write: true, expectedLength: 512, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, cdb: cdb.write10(400, 1), dataLength: 512 }), data);
  ini.cmdSN = (ini.cmdSN + 1) >>> 0;
  const answer = await ini.waitFor((p) => (p.itt === itt && p.opcode === Op.scsiResponse) || p.opcode === Op.reject || (p.itt === itt && p.opcode === Op.r2t), 'an answer to the WRITE', { from });
  await ini.ping();
  assert.deepEqual(await imageBlocks(target.imagePath, 400, 1), patternBlocks(400, 1), 'unsolicited immediate data was written');
  assert.ok(answer.opcode === Op.reject || (answer.opcode === Op.scsiResponse && answer.bhs[3] !== 0), `the WRITE was answered with opcode 0x${answer.opcode.toString(16)} status ${answer.bhs[3]}`);
});

test('ABORT TASK of an unknown tag whose RefCmdSN is beyond MaxCmdSN answers Task does not exist (RFC 7143 §11.5.1 c)', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target);
  const probe = await ini.ping();
  assert.equal(probe.maxCmdSN, (ini.cmdSN + 31) >>> 0, 'a window of 32 commands');
  const response = await taskManagement(ini, TaskFn.abortTask, { referencedTag: 0x4242, refCmdSN: (probe.maxCmdSN + 1000) >>> 0 });
  assert.equal(response.bhs[2], TaskResp.noSuchTask);
});

test('a login to another target with the same InitiatorName and ISID leaves the session to the first target open (RFC 7143 §6.3.5)', async (t) => {
  const target = await startTestTarget(t, { moreTargets: [SECOND_TARGET] });
  const isid = Buffer.from([0x40, 0x00, 0x01, 0x37, 0x00, 0x00]); // one ISID for sessions to two targets: the ISID rule allows it
  const first = await loggedIn(t, target, { isid });
  const second = await connectInitiator(t, target);
  assert.ok((await second.login({ initiatorName: INITIATOR_NAME, targetName: SECOND_TARGET, isid })).ok);
  await second.ping();
  assert.equal(first.isClosed, false, 'the session to the first target was closed by a login to the second');
  await first.ping();
  assert.equal(target.server.stats().sessionsReinstated, 0);
  assert.equal(target.server.sessions(), 2);
});

test('LOGICAL UNIT RESET from one session also ends another session\'s pending WRITE on that unit (RFC 7143 §4.2.3.2)', async (t) => {
  const target = await startTestTarget(t);
  const writer = await loggedIn(t, target, { keys: [['ImmediateData', 'No']], isid: Buffer.from([0x80, 0, 0, 0, 0, 1]) });
  const resetter = await loggedIn(t, target, { isid: Buffer.from([0x80, 0, 0, 0, 0, 2]) });
  const { itt, r2t } = await writeAwaitingData(writer, 500, 1);
  assert.equal((await taskManagement(resetter, TaskFn.logicalUnitReset, { lun: 0n })).bhs[2], TaskResp.complete);
  writer.send(dataOut({ itt, final: true, ttt: r2t.ttt, expStatSN: writer.expStatSN, dataSN: 0, bufferOffset: 0, dataLength: 512 }), Buffer.alloc(512, 0x77));
  await writer.ping();
  await resetter.ping();
  const good = answersTo(writer, itt).filter((p) => p.opcode === Op.scsiResponse && p.bhs[3] === 0);
  assert.equal(good.length, 0, 'the write completed with GOOD after the unit was reset');
  assert.deepEqual(await imageBlocks(target.imagePath, 500, 1), patternBlocks(500, 1));
});
