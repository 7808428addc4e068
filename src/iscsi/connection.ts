// One iSCSI connection, from login to logout (RFC 7143 §6 login, §4.2.2 numbering, §7 tasks, §11 PDUs): it
// frames the socket's bytes, answers login, then runs SCSI commands on the target's device with Data-In, R2T
// and Data-Out, task management, NOP keepalive, text (SendTargets) and logout. ERL 0, one connection per session.
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import type { BufferPool } from '../net/buffer-pool.js';
import type { ScsiResult } from './block-device.js';
import type { BlockCommand } from './scsi-cdb.js';
import type { IscsiStats } from './iscsi-stats.js';
import { LoginNegotiator, LoginStatus } from './login.js';
import { DEFAULT_PARAMS, TARGET_OFFER, type SessionParams } from './operational-keys.js';
import {
  decodeBhs,
  encodeDataIn,
  encodeLoginResponse,
  encodeLogoutResponse,
  encodeNopIn,
  encodeR2t,
  encodeReject,
  encodeScsiResponse,
  encodeTaskResponse,
  encodeTextResponse,
  Opcode,
  RejectReason,
  RESERVED_TAG,
  TaskFunction,
  TaskResponse,
  type LoginRequest,
  type NopOut,
  type ScsiCommand,
  type TaskRequest,
  type TextRequest,
  type LogoutRequest,
  type DataOut,
  type Window,
} from './pdu.js';
import { framePdu, PduFramer, type FramedPdu, type FramerPush } from './pdu-framer.js';
import { sharedBufferReader } from '../net/shared-buffer-reader.js';
import { fixedSense, ScsiStatus, Senses } from './scsi-sense.js';
import type { IscsiTarget, IscsiTargets } from './targets.js';
import { decodeTextKeys, encodeTextKeys, type TextKeys } from './text-keys.js';
import { sendTargets } from './send-targets.js';

/** Commands the initiator may have outstanding (MaxCmdSN - ExpCmdSN + 1). */
export const QUEUE_DEPTH = 32;
/** Data-Out bytes a connection buffers at once for commands waiting on R2Ts; more commands wait their turn. */
const WRITE_BUDGET = 64 * 1024 * 1024;
/** Login keys joined over continued PDUs, at most (RFC 7143 §6.1 bounds each key; this bounds their sum). */
const MAX_LOGIN_DATA = 64 * 1024;
/** Text request keys joined over continued PDUs, at most: SendTargets needs a few bytes. */
const MAX_TEXT_DATA = 64 * 1024;
/** PDUs with at most this much data are copied into one buffer for the socket; larger ones go by reference. */
const SMALL_PDU = 16 * 1024;
/** Immediate commands (outside the CmdSN window) a connection may have on top of the window's. */
const IMMEDIATE_EXTRA = 8;
/** During login the framer takes what RFC 7143 §13.12 lets either side assume before MaxRecvDataSegmentLength is declared. */
const LOGIN_MAX_DATA = 8192;

export interface Keepalive {
  /** Quiet this long, the target pings with a NOP-In... */
  readonly intervalMs: number;
  /** ...and closes the connection when no NOP-Out answers it within this. */
  readonly timeoutMs: number;
}

export interface SessionEntry {
  readonly tsih: number;
  close(): void;
}

/** The sessions of the whole target, for reinstatement (RFC 7143 §6.3.5) and TSIHs. */
export interface SessionRegistry {
  /**
   * A new session for (initiator, ISID, target; null: discovery): an older one with the same three is closed
   * first (RFC 7143 §6.3.5). `abortAll` ends the session's tasks when another session resets the unit.
   */
  open(initiatorName: string, isid: Buffer, targetName: string | null, close: (why: string) => void, abortAll: () => void): { readonly tsih: number; readonly reinstated: boolean; release(): void };
  has(tsih: number): boolean;
  /** LOGICAL UNIT RESET and TARGET WARM RESET reach every session on the target but the asking one's `own`. */
  resetTarget(targetName: string, own: () => void): void;
}

export interface ConnectionDeps {
  readonly targets: IscsiTargets;
  readonly sessions: SessionRegistry;
  readonly log: Logger;
  readonly stats: IscsiStats;
  readonly keepalive: Keepalive;
  readonly portalGroupTag: number;
  /** Data buffers: Data-Out is gathered into them, and read data goes back to them once sent. */
  readonly buffers: BufferPool;
  /**
   * Reads the connection into `shared` through a duplicate of its descriptor made by `dup` (shared-buffer-reader.ts)
   * rather than Node's buffer per read; the socket comes paused. None: the socket is read as usual.
   */
  readonly readThrough?: { readonly dup: (fd: number) => number; readonly shared: Buffer };
  random(bytes: number): Buffer;
}

