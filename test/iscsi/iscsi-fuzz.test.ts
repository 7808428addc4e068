// Fuzzing the live iSCSI target (RFC 7143 §11 PDUs) on 127.0.0.1 with seeded random input: random bytes, mutated
// login requests, and mutated full-feature PDUs (opcodes, flags, AHS and data segment lengths, CDBs, tags,
// CmdSN, Data-Out DataSN and offsets) on logged-in connections, truncated PDUs and data segment lengths above
// the declared limit. The process never throws, only broken connections close, and the target still serves a
// clean session afterwards.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TestContext } from 'node:test';
import { randomBytes, randomInt, seededRandom } from '../support/seeded-random.js';
import type { Random } from '../support/seeded-random.js';
import { waitUntil } from '../support/wait-until.js';
import { connectInitiator, INITIATOR_NAME, loggedIn, patternBlocks, startTestTarget } from './iscsi-test-target.js';
import type { TestTarget } from './iscsi-test-target.js';
import {
  cdb,
  dataLengthOf,
  dataOut,
  frame,
  loginRequest,
  logoutRequest,
  nopOut,
  Op,
  RawInitiator,
  RESERVED_TAG,
  scsiCommand,
  setDataLength,
  taskRequest,
  textKeys,
  textRequest,
} from './raw-initiator.js';
import type { Pdu } from './raw-initiator.js';

/** The target's MaxRecvDataSegmentLength after login, and the 8192 bytes either side may assume during it (§13.12). */
const FULL_LIMIT = 262_144;
const LOGIN_LIMIT = 8_192;
const DISK_BYTES = 2 * 1024 * 1024;
const DISK_BLOCKS = DISK_BYTES / 512;
const WAIT_MS = 5_000;

/** Array buffer bytes still reachable: collected first (gc through vm, as --expose-gc would give it), after a turn of the loop. */
async function heldArrayBuffers(): Promise<number> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return process.memoryUsage().arrayBuffers;
}

const MiB = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Records anything the process throws or rejects unhandled while a test runs; the test asserts it stays empty. */
function watchProcess(t: TestContext): unknown[] {
  const thrown: unknown[] = [];
  const record = (error: unknown): void => {
    thrown.push(error);
  };
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  t.after(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  });
  return thrown;
}

/** Task management function 2 (RFC 7143 §11.5.1). */
const ABORT_TASK_SET = 2;

/** SCSI status TASK ABORTED (SAM-5): another fuzzing session reset the unit under this command. */
const TASK_ABORTED = 0x40;

/** A command, again while another session's LOGICAL UNIT RESET ends it with TASK ABORTED. */
async function scsiThroughResets(ini: RawInitiator, cdbBytes: Buffer, options: Parameters<RawInitiator['scsi']>[1]): ReturnType<RawInitiator['scsi']> {
  for (let tries = 1; ; tries++) {
    const result = await ini.scsi(cdbBytes, options);
    if (result.status !== TASK_ABORTED || tries === 5) return result;
  }
}

/** INQUIRY, READ CAPACITY (10) and a READ checked against the image file: what a healthy session answers. */
async function checkHealthy(ini: RawInitiator, target: TestTarget, lba: number, blocks: number, compare: boolean): Promise<void> {
  const inquiry = await scsiThroughResets(ini, cdb.inquiry(96), { read: 96 });
  assert.equal(inquiry.status, 0);
  assert.equal(inquiry.data[0], 0x00, 'direct-access block device, LU present');
  assert.equal(inquiry.data[2], 0x06, 'SPC-4');
  assert.equal(inquiry.data.subarray(8, 16).toString('ascii'), 'BRAMBLE ');
  assert.equal(inquiry.data.subarray(16, 32).toString('ascii'), 'BRAMBLE DISK    ');
  const length = inquiry.data[4]! + 5;
  assert.ok(length >= 36 && length <= 96, `standard INQUIRY data of ${length} bytes`);
  assert.equal(inquiry.final.flags & 0x02, 0x02, 'underflow: less sent than asked for');
  assert.equal(inquiry.final.bhs.readUInt32BE(44), 96 - length, 'residual: asked less sent');
  const capacity = await scsiThroughResets(ini, cdb.readCapacity10(), { read: 8 });
  assert.equal(capacity.status, 0);
  assert.equal(capacity.data.readUInt32BE(0), target.blocks - 1, 'last LBA');
  assert.equal(capacity.data.readUInt32BE(4), 512, 'block length');
  const read = await scsiThroughResets(ini, cdb.read10(lba, blocks), { read: blocks * 512 });
  assert.equal(read.status, 0);
  assert.equal(read.dataIns.reduce((sum, p) => sum + p.data.length, 0), blocks * 512);
  // Only where nothing else writes at the same time can the data be held against the file.
  if (compare) assert.deepEqual(read.data, (await readFile(target.imagePath)).subarray(lba * 512, (lba + blocks) * 512));
}

// ---- seeds: well-formed PDUs of every kind an initiator sends in full feature phase ----

interface Seed {
  readonly bhs: Buffer;
  readonly data: Buffer;
}

type SeedMaker = (random: Random, ini: RawInitiator) => Seed;

const int = (random: Random, n: number): number => randomInt(random, n);

function command(ini: RawInitiator, c: Buffer, o: { read?: number; write?: Buffer; immediate?: boolean } = {}): Seed {
  const data = o.write ?? Buffer.alloc(0);
  const cmdSN = ini.cmdSN;
  ini.cmdSN = (ini.cmdSN + 1) >>> 0;
  const bhs = scsiCommand({
    itt: ini.nextItt(),
    immediate: o.immediate,
    read: o.read !== undefined,
    write: o.write !== undefined,
    expectedLength: o.read ?? data.length,
    cmdSN,
    expStatSN: ini.expStatSN,
    cdb: c,
    dataLength: data.length,
  });
  return { bhs, data };
}

const cdb16 = (bytes: number[]): Buffer => Buffer.from([...bytes, ...Array(16).fill(0)].slice(0, 16));

const SEEDS: ReadonlyArray<readonly [weight: number, make: SeedMaker]> = [
  [6, (r, ini) => { const n = 1 + int(r, 8); return command(ini, cdb.read10(int(r, DISK_BLOCKS - n), n), { read: n * 512 }); }],
  [2, (r, ini) => command(ini, cdb16([0x88, 0, 0, 0, 0, 0, 0, 0, 0, int(r, 200), 0, 0, 0, 1 + int(r, 4)]), { read: 2048 })],
  [2, (r, ini) => command(ini, Buffer.from([0x08, 0, 0, int(r, 255), 1, 0]), { read: 512 })],
  [4, (r, ini) => { const n = 1 + int(r, 2); return command(ini, cdb.write10(int(r, DISK_BLOCKS - n), n), { write: randomBytes(r, n * 512) }); }],
  [2, (r, ini) => { const n = 1 + int(r, 4); const c = command(ini, cdb.write10(int(r, DISK_BLOCKS - n), n)); c.bhs[1] = 0xa1; c.bhs.writeUInt32BE(n * 512, 20); return c; }],
  [3, (_r, ini) => command(ini, cdb.inquiry(96), { read: 96 })],
  [2, (r, ini) => command(ini, Buffer.from([0x12, 1, [0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2, 0x99][int(r, 7)]!, 1, 0, 0]), { read: 256 })],
  [2, (_r, ini) => command(ini, cdb.readCapacity10(), { read: 8 })],
  [1, (_r, ini) => command(ini, cdb16([0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32]), { read: 32 })],
  [1, (r, ini) => command(ini, Buffer.from([0x1a, 0, [0x3f, 0x08, 0x0a, 0x1c][int(r, 4)]!, 0, 255, 0]), { read: 255 })],
  [1, (_r, ini) => command(ini, cdb16([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64]), { read: 64 })],
  [1, (_r, ini) => command(ini, cdb.testUnitReady())],
  [1, (_r, ini) => command(ini, Buffer.from([0x03, 0, 0, 0, 18, 0]), { read: 18 })],
  [1, (_r, ini) => command(ini, cdb16([0x35, 0, 0, 0, 0, 0, 0, 0, 8, 0]))],
  [1, (r, ini) => command(ini, cdb16([0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0]), { write: Buffer.concat([Buffer.from([0, 22, 0, 16, 0, 0, 0, 0]), randomBytes(r, 16)]) })],
  [1, (r, ini) => command(ini, cdb16([0x41, 0, 0, 0, 0, int(r, 200), 0, 0, 4, 0]), { write: randomBytes(r, 512) })],
  [1, (r, ini) => command(ini, cdb16([0x2f, 0x02, 0, 0, 0, int(r, 200), 0, 0, 1, 0]), { write: randomBytes(r, 512) })],
  [1, (r, ini) => command(ini, cdb16([int(r, 256), int(r, 256), int(r, 256), int(r, 256), int(r, 256), int(r, 256)]), { read: 512 })],
  [3, (r, ini) => { const data = randomBytes(r, int(r, 300)); return { bhs: nopOut({ immediate: r() < 0.5, itt: ini.nextItt(), cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, dataLength: data.length }), data }; }],
  [1, (_r, ini) => ({ bhs: nopOut({ immediate: true, itt: RESERVED_TAG, ttt: 1, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN }), data: Buffer.alloc(0) })],
  [2, (r, ini) => {
    const choices: ReadonlyArray<readonly [string, string]> = [['SendTargets', 'All'], ['SendTargets', ''], ['SendTargets', 'iqn.x'], ['Foo', 'bar'], ['MaxBurstLength', '512']];
    const data = textKeys([choices[int(r, choices.length)]!]);
    return { bhs: textRequest({ immediate: r() < 0.5, cont: r() < 0.2, itt: ini.nextItt(), cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, dataLength: data.length }), data };
  }],
  // Task management; TARGET COLD RESET (7) ends the connection, so it is rare.
  [3, (r, ini) => ({ bhs: taskRequest({ immediate: true, itt: ini.nextItt(), fn: [1, 1, 2, 3, 4, 5, 6, 8, 9, 0, 127][int(r, 11)]!, referencedTag: int(r, 50), cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, refCmdSN: ini.cmdSN - 1 }), data: Buffer.alloc(0) })],
  [0.1, (_r, ini) => ({ bhs: taskRequest({ immediate: true, itt: ini.nextItt(), fn: 7, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN }), data: Buffer.alloc(0) })],
  // Logout: reasons 0 and 1 end the connection; 2 (recovery) is answered "not supported" and it goes on.
  [0.3, (r, ini) => ({ bhs: logoutRequest({ immediate: true, itt: ini.nextItt(), reason: [0, 1, 2, 2, 2, 3][int(r, 6)]!, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN }), data: Buffer.alloc(0) })],
  [1, (r, ini) => { const b = nopOut({ itt: ini.nextItt(), cmdSN: ini.cmdSN, expStatSN: ini.expStatSN }); b[0] = Op.snack; b[1] = 0x80 | int(r, 4); return { bhs: b, data: Buffer.alloc(0) }; }],
  [2, (r, ini) => { const data = randomBytes(r, 512); return { bhs: dataOut({ itt: int(r, 20), final: r() < 0.7, ttt: r() < 0.5 ? RESERVED_TAG : int(r, 20), expStatSN: ini.expStatSN, dataSN: 0, bufferOffset: 0, dataLength: data.length }), data }; }],
  [0.5, (r, ini) => { const data = textKeys([['InitiatorName', INITIATOR_NAME]]); return { bhs: loginRequest({ transit: true, csg: 1, nsg: 3, isid: randomBytes(r, 6), itt: ini.nextItt(), cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, dataLength: data.length }), data }; }],
];
const SEED_WEIGHT = SEEDS.reduce((sum, [w]) => sum + w, 0);