interface R2tState {
  readonly offset: number;
  readonly length: number;
  received: number;
  /** Data-Out PDUs of this burst so far: the next one's DataSN (RFC 7143 §11.7.5). */
  dataSN: number;
}

interface Task {
  readonly cmd: ScsiCommand;
  readonly command: BlockCommand;
  /** The residual its response carries: expected transfer length less what the CDB moves (RFC 7143 §11.4.5). */
  readonly residual: number;
  /** Data-Out bytes the command takes (no more than the initiator said it sends), and how many have come. */
  readonly want: number;
  received: number;
  buffer: Buffer | null;
  /** Immediate data held until the buffer exists. */
  immediate: Buffer | null;
  readonly r2ts: Map<number, R2tState>;
  nextOffset: number;
  r2tSN: number;
  aborted: boolean;
  budgeted: boolean;
  /** The disk has the buffer: it may go back to the pool only once the command has run. */
  running: boolean;
}

/** Serial number arithmetic on 32-bit sequence numbers (RFC 1982): a - b as a signed distance. */
const seqDiff = (a: number, b: number): number => ((a - b) << 0) | 0;

export function serveIscsiConnection(socket: Socket, deps: ConnectionDeps): void {
  const { log, stats, buffers } = deps;
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
  const address = socket.remoteAddress ?? '';
  const framer = new PduFramer({ headerDigest: false, dataDigest: false, maxDataLength: LOGIN_MAX_DATA }, buffers);
  let params: SessionParams = DEFAULT_PARAMS;
  let phase: 'login' | 'full' | 'closing' = 'login';
  let statSN = 0;
  let expCmdSN = 0;
  let target: IscsiTarget | null = null;
  let sessionType: 'Normal' | 'Discovery' = 'Normal';
  let initiatorName = '';
  let release: (() => void) | null = null;
  const tasks = new Map<number, Task>();
  let nextTtt = 1;
  let buffered = 0;
  const waitingForBudget: Task[] = [];
  let textMore: { readonly ttt: number; rest: Buffer } | null = null;
  let textIn: Buffer[] = [];
  let pingTtt: number | null = null;

  const negotiator = new LoginNegotiator<IscsiTarget>({
    findTarget: (name, initiator) => deps.targets.find(name, initiator, address),
    discoveryChap: deps.targets.discoveryChap,
    portalGroupTag: deps.portalGroupTag,
    random: deps.random,
  });
  let loginData: Buffer[] = [];
  let loginBytes = 0;
  let firstLogin: LoginRequest | null = null;

  const isClosing = (): boolean => phase === 'closing';
  // The window closes as tasks pile up (MaxCmdSN = ExpCmdSN - 1 when full): a command waiting for its data or
  // its disk holds a slot, so what a connection can make the target hold stays bounded.
  const room = (): number => Math.max(0, QUEUE_DEPTH - tasks.size);
  const window = (): Window => ({ expCmdSN, maxCmdSN: (expCmdSN + room() - 1) >>> 0 });
  const digests = (): { header: boolean; data: boolean } => ({ header: params.headerDigest && phase !== 'login', data: params.dataDigest && phase !== 'login' });
  // What is sent in one turn of the event loop goes out in one writev at its end (setImmediate: after every disk
  // read that completed in the turn answered its command), rather than a write(2) per PDU. By hand, random 4 KiB
  // reads at queue depth 32 (iscsi-perf, 6 runs each, noisy): median 11.1k -> 13.5k IOPS. A small PDU is one buffer.
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  /** `written`: called once the kernel has the PDU's bytes (not if the socket is gone first). */
  const send = (bhs: Buffer, data: Uint8Array | null = null, d = digests(), written?: () => void): void => {
    if (socket.destroyed) return;
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    const pieces = framePdu(bhs, data, d);
    const done =
      written === undefined
        ? undefined
        : (error?: Error | null): void => {
            if (!error) written();
          };
    if (pieces.length === 1) socket.write(pieces[0]!, done);
    else if ((data?.length ?? 0) <= SMALL_PDU) {
      // Joined in a pooled buffer, not Buffer.concat's fresh one: a 4 KiB read's answer is just over Node's slab.
      const joined = buffers.take(pieces.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const piece of pieces) at += piece.copy(joined, at);
      socket.write(joined, (error?: Error | null) => {
        buffers.give(joined);
        done?.(error);
      });
    } else pieces.forEach((piece, i) => socket.write(piece, i === pieces.length - 1 ? done : undefined));
  };
  const nextStatSN = (): number => {
    const sn = statSN;
    statSN = (statSN + 1) >>> 0;
    return sn;
  };

  const close = (why: string, fields: Record<string, unknown> = {}): void => {
    if (phase === 'closing' && socket.destroyed) return;
    log.debug('iscsi connection closed', { client: peer, why, ...fields });
    phase = 'closing';
    for (const task of tasks.values()) abort(task);
    release?.();
    release = null;
    socket.destroy();
  };

  // Keepalive: a quiet connection is pinged; an unanswered ping closes it (a dead initiator frees its tasks).
  let quiet: NodeJS.Timeout | null = null;
  const armKeepalive = (): void => {
    if (quiet !== null) clearTimeout(quiet);
    quiet = setTimeout(() => {
      if (phase !== 'full') return close('login not finished in time');
      if (pingTtt !== null) {
        stats.closedIdle++;
        return close('no answer to NOP-In ping');
      }
      pingTtt = nextTtt++ >>> 0;
      send(encodeNopIn({ itt: RESERVED_TAG, ttt: pingTtt, lun: 0n, statSN, window: window(), dataLength: 0 }));
      armKeepalive();
    }, pingTtt === null ? deps.keepalive.intervalMs : deps.keepalive.timeoutMs);
    quiet.unref();
  };
  armKeepalive();

  const onFramed = ({ pdus, error }: FramerPush): void => {
    for (const pdu of pdus) {
      if (isClosing()) return;
      onPdu(pdu);
    }
    if (error !== null && !isClosing()) {
      stats.closedGarbage++;
      close('unframeable bytes', { reason: error.code });
    }
  };
  const reader =
    deps.readThrough === undefined
      ? null
      : sharedBufferReader(socket, deps.readThrough.dup, {
          shared: deps.readThrough.shared,
          onBytes: (bytes) => {
            if (phase === 'closing') return;
            armKeepalive();
            onFramed(framer.push(bytes, true));
          },
          // The rest of a large data segment goes straight into the buffer that holds it.
          target: () => framer.inPlaceTarget(),
          onTarget: (bytes) => {
            if (phase === 'closing') return;
            armKeepalive();
            onFramed(framer.pushInPlace(bytes));
          },
        });
  if (reader === null) {
    socket.on('data', (chunk: Buffer) => {
      if (phase === 'closing') return;
      armKeepalive();
      onFramed(framer.push(chunk));
    });
    socket.resume();
  } else {
    // The reader sees the initiator's end and its errors; the socket, which only writes, does not. At the end,
    // what is queued still goes out, as Node does for a socket read itself, and then the socket closes.
    reader.on('end', () => {
      socket.once('finish', () => socket.destroy());
      socket.end();
    });
    reader.on('error', (error) => {
      log.debug('iscsi socket error', { client: peer, error });
      if (phase !== 'closing') close('initiator closed');
    });
  }
  socket.on('error', (error) => log.debug('iscsi socket error', { client: peer, error }));
  socket.on('close', () => {
    if (quiet !== null) clearTimeout(quiet);
    reader?.destroy();
    if (phase !== 'closing') close('initiator closed');
  });

  const onPdu = (framed: FramedPdu): void => {
    const pdu = decodeBhs(framed.bhs);
    if (phase === 'login') {
      if (pdu.kind !== 'login') return close('not a login request during login', { op: pdu.op });
      return onLogin(pdu, framed.data);
    }
    if (!framed.dataDigestOk) {
      // RFC 7143 §7.8: the PDU is discarded and the initiator told; at ERL 0 it recovers by its own means.
      stats.dataDigestErrors++;
      return reject(RejectReason.dataDigestError, framed.bhs);
    }
    switch (pdu.kind) {
      case 'command':
        return onCommand(pdu, framed.data, framed.bhs);
      case 'dataOut':
        return onDataOut(pdu, framed.data, framed.bhs);
      case 'nopOut':
        return onNopOut(pdu, framed.data);
      case 'text':
        return onText(pdu, framed.data, framed.bhs);
      case 'task':
        return onTaskRequest(pdu);
      case 'logout':
        return onLogout(pdu);
      case 'login':
        return reject(RejectReason.protocolError, framed.bhs);
      default:
        return reject(pdu.op === Opcode.snack ? RejectReason.snackReject : RejectReason.commandNotSupported, framed.bhs);
    }
  };

  const reject = (reason: number, bhs: Buffer): void => {
    stats.rejects++;
    log.debug('iscsi pdu rejected', { client: peer, reason });
    send(encodeReject({ reason, statSN: nextStatSN(), window: window(), dataLength: bhs.length }), bhs);
  };

  // ---- login ----

  const onLogin = (req: LoginRequest, data: Buffer): void => {
    if (firstLogin === null) {
      firstLogin = req;
      statSN = req.expStatSN >>> 0;
      expCmdSN = req.cmdSN >>> 0;
    }
    const respond = (status: number, keys: TextKeys, transit: boolean, nsg: number): void => {
      const body = encodeTextKeys(keys);
      send(
        encodeLoginResponse({
          transit,
          cont: false,
          csg: req.csg,
          nsg,
          versionActive: 0,
          isid: firstLogin!.isid,
          tsih: 0,
          itt: req.itt,
          statSN: nextStatSN(),
          window: window(),
          statusClass: status >> 8,
          statusDetail: status & 0xff,
          dataLength: body.length,
        }),
        body,
        { header: false, data: false },
      );
    };
    const refuse = (status: number, why: string): void => {
      stats.loginsRefused++;
      log.info('iscsi login refused', { client: peer, initiator: initiatorName || undefined, status: `0x${status.toString(16).padStart(4, '0')}`, why });
      respond(status, [], false, 0);
      phase = 'closing';
      socket.end();
    };
    loginBytes += data.length;
    if (loginBytes > MAX_LOGIN_DATA) return refuse(LoginStatus.initiatorError, 'login keys too long');
    loginData.push(data);
    // C bit: the keys go on in the next PDU; each part is answered with an empty response (RFC 7143 §6.3).
    if (req.cont) return respond(LoginStatus.success, [], false, 0);
    const keys = decodeTextKeys(Buffer.concat(loginData));
    loginData = [];
    loginBytes = 0;
    if (!keys.ok) return refuse(LoginStatus.initiatorError, `bad login keys: ${keys.reason}`);
    const name = keys.keys.find(([k]) => k === 'InitiatorName')?.[1];
    if (name !== undefined && initiatorName === '') initiatorName = name;
    if (req.tsih !== 0) return refuse(deps.sessions.has(req.tsih) ? LoginStatus.tooManyConnections : LoginStatus.sessionDoesNotExist, 'adding a connection to a session');
    const answer = negotiator.step(req, keys.keys);
    if (answer.status !== LoginStatus.success) return refuse(answer.status, 'negotiation');
    if (answer.done === undefined) return respond(answer.status, answer.keys, answer.transit, answer.nsg);
    const done = answer.done;
    const session = deps.sessions.open(done.initiatorName, firstLogin!.isid, done.target?.name ?? null, (why) => close(why), abortedElsewhere);
    if (session.reinstated) stats.sessionsReinstated++;
    release = session.release;
    target = done.target;
    sessionType = done.sessionType;
    stats.loginsAccepted++;
    log.info('iscsi login', {
      client: peer,
      initiator: done.initiatorName,
      target: target?.name ?? '(discovery)',
      tsih: session.tsih,
      digests: `${done.params.headerDigest ? 'CRC32C' : 'None'}/${done.params.dataDigest ? 'CRC32C' : 'None'}`,
      auth: done.auth,
    });
    const body = encodeTextKeys(answer.keys);
    send(
      encodeLoginResponse({
        transit: true,
        cont: false,
        csg: req.csg,
        nsg: answer.nsg,
        versionActive: 0,
        isid: firstLogin!.isid,
        tsih: session.tsih,
        itt: req.itt,
        statSN: nextStatSN(),
        window: window(),
        statusClass: 0,
        statusDetail: 0,
        dataLength: body.length,
      }),
      body,
      { header: false, data: false },
    );
    // Digests and the declared data limit hold from the next PDU on (RFC 7143 §13.1, §13.12).
    params = done.params;
    phase = 'full';
    framer.settings = { headerDigest: params.headerDigest, dataDigest: params.dataDigest, maxDataLength: TARGET_OFFER.maxRecvDataSegmentLength };
  };

  // ---- numbering ----

  /** Whether a non-immediate command is in the window, moving ExpCmdSN past it (RFC 7143 §4.2.2.1). */
  const accept = (immediate: boolean, cmdSN: number): boolean => {
    if (immediate) return true;
    const ahead = seqDiff(cmdSN, expCmdSN);
    if (ahead < 0 || ahead >= room()) {
      log.debug('iscsi command outside the window, dropped', { client: peer, cmdSN, expCmdSN });
      return false;
    }
    expCmdSN = (cmdSN + 1) >>> 0;
    return true;
  };

  // ---- SCSI commands ----

  const onCommand = (cmd: ScsiCommand, data: Buffer, bhs: Buffer): void => {
    if (!accept(cmd.immediate, cmd.cmdSN)) return;
    stats.commands++;
    if (sessionType === 'Discovery' || target === null) return reject(RejectReason.protocolError, bhs);
    if (tasks.has(cmd.itt)) return reject(RejectReason.taskInProgress, bhs);
    // Immediate data only where negotiated, and no more than the first burst (RFC 7143 §13.11, §13.14).
    if (data.length > 0 && (!params.immediateData || data.length > params.firstBurstLength)) return reject(RejectReason.protocolError, bhs);
    if (cmd.immediate && tasks.size >= QUEUE_DEPTH + IMMEDIATE_EXTRA) return finish(cmd, { status: ScsiStatus.taskSetFull }, 0, cmd.expectedLength);
    const device = target.device;
    if (cmd.lun !== 0n) return finish(cmd, otherLun(cmd.cdb), 0, cmd.expectedLength);
    const prepared = device.prepare(cmd.cdb);
    if (!prepared.ok) return finish(cmd, prepared.result, 0, cmd.expectedLength);
    const scsiBytes = prepared.dataOut;
    const planned = planTransfer(prepared.command, scsiBytes, cmd.write ? cmd.expectedLength : 0, device.info.blockSize);
    if (!planned.ok) return finish(cmd, planned.result, 0, cmd.expectedLength - scsiBytes);
    const want = planned.take;
    const task: Task = {
      cmd,
      command: planned.command,
      residual: cmd.expectedLength - scsiBytes,
      want,
      received: 0,
      buffer: null,
      immediate: want > 0 && data.length > 0 ? data.subarray(0, Math.min(data.length, want)) : null,
      r2ts: new Map(),
      nextOffset: 0,
      r2tSN: 0,
      aborted: false,
      budgeted: false,
      running: false,
    };
    tasks.set(cmd.itt, task);
    if (want === 0) return run(task);
    task.received = task.immediate?.length ?? 0;
    task.nextOffset = task.received;
    if (task.received === want) {
      task.buffer = task.immediate;
      task.immediate = null;
      return run(task);
    }
    waitingForBudget.push(task);
    grantBudget();
  };

  /** Gives waiting write commands their buffers, in order, while the budget lasts (always at least one). */
  const grantBudget = (): void => {
    while (waitingForBudget.length > 0) {
      const task = waitingForBudget[0]!;
      if (task.aborted) {
        waitingForBudget.shift();
        continue;
      }
      if (buffered > 0 && buffered + task.want > WRITE_BUDGET) return;
      waitingForBudget.shift();
      buffered += task.want;
      task.budgeted = true;
      task.buffer = buffers.take(task.want);
      if (task.immediate !== null) {
        task.immediate.copy(task.buffer, 0);
        buffers.give(task.immediate);
      }
      task.immediate = null;
      sendR2ts(task);
    }
  };

  const sendR2ts = (task: Task): void => {
    while (task.r2ts.size < params.maxOutstandingR2T && task.nextOffset < task.want) {
      const length = Math.min(params.maxBurstLength, task.want - task.nextOffset);
      const ttt = nextTtt++ >>> 0;
      if (nextTtt >= RESERVED_TAG) nextTtt = 1;
      task.r2ts.set(ttt, { offset: task.nextOffset, length, received: 0, dataSN: 0 });
      send(encodeR2t({ itt: task.cmd.itt, lun: task.cmd.lun, ttt, statSN, window: window(), r2tSN: task.r2tSN++, bufferOffset: task.nextOffset, length }));
      task.nextOffset += length;
    }
  };

  const onDataOut = (pdu: DataOut, data: Buffer, bhs: Buffer): void => {
    const task = tasks.get(pdu.itt);
    // Data for a task that was aborted (or already failed) is dropped: the initiator may still be sending it.
    if (task === undefined || task.aborted) return;
    const r2t = task.r2ts.get(pdu.ttt);
    if (r2t === undefined || task.buffer === null) return reject(RejectReason.invalidPduField, bhs);
    // In order (DataPDUInOrder and DataSequenceInOrder are Yes): each PDU carries the next DataSN and goes on
    // where the last one ended. At ERL 0 a gap cannot be asked for again: the command fails, nothing written,
    // and the rest of its Data-Out is dropped; the connection and the other commands go on.
    const next = r2t.offset + r2t.received;
    if (pdu.dataSN !== r2t.dataSN || pdu.bufferOffset !== next || next + data.length > r2t.offset + r2t.length) {
      log.debug('iscsi Data-Out out of sequence, command failed', { client: peer, itt: pdu.itt, dataSN: pdu.dataSN, expectedDataSN: r2t.dataSN, offset: pdu.bufferOffset, expectedOffset: next });
      return finishTask(task, { status: ScsiStatus.checkCondition, sense: fixedSense(Senses.dataPhaseError) });
    }
    r2t.dataSN++;
    data.copy(task.buffer, pdu.bufferOffset);
    buffers.give(data);
    r2t.received += data.length;
    task.received += data.length;
    if (!pdu.final) return;
    task.r2ts.delete(pdu.ttt);
    if (r2t.received !== r2t.length) {
      // A burst ended short: at ERL 0 there is no asking again, so the command fails whole.
      return finishTask(task, { status: ScsiStatus.checkCondition, sense: fixedSense(Senses.invalidFieldInParameterList) });
    }
    if (task.received >= task.want && task.r2ts.size === 0) return run(task);
    sendR2ts(task);
  };

  const run = (task: Task): void => {
    task.running = true;
    target!.device
      .run(task.command, task.buffer)
      .catch((error: unknown): ScsiResult => {
        log.error('iscsi command failed', { client: peer, error });
        return { status: ScsiStatus.checkCondition, sense: fixedSense(Senses.internalTargetFailure) };
      })
      .then((result) => {
        task.running = false;
        finishTask(task, result);
      });
  };

  const releaseTask = (task: Task): void => {
    tasks.delete(task.cmd.itt);
    if (task.budgeted) {
      buffered -= task.want;
      task.budgeted = false;
      grantBudget();
    }
    // A task aborted while its command runs leaves its buffer to the GC: the disk may still be writing from it.
    if (task.buffer !== null && !task.running) buffers.give(task.buffer);
    task.buffer = null;
  };

  const finishTask = (task: Task, result: ScsiResult): void => {
    if (task.aborted) return;
    releaseTask(task);
    finish(task.cmd, result, task.r2tSN, task.residual);
  };

  /**
   * Another session reset the unit: with TAS set in the control page, these tasks end with TASK ABORTED
   * (SAM-5 §5.6) rather than silence, so the initiator need not wait for its own timeout.
   */
  const abortedElsewhere = (): void => {
    for (const task of [...tasks.values()]) finishTask(task, { status: ScsiStatus.taskAborted });
  };

  const abort = (task: Task): void => {
    if (task.aborted) return;
    task.aborted = true;
    stats.taskAborts++;
    releaseTask(task);
  };

  /**
   * The command's answer (RFC 7143 §11.4, §11.7): read data as Data-In PDUs of at most the initiator's
   * MaxRecvDataSegmentLength, sequences of at most MaxBurstLength, the status on the last one (phase collapse);
   * anything else as a SCSI Response with its sense data and `residual` (expected transfer length less what
   * the command moves: positive underflow, negative overflow).
   */
  const finish = (cmd: ScsiCommand, result: ScsiResult, r2ts: number, residual: number): void => {
    if (phase === 'closing') return;
    if (result.status !== ScsiStatus.good) stats.checkConditions++;
    const data = result.data;
    const edtl = cmd.expectedLength;
    if (result.status === ScsiStatus.good && data !== undefined && data.length > 0 && edtl > 0 && cmd.read) {
      const out = data.length > edtl ? data.subarray(0, edtl) : data;
      // Positive: the initiator asked for more than there was (underflow); negative: it got less than there was.
      const readResidual = edtl - data.length;
      let dataSN = 0;
      let inBurst = 0;
      socket.cork();
      for (let offset = 0; offset < out.length; ) {
        const length = Math.min(params.initiatorMaxRecv, out.length - offset, params.maxBurstLength - inBurst);
        const last = offset + length === out.length;
        inBurst += length;
        const burstEnds = last || inBurst === params.maxBurstLength;
        const status = last ? { status: { status: ScsiStatus.good, statSN: nextStatSN(), residual: readResidual } } : {};
        // Once the last PDU is written, so are all before it: the read buffer may serve another command.
        const written = last ? () => buffers.give(data) : undefined;
        send(encodeDataIn({ final: burstEnds, itt: cmd.itt, lun: cmd.lun, window: window(), dataSN: dataSN++, bufferOffset: offset, dataLength: length, ...status }), out.subarray(offset, offset + length), digests(), written);
        if (burstEnds) inBurst = 0;
        offset += length;
      }
      socket.uncork();
      return;
    }
    const sense = result.sense === undefined ? null : Buffer.concat([u16(result.sense.length), result.sense]);
    // Data-in that was not sent (the initiator expected none) is an overflow all the same.
    const unsent = result.status === ScsiStatus.good && data !== undefined ? edtl - data.length : residual;
    send(
      encodeScsiResponse({
        itt: cmd.itt,
        status: result.status,
        statSN: nextStatSN(),
        window: window(),
        expDataSN: r2ts,
        residual: unsent,
        dataLength: sense?.length ?? 0,
      }),
      sense,
    );
  };

  // ---- NOP, text, task management, logout ----

  const onNopOut = (pdu: NopOut, data: Buffer): void => {
    if (pdu.itt === RESERVED_TAG) {
      // The answer to our ping (or an initiator's own ping that wants none back).
      if (pdu.ttt === pingTtt) pingTtt = null;
      return;
    }
    if (!accept(pdu.immediate, pdu.cmdSN)) return;
    const echo = data.subarray(0, Math.min(data.length, params.initiatorMaxRecv));
    send(encodeNopIn({ itt: pdu.itt, ttt: RESERVED_TAG, lun: pdu.lun, statSN: nextStatSN(), window: window(), dataLength: echo.length }), echo);
  };

  const onText = (pdu: TextRequest, data: Buffer, bhs: Buffer): void => {
    if (!accept(pdu.immediate, pdu.cmdSN)) return;
    if (pdu.ttt !== RESERVED_TAG && textIn.length === 0) {
      // The initiator asks for the rest of a long answer, naming the tag we gave it.
      if (textMore === null || textMore.ttt !== pdu.ttt) return reject(RejectReason.invalidPduField, bhs);
      return sendText(pdu.itt, textMore.rest);
    }
    textIn.push(data);
    if (textIn.reduce((n, b) => n + b.length, 0) > MAX_TEXT_DATA) {
      textIn = [];
      return reject(RejectReason.protocolError, bhs);
    }
    if (pdu.cont) {
      // More keys follow (RFC 7143 §11.10.2): an empty answer, with a tag for the next part to name.
      send(encodeTextResponse({ final: false, cont: false, itt: pdu.itt, ttt: nextTtt++ >>> 0, statSN: nextStatSN(), window: window(), dataLength: 0 }));
      return;
    }
    const keys = decodeTextKeys(Buffer.concat(textIn));
    textIn = [];
    if (!keys.ok) return reject(RejectReason.protocolError, bhs);
    const answers: Array<readonly [string, string]> = [];
    for (const [key, value] of keys.keys) {
      if (key === 'SendTargets') {
        answers.push(...sendTargets(value, { sessionType, current: target?.name ?? null, visible: deps.targets.visible(initiatorName, address), portal: portalOf(socket), tag: deps.portalGroupTag }));
      } else answers.push([key, 'NotUnderstood']);
    }
    sendText(pdu.itt, encodeTextKeys(answers));
  };

  const sendText = (itt: number, body: Buffer): void => {
    const max = params.initiatorMaxRecv;
    const more = body.length > max;
    const ttt = more ? nextTtt++ >>> 0 : RESERVED_TAG;
    textMore = more ? { ttt, rest: body.subarray(max) } : null;
    const part = body.subarray(0, max);
    send(encodeTextResponse({ final: !more, cont: more, itt, ttt, statSN: nextStatSN(), window: window(), dataLength: part.length }), part);
  };

  const onTaskRequest = (pdu: TaskRequest): void => {
    if (!accept(pdu.immediate, pdu.cmdSN)) return;
    const answer = (response: number): void => send(encodeTaskResponse({ response, itt: pdu.itt, statSN: nextStatSN(), window: window() }));
    switch (pdu.fn) {
      case TaskFunction.abortTask: {
        const task = tasks.get(pdu.referencedTag);
        if (task !== undefined) {
          abort(task);
          return answer(TaskResponse.complete);
        }
        // RFC 7143 §11.5.1: a command never received (RefCmdSN not yet reached) counts as received and aborted;
        // one received and already answered "does not exist" (its response is on its way or delivered).
        const ahead = seqDiff(pdu.refCmdSN, expCmdSN);
        return answer(ahead >= 0 && ahead < QUEUE_DEPTH ? TaskResponse.complete : TaskResponse.noSuchTask);
      }
      case TaskFunction.abortTaskSet:
      case TaskFunction.clearTaskSet:
        // The task set of this I_T nexus: this session's tasks (SAM-5 with TST 000b).
        for (const task of [...tasks.values()]) abort(task);
        return answer(TaskResponse.complete);
      case TaskFunction.logicalUnitReset:
      case TaskFunction.targetWarmReset:
        if (pdu.fn === TaskFunction.logicalUnitReset && pdu.lun !== 0n) return answer(TaskResponse.noSuchLun);
        // Every session's tasks on the unit (RFC 7143 §4.2.3.2): this session's end silently, the others' with
        // TASK ABORTED.
        for (const task of [...tasks.values()]) abort(task);
        if (target !== null) deps.sessions.resetTarget(target.name, abortedElsewhere);
        return answer(TaskResponse.complete);
      case TaskFunction.targetColdReset:
        for (const task of [...tasks.values()]) abort(task);
        answer(TaskResponse.complete);
        return close('target cold reset');
      case TaskFunction.taskReassign:
        return answer(TaskResponse.reassignNotSupported);
      default:
        return answer(TaskResponse.notSupported);
    }
  };

  const onLogout = (pdu: LogoutRequest): void => {
    if (!accept(pdu.immediate, pdu.cmdSN)) return;
    // Reason 2 (remove the connection for recovery) needs ERL 2: answer "connection recovery not supported".
    const response = pdu.reason === 2 ? 2 : 0;
    send(encodeLogoutResponse({ response, itt: pdu.itt, statSN: nextStatSN(), window: window(), time2Wait: 0, time2Retain: 0 }));
    if (response !== 0) return;
    for (const task of [...tasks.values()]) abort(task);
    log.debug('iscsi logout', { client: peer, initiator: initiatorName });
    phase = 'closing';
    release?.();
    release = null;
    socket.end();
  };
}