function pickSeed(random: Random, ini: RawInitiator): Seed {
  let x = random() * SEED_WEIGHT;
  for (const [w, make] of SEEDS) {
    if ((x -= w) < 0) return make(random, ini);
  }
  return SEEDS[0]![1](random, ini);
}

const u32 = (random: Random): number => Math.floor(random() * 0x1_0000_0000) >>> 0;
/** Data segment lengths worth trying: edges of padding, of the login limit and of the full-feature limit. */
const LENGTHS = [0, 1, 2, 3, 4, 5, 47, 48, 511, 512, 513, 1024, 8191, 8192, 8193, 65_536, FULL_LIMIT - 1, FULL_LIMIT];

/**
 * One to three edits of a seed's header (opcode, flags, AHS length, data segment length, CDB, tags, CmdSN, LUN,
 * the fields at 20-23 and 36-47), with a data segment and AHS as long as the header then says, so that the
 * stream stays framed and the next PDU is read as one.
 */
function mutate(random: Random, seed: Seed): Buffer {
  const bhs = Buffer.from(seed.bhs);
  let data = seed.data;
  const rounds = 1 + int(random, 3);
  for (let i = 0; i < rounds; i++) {
    switch (int(random, 12)) {
      case 0:
        bhs[0] = random() < 0.5 ? int(random, 256) : (int(random, 64) | (bhs[0]! & 0x40));
        break;
      case 1:
        bhs[1] = int(random, 256);
        break;
      case 2:
        bhs[4] = random() < 0.8 ? 1 + int(random, 4) : int(random, 256);
        break;
      case 3: {
        const length = random() < 0.7 ? LENGTHS[int(random, LENGTHS.length)]! : int(random, 600);
        data = random() < 0.5 ? randomBytes(random, Math.min(length, 4096)) : data;
        data = Buffer.concat([data, Buffer.alloc(Math.max(0, length - data.length), int(random, 256))]).subarray(0, length);
        break;
      }
      case 4:
        for (let n = 1 + int(random, 4); n > 0; n--) bhs[32 + int(random, 16)] = int(random, 256);
        break;
      case 5:
        bhs.writeUInt32BE([u32(random), RESERVED_TAG, 0, 1][int(random, 4)]!, 16);
        break;
      case 6:
        bhs.writeUInt32BE([u32(random), (bhs.readUInt32BE(24) + 1 + int(random, 40)) >>> 0, (bhs.readUInt32BE(24) - 1) >>> 0][int(random, 3)]!, 24);
        break;
      case 7:
        bhs.writeBigUInt64BE([0x0001_0000_0000_0000n, 0xffff_ffff_ffff_ffffn, BigInt(u32(random)) << 32n][int(random, 3)]!, 8);
        break;
      case 8:
        bhs.writeUInt32BE([u32(random), 0, RESERVED_TAG, int(random, 5000), 0x7fff_ffff][int(random, 5)]!, 20);
        break;
      case 9:
        bhs.writeUInt32BE(random() < 0.5 ? u32(random) : int(random, 4096), 36 + 4 * int(random, 3));
        break;
      case 10:
        bhs[2 + int(random, 2)] = int(random, 256);
        break;
      default:
        bhs[int(random, 48)] = int(random, 256);
    }
  }
  // Whatever the edits did to bytes 4-7, the segments sent are the ones the header announces.
  const ahsBytes = bhs[4]! * 4;
  let length = dataLengthOf(bhs);
  if (length !== data.length) {
    if (length > FULL_LIMIT) {
      length = data.length;
      setDataLength(bhs, length);
    } else data = Buffer.concat([data, randomBytes(random, Math.max(0, length - data.length))]).subarray(0, length);
  }
  return frame(bhs, data, randomBytes(random, ahsBytes));
}

/** A header whose data segment length is above `limit`, sent alone: the connection must close without the rest. */
function oversized(random: Random, seed: Seed, limit: number): Buffer {
  const bhs = Buffer.from(seed.bhs);
  setDataLength(bhs, [limit + 1, limit + 4, 0xffffff, limit + 1 + int(random, 0xffffff - limit)][int(random, 4)]!);
  return bhs;
}

interface FuzzCounts {
  pdus: number;
  logins: number;
  closedByServer: number;
  oversized: number;
  truncated: number;
  healthChecks: number;
}

/**
 * One logged-in connection's share of the fuzz: batches of mutated PDUs each followed by an immediate NOP-Out
 * marker (answered in order, so everything before it was read), R2T-driven writes with mutated Data-Out, data
 * segment lengths above the limit, truncated PDUs and garbage; a connection the server (or we) ended is
 * replaced by a fresh login.
 */
async function fuzzWorker(port: number, target: TestTarget, random: Random, id: number, quota: number, counts: FuzzCounts, open: Set<RawInitiator>): Promise<void> {
  let ini: RawInitiator | null = null;
  let sessionNo = 0;
  let markers = 0;
  const fresh = async (): Promise<RawInitiator> => {
    if (ini !== null) ini.close();
    const next = await RawInitiator.connect(port);
    open.add(next);
    void next.closed.then(() => open.delete(next));
    const keys: Array<readonly [string, string]> = [];
    if (random() < 0.5) keys.push(['ImmediateData', random() < 0.5 ? 'Yes' : 'No']);
    if (random() < 0.5) keys.push(['MaxRecvDataSegmentLength', String([512, 4096, 8192, 65_536, FULL_LIMIT][int(random, 5)])]);
    if (random() < 0.3) keys.push(['MaxBurstLength', String([512, 1024, 65_536][int(random, 3)])], ['FirstBurstLength', '512']);
    if (random() < 0.3) keys.push(['MaxOutstandingR2T', String(1 + int(random, 4))]);
    const isid = Buffer.from([0x80, 0xf0, id, (sessionNo >> 8) & 0xff, sessionNo & 0xff, 0x01]);
    sessionNo++;
    const login = await next.login({ initiatorName: INITIATOR_NAME, targetName: target.targetName, isid, keys, direct: random() < 0.3 });
    assert.ok(login.ok, `worker ${id}: clean login ${sessionNo} refused (${login.statusClass}/${login.statusDetail})`);
    counts.logins++;
    return next;
  };
  /** The marker: an immediate NOP-Out with unique data. False when the connection closed instead of answering. */
  const marker = async (conn: RawInitiator): Promise<boolean> => {
    const tag = Buffer.from(`marker ${id}.${markers++}`);
    try {
      const echo = await conn.ping(tag, WAIT_MS);
      assert.deepEqual(echo.data, tag.subarray(0, echo.data.length));
      conn.cmdSN = echo.expCmdSN;
      assert.equal(conn.framingError, null);
      conn.forget();
      return true;
    } catch (error) {
      if (conn.isClosed) {
        counts.closedByServer++;
        return false;
      }
      throw new Error(`worker ${id}: the target neither answered marker ${markers - 1} nor closed the connection`, { cause: error });
    }
  };
  const ended = async (conn: RawInitiator, why: string): Promise<void> => {
    assert.ok(await conn.closesWithin(WAIT_MS), `worker ${id}: connection still open ${WAIT_MS} ms after ${why}`);
  };

  let sent = 0;
  while (sent < quota) {
    const conn: RawInitiator = ini !== null && !ini.isClosed ? ini : (ini = await fresh());
    const kind = random();
    if (kind < 0.72) {
      // A batch of mutated PDUs (and now and then a clean one), then the marker.
      const n = 1 + int(random, 16);
      const out: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        const seed = pickSeed(random, conn);
        out.push(random() < 0.1 ? frame(seed.bhs, seed.data) : mutate(random, seed));
      }
      conn.write(Buffer.concat(out));
      sent += n;
      await marker(conn);
    } else if (kind < 0.86) {
      // A WRITE and its R2T, then Data-Out with DataSN, offset, length, TTT, ITT or F mutated (or all correct).
      const blocks = 1 + int(random, 4);
      const itt = conn.nextItt();
      const from = conn.mark;
      const cmdSN = conn.cmdSN;
      conn.cmdSN = (conn.cmdSN + 1) >>> 0;
      conn.send(scsiCommand({ itt, write: true, expectedLength: blocks * 512, cmdSN, expStatSN: conn.expStatSN, cdb: cdb.write10(int(random, DISK_BLOCKS - blocks), blocks) }));
      sent++;
      let r2t: Pdu;
      try {
        r2t = await conn.waitFor((p) => p.itt === itt && (p.opcode === Op.r2t || p.opcode === Op.scsiResponse), `R2T for ITT ${itt}`, { from });
      } catch (error) {
        if (conn.isClosed) continue;
        throw error;
      }
      if (r2t.opcode !== Op.r2t) continue;
      const offset = r2t.bhs.readUInt32BE(40);
      const length = r2t.bhs.readUInt32BE(44);
      const pieces = 1 + int(random, 3);
      const step = Math.ceil(length / pieces);
      const valid = random() < 0.25;
      for (let i = 0, at = offset; i < pieces && at < offset + length; i++, at += step) {
        const n = Math.min(step, offset + length - at);
        const fields = { itt, final: at + n >= offset + length, ttt: r2t.ttt, expStatSN: conn.expStatSN, dataSN: i, bufferOffset: at, dataLength: n };
        if (!valid) {
          switch (int(random, 8)) {
            case 0: fields.dataSN = [i + 1, u32(random), 0][int(random, 3)]!; break;
            case 1: fields.bufferOffset = [at + 512, at - 1, u32(random), 0x7fff_fe00][int(random, 4)]! >>> 0; break;
            case 2: fields.dataLength = n + [1, 512, 4096][int(random, 3)]!; break;
            case 3: fields.ttt = random() < 0.5 ? RESERVED_TAG : u32(random); break;
            case 4: fields.itt = u32(random); break;
            case 5: fields.final = !fields.final; break;
            case 6: fields.dataLength = int(random, n); break;
            default: break;
          }
        }
        conn.send(dataOut(fields), randomBytes(random, fields.dataLength));
        sent++;
      }
      if (valid && pieces === 1 && length === blocks * 512) {
        const response = await conn.waitFor((p) => p.itt === itt && p.opcode === Op.scsiResponse, `SCSI Response to ITT ${itt}`, { from });
        assert.ok(response.bhs[3] === 0 || response.bhs[3] === TASK_ABORTED, `worker ${id}: a correctly sent WRITE failed with status ${response.bhs[3]}`);
      }
      await marker(conn);
    } else if (kind < 0.90) {
      conn.write(oversized(random, pickSeed(random, conn), FULL_LIMIT));
      sent++;
      counts.oversized++;
      await ended(conn, 'a data segment length above the limit');
    } else if (kind < 0.94) {
      // Part of a PDU (header or data cut short), then we close our side.
      const whole = mutate(random, pickSeed(random, conn));
      conn.write(whole.subarray(0, int(random, Math.max(1, whole.length))));
      conn.socket.end();
      sent++;
      counts.truncated++;
      await ended(conn, 'a truncated PDU and FIN');
    } else if (kind < 0.97) {
      conn.write(randomBytes(random, 1 + int(random, 400)));
      conn.socket.end();
      sent++;
      await ended(conn, 'garbage and FIN');
    } else {
      // The session still works in the middle of all this, once it clears what the fuzz left waiting: WRITEs
      // whose Data-Out never completed hold their slots, and the target closes the command window on them
      // (MaxCmdSN = ExpCmdSN - 1), as a real initiator would see and answer with task management.
      const itt = conn.nextItt();
      const from = conn.mark;
      conn.send(taskRequest({ immediate: true, itt, fn: ABORT_TASK_SET, cmdSN: conn.cmdSN, expStatSN: conn.expStatSN }));
      try {
        const answer = await conn.waitFor((p) => p.opcode === Op.taskResponse && p.itt === itt, `ABORT TASK SET ${itt}`, { from });
        // Commands the fuzz sent outside the window were dropped: number on from where the target is.
        conn.cmdSN = answer.bhs.readUInt32BE(28);
      } catch (error) {
        if (conn.isClosed) continue;
        throw error;
      }
      await checkHealthy(conn, target, int(random, DISK_BLOCKS - 8), 8, false);
      counts.healthChecks++;
    }
  }
  counts.pdus += sent;
  ini?.close();
}