/**
 * How much Data-Out to ask for: what the CDB moves, cut to what the initiator said it would send (RFC 7143
 * §11.4.5.2: a WRITE whose expected transfer length is shorter writes only the whole blocks it covers).
 */
function planTransfer(command: BlockCommand, scsiBytes: number, offered: number, blockSize: number): { readonly ok: true; readonly command: BlockCommand; readonly take: number } | { readonly ok: false; readonly result: ScsiResult } {
  if (scsiBytes <= offered) return { ok: true, command, take: scsiBytes };
  if (command.op !== 'write') return { ok: false, result: { status: ScsiStatus.checkCondition, sense: fixedSense(Senses.invalidFieldInInformationUnit) } };
  if (offered % blockSize !== 0) return { ok: false, result: { status: ScsiStatus.checkCondition, sense: fixedSense(Senses.invalidFieldInInformationUnit) } };
  return { ok: true, command: { ...command, blocks: offered / blockSize }, take: offered };
}

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

/** Commands to a LUN other than 0: INQUIRY says nothing is there, REPORT LUNS works from anywhere (SPC-4 §6.6.2). */
function otherLun(cdb: Buffer): ScsiResult {
  if (cdb[0] === 0x12 && (cdb[1]! & 1) === 0) {
    const data = Buffer.alloc(36);
    data[0] = 0x7f; // peripheral qualifier 011b, device type 1Fh: no logical unit here
    data[4] = 31;
    return { status: ScsiStatus.good, data: data.subarray(0, Math.min(36, cdb.readUInt16BE(3))) };
  }
  return { status: ScsiStatus.checkCondition, sense: fixedSense(Senses.lunNotSupported) };
}

/** Where the initiator reached us, as SendTargets writes it (RFC 7143 §13.8: IPv6 in brackets). */
function portalOf(socket: Socket): string {
  const local = (socket.localAddress ?? '').replace(/^::ffff:/, '');
  const host = local.includes(':') ? `[${local}]` : local;
  return `${host}:${socket.localPort ?? 3260}`;
}