/** Login-phase fuzz on one connection: up to four mutated Login Requests, each answered or the connection closed. */
async function fuzzLogin(port: number, target: TestTarget, random: Random, n: number, open: Set<RawInitiator>): Promise<number> {
  const ini = await RawInitiator.connect(port);
  open.add(ini);
  let sent = 0;
  try {
    const isid = Buffer.from([0x80, 0xe0, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, 0x02]);
    const keySets: Array<Array<readonly [string, string]>> = [
      [['InitiatorName', INITIATOR_NAME], ['SessionType', 'Normal'], ['TargetName', target.targetName], ['AuthMethod', 'None']],
      [['InitiatorName', INITIATOR_NAME], ['TargetName', target.targetName], ['MaxRecvDataSegmentLength', '65536'], ['ImmediateData', 'No']],
      [['InitiatorName', INITIATOR_NAME], ['SessionType', 'Discovery'], ['AuthMethod', 'CHAP,None']],
      [['InitiatorName', INITIATOR_NAME], ['TargetName', 'iqn.2026-11.org.bramble.test:nothing']],
      [['HeaderDigest', 'None'], ['DataDigest', 'None'], ['MaxBurstLength', 'x'], ['ErrorRecoveryLevel', '2'], ['Unknown', 'y']],
    ];
    for (let step = 0, count = 1 + int(random, 4); step < count && !ini.isClosed; step++) {
      const keys = textKeys(keySets[int(random, keySets.length)]!);
      const csg = [0, 1, 1, 3][int(random, 4)]!;
      const seed: Seed = {
        bhs: loginRequest({ transit: random() < 0.8, cont: random() < 0.1, csg, nsg: [1, 3, 2, 0][int(random, 4)]!, isid, itt: 0x100 + step, cmdSN: 1, expStatSN: 0, dataLength: keys.length }),
        data: keys,
      };
      const from = ini.mark;
      const r = random();
      if (r < 0.08) {
        ini.write(oversized(random, seed, LOGIN_LIMIT));
        sent++;
        assert.ok(await ini.closesWithin(WAIT_MS), 'a login request announcing more than 8192 bytes did not close the connection');
        break;
      }
      let bytes: Buffer;
      if (r < 0.25) bytes = frame(seed.bhs, seed.data);
      else if (r < 0.45) {
        // Edited keys: a byte changed, cut, or NULs dropped.
        const data = Buffer.from(seed.data);
        const edit = int(random, 3);
        if (edit === 0 && data.length > 0) data[int(random, data.length)] = int(random, 256);
        const body = edit === 1 ? data.subarray(0, int(random, data.length + 1)) : edit === 2 ? Buffer.from(data.toString('latin1').replace(/\0/g, '&'), 'latin1') : data;
        const bhs = Buffer.from(seed.bhs);
        setDataLength(bhs, body.length);
        bytes = frame(bhs, body);
      } else bytes = mutate(random, seed);
      // The login limit is 8192: a mutated length above it is cut back so this stays a framing-valid PDU.
      if (dataLengthOf(bytes) > LOGIN_LIMIT) {
        const bhs = Buffer.from(bytes.subarray(0, 48));
        setDataLength(bhs, 16);
        bytes = frame(bhs, Buffer.alloc(16, 0x41), bytes.subarray(48, 48 + bhs[4]! * 4));
      }
      ini.write(bytes);
      sent++;
      try {
        // After a login that reached full feature phase, a further Login Request is rejected instead (§11.17).
        await ini.waitFor((p) => p.opcode === Op.loginResponse || p.opcode === Op.reject, 'a Login Response', { from, timeoutMs: WAIT_MS });
      } catch (error) {
        if (!ini.isClosed) throw new Error(`login fuzz ${n}: neither a Login Response nor a close`, { cause: error });
      }
    }
    assert.equal(ini.framingError, null);
  } finally {
    ini.close();
  }
  return sent;
}

test('10,000+ seeded fuzzed PDUs (random bytes, mutated logins, mutated full-feature PDUs): no throw, broken connections close, the target still serves', async (t) => {
  const thrown = watchProcess(t);
  const target = await startTestTarget(t, { bytes: DISK_BYTES });
  const open = new Set<RawInitiator>();
  t.after(() => {
    for (const ini of open) ini.close();
  });
  const random = seededRandom(0x15c5_1f22);
  let pdus = 0;

  // 600 connections of random bytes (0 to 255 of them, often less than a header), 50 at a time, then FIN.
  let randomConnections = 0;
  for (let batch = 0; batch < 12; batch++) {
    const streams = Array.from({ length: 50 }, () => randomBytes(random, int(random, 256)));
    await Promise.all(
      streams.map(
        (stream) =>
          new Promise<void>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port: target.port });
            socket.on('error', () => {});
            socket.on('data', () => {});
            socket.on('close', () => resolve());
            socket.on('connect', () => socket.end(stream));
          }),
      ),
    );
    randomConnections += streams.length;
  }
  pdus += randomConnections;

  // 800 connections of mutated Login Requests, 25 at a time.
  for (let batch = 0; batch < 32; batch++) {
    const sent = await Promise.all(Array.from({ length: 25 }, (_, i) => fuzzLogin(target.port, target, seededRandom(0x10c1_0000 + batch * 25 + i), batch * 25 + i, open)));
    pdus += sent.reduce((a, b) => a + b, 0);
  }
  const loginPhase = pdus - randomConnections;
  assert.ok(loginPhase >= 1_000, `only ${loginPhase} login-phase PDUs`);

  // Six logged-in workers at once, 1,400 full-feature PDUs each.
  const counts: FuzzCounts = { pdus: 0, logins: 0, closedByServer: 0, oversized: 0, truncated: 0, healthChecks: 0 };
  await Promise.all(Array.from({ length: 6 }, (_, id) => fuzzWorker(target.port, target, seededRandom(0xf022_0000 + id), id, 1_400, counts, open)));
  pdus += counts.pdus;
  assert.ok(pdus >= 10_000, `only ${pdus} PDUs sent`);
  assert.ok(counts.closedByServer > 0 && counts.oversized > 0 && counts.truncated > 0 && counts.healthChecks > 0, JSON.stringify(counts));

  // Every fuzzed session ends with its connection: none is left in the session table.
  for (const ini of open) ini.close();
  await waitUntil(async () => target.server.sessions() === 0, { what: 'no sessions left after the fuzz', timeoutMs: WAIT_MS, intervalMs: 20 });

  // A fresh connection: clean login, INQUIRY, READ CAPACITY (10), and data that matches the image.
  const ini = await connectInitiator(t, target);
  const login = await ini.login({ initiatorName: INITIATOR_NAME, targetName: target.targetName });
  assert.ok(login.ok);
  await checkHealthy(ini, target, 100, 16, true);
  const data = Buffer.alloc(4096, 0x3c);
  assert.equal((await ini.scsi(cdb.write10(40, 8), { write: data })).status, 0);
  assert.deepEqual((await ini.scsi(cdb.read10(40, 8), { read: 4096 })).data, data);
  assert.equal(ini.framingError, null);
  assert.equal(target.server.sessions(), 1);

  const stats = target.server.stats();
  for (const key of ['closedGarbage', 'rejects', 'loginsRefused', 'checkConditions', 'taskAborts'] as const) {
    assert.ok(stats[key] > 0, `no input reached ${key}: ${JSON.stringify(stats)}`);
  }
  assert.ok(stats.closedGarbage >= counts.oversized, `${counts.oversized} oversized headers, closedGarbage ${stats.closedGarbage}`);
  assert.ok(stats.loginsAccepted >= counts.logins + 1, JSON.stringify(stats));
  assert.ok(stats.commands > 2_000, JSON.stringify(stats));
  assert.ok(stats.connections >= randomConnections + 800 + counts.logins + 1, JSON.stringify(stats));
  assert.deepEqual(thrown, []);
});

test('a connection that sends garbage is closed, others unaffected', async (t) => {
  const thrown = watchProcess(t);
  const target = await startTestTarget(t);
  const good = await loggedIn(t, target, { isid: Buffer.from([0x80, 0, 0, 0, 0, 0x11]) });
  const bad = await loggedIn(t, target, { isid: Buffer.from([0x80, 0, 0, 0, 0, 0x12]) });
  assert.equal(target.server.sessions(), 2);
  const random = seededRandom(0x6a7b_a6e5);

  const reads = (async () => {
    let done = 0;
    for (let i = 0; i < 300; i++) {
      const blocks = 1 + int(random, 16);
      const lba = int(random, target.blocks - blocks);
      const result = await good.scsi(cdb.read10(lba, blocks), { read: blocks * 512 });
      assert.equal(result.status, 0);
      assert.deepEqual(result.data, patternBlocks(lba, blocks), `READ(10) of ${blocks} blocks at ${lba}`);
      done++;
    }
    return done;
  })();
  // Garbage on the other connection in 64-byte pieces, a piece per turn of the event loop, until it is closed.
  let garbageBytes = 0;
  while (!bad.isClosed && garbageBytes < 1024 * 1024) {
    bad.write(randomBytes(random, 64));
    garbageBytes += 64;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(await bad.closesWithin(WAIT_MS), `the garbage connection was not closed after ${garbageBytes} bytes`);
  assert.equal(await reads, 300);
  assert.equal(good.isClosed, false);
  await good.ping();
  assert.equal(target.server.stats().closedGarbage, 1);
  assert.equal(target.server.sessions(), 1);
  assert.equal(good.framingError, null);
  assert.deepEqual(thrown, []);
});

test('an oversized DataSegmentLength (16 MiB announced) closes the connection as soon as the header is in', async (t) => {
  const thrown = watchProcess(t);
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target, { keys: [['MaxRecvDataSegmentLength', String(FULL_LIMIT)]] });
  // Right at the declared limit is accepted: a NOP-Out of 256 KiB is echoed whole.
  const full = Buffer.alloc(FULL_LIMIT, 0x61);
  const echo = await ini.ping(full);
  assert.equal(echo.data.length, FULL_LIMIT);
  assert.ok(echo.data.equals(full));

  // 16 MiB - 1 (the 24-bit field's largest) announced, only the 48-byte header sent: closed without waiting for data.
  const bhs = scsiCommand({ itt: ini.nextItt(), write: true, expectedLength: 0xffffff, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, cdb: cdb.write10(0, 1), dataLength: 0 });
  setDataLength(bhs, 0xffffff);
  const before = ini.socket.bytesWritten;
  ini.write(bhs);
  assert.ok(await ini.closesWithin(WAIT_MS), 'the connection stayed open waiting for 16 MiB');
  assert.equal(ini.socket.bytesWritten - before, 48, 'nothing but the header was sent');
  assert.equal(target.server.stats().closedGarbage, 1);
  assert.equal(target.server.sessions(), 0);

  // One byte over the limit, on a NOP-Out: the same.
  const second = await loggedIn(t, target);
  const nop = nopOut({ immediate: true, itt: second.nextItt(), cmdSN: second.cmdSN, expStatSN: second.expStatSN });
  setDataLength(nop, FULL_LIMIT + 1);
  second.write(nop);
  assert.ok(await second.closesWithin(WAIT_MS));
  assert.equal(target.server.stats().closedGarbage, 2);

  // During login the limit is 8192 (RFC 7143 §13.12): 8193 announced closes a connection before any login answer.
  const early = await connectInitiator(t, target);
  const login = loginRequest({ transit: true, csg: 1, nsg: 3, isid: Buffer.from([0x80, 1, 2, 3, 4, 5]), itt: 1, cmdSN: 1, expStatSN: 0, dataLength: LOGIN_LIMIT + 1 });
  early.write(login);
  assert.ok(await early.closesWithin(WAIT_MS));
  assert.equal(early.received.length, 0, 'no Login Response');
  assert.equal(target.server.stats().closedGarbage, 3);
  assert.equal(target.server.stats().loginsAccepted, 2);
  assert.deepEqual(thrown, []);
});

// ---- unbounded buffering these tests found (fixed) ----

test('continued Text Requests in an unauthenticated discovery session are not buffered without bound', async (t) => {
  const target = await startTestTarget(t);
  const ini = await connectInitiator(t, target);
  assert.ok((await ini.login({ initiatorName: INITIATOR_NAME, sessionType: 'Discovery', keys: [['MaxRecvDataSegmentLength', String(FULL_LIMIT)]] })).ok);
  const piece = Buffer.from(`K=${'v'.repeat(7990)}\0`.repeat(32)); // 256,000 bytes of well-formed keys
  const before = await heldArrayBuffers();
  let refused = false;
  for (let i = 0; i < 256 && !refused; i++) {
    const itt = ini.nextItt();
    const from = ini.mark;
    ini.send(textRequest({ immediate: true, final: false, cont: true, itt, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, dataLength: piece.length }), piece);
    try {
      const answer = await ini.waitFor((p) => p.itt === itt || p.opcode === Op.reject, 'an answer to a continued Text Request', { from });
      refused = answer.opcode === Op.reject;
    } catch (error) {
      if (!ini.isClosed) throw error;
      refused = true;
    }
    ini.forget();
  }
  const held = (await heldArrayBuffers()) - before;
  assert.ok(refused || held < 16 * 1024 * 1024, `62.5 MiB of continued text sent, ${MiB(held)} still held, the session not refused`);
});

test('immediate SCSI commands do not let a connection buffer more than its write budget', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target, { keys: [['MaxRecvDataSegmentLength', String(FULL_LIMIT)]] });
  const immediate = Buffer.alloc(255 * 1024, 0x11); // more than FirstBurstLength (65,536 by default) too
  const before = await heldArrayBuffers();
  for (let i = 0; i < 480 && !ini.isClosed; i++) {
    ini.send(scsiCommand({ immediate: true, itt: ini.nextItt(), write: true, expectedLength: 256 * 1024, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, cdb: cdb.write10(0, 512), dataLength: immediate.length }), immediate);
    if (i % 40 === 39) {
      await ini.ping().catch(() => {});
      ini.forget();
    }
  }
  const held = (await heldArrayBuffers()) - before;
  // The connection's own bound: 64 MiB of write budget, plus the command window's worth of first bursts.
  assert.ok(ini.isClosed || held < 80 * 1024 * 1024, `120 MiB of immediate WRITE data sent, ${MiB(held)} still held`);
});
