// ONC RPC call and reply messages (RFC 5531 §9 rpc_msg): pure decode/encode, arguments and results left as views.
//
// A call decodes into a plain object whose `args` is a view of the rest of the message, so the program's own
// codec reads them in place. When a call cannot be decoded, the failure keeps the xid once it was read, and
// replyForBadCall() says what RFC 5531 wants answered (RPC_MISMATCH, AUTH_BADCRED) or that it is dropped.
import { AUTH_NONE_VERF, AuthStat, decodeCredential, readOpaqueAuth, writeOpaqueAuth } from './auth.js';
import type { Credential, OpaqueAuth } from './auth.js';
import { XdrDecodeError } from './xdr-error.js';
import type { XdrErrorCode } from './xdr-error.js';
import { XdrReader } from './xdr-reader.js';
import type { XdrReaderOptions } from './xdr-reader.js';
import { XdrWriter } from './xdr-writer.js';

export const RPC_VERSION = 2;

export const MsgType = { call: 0, reply: 1 } as const;
export const ReplyStat = { accepted: 0, denied: 1 } as const;
export const AcceptStat = {
  success: 0,
  progUnavail: 1,
  progMismatch: 2,
  procUnavail: 3,
  garbageArgs: 4,
  systemErr: 5,
} as const;
export const RejectStat = { rpcMismatch: 0, authError: 1 } as const;

export interface RpcCall {
  readonly xid: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly cred: Credential;
  readonly verf: OpaqueAuth;
  /** The procedure's arguments: a view of the rest of the message, not a copy. */
  readonly args: Buffer;
  /** Where `args` starts in the decoded buffer. */
  readonly argsOffset: number;
}

/** What a call is encoded from (clients, tests, captures). */
export interface RpcCallInput {
  readonly xid: number;
  readonly prog: number;
  readonly vers: number;
  readonly proc: number;
  readonly cred?: OpaqueAuth;
  readonly verf?: OpaqueAuth;
  readonly args?: Uint8Array;
  /** Sent as rpcvers instead of 2; only tests that provoke RPC_MISMATCH want it. */
  readonly rpcvers?: number;
}

interface ReplyBase {
  readonly xid: number;
}

interface AcceptedBase extends ReplyBase {
  /** The server's verifier; AUTH_NONE when left out of an encoded reply. */
  readonly verf?: OpaqueAuth;
}

export type RpcReply =
  | (AcceptedBase & {
      readonly kind: 'success';
      /** Encoded results. Decoding gives a view of the rest of the message; encoding appends large ones by reference. */
      readonly results?: Uint8Array;
    })
  | (AcceptedBase & { readonly kind: 'prog_unavail' | 'proc_unavail' | 'garbage_args' | 'system_err' })
  | (AcceptedBase & { readonly kind: 'prog_mismatch'; readonly low: number; readonly high: number })
  | (ReplyBase & { readonly kind: 'rpc_mismatch'; readonly low: number; readonly high: number })
  | (ReplyBase & { readonly kind: 'auth_error'; readonly stat: number });

export type RpcReplyKind = RpcReply['kind'];

export type RpcDecodeFailureCode =
  | XdrErrorCode
  /** msg_type is neither CALL nor REPLY. */
  | 'BAD_MSG_TYPE'
  /** A REPLY where a CALL was expected, or the other way round. */
  | 'WRONG_DIRECTION'
  /** rpcvers is not 2: answered with MSG_DENIED RPC_MISMATCH. */
  | 'RPC_MISMATCH'
  /** The credential is malformed or its body is over 400 bytes: answered with AUTH_ERROR AUTH_BADCRED. */
  | 'BAD_CRED'
  /** The verifier is malformed or its body is over 400 bytes: answered with AUTH_ERROR AUTH_BADVERF. */
  | 'BAD_VERF';

export interface RpcDecodeFailure {
  readonly ok: false;
  readonly code: RpcDecodeFailureCode;
  readonly detail: string;
  /** The transaction id when the message was long enough to carry one. */
  readonly xid: number | null;
}

export type RpcCallResult = { readonly ok: true; readonly call: RpcCall } | RpcDecodeFailure;
export type RpcReplyResult = { readonly ok: true; readonly reply: RpcReply } | RpcDecodeFailure;

export function decodeRpcCall(buf: Uint8Array, options: XdrReaderOptions = {}): RpcCallResult {
  const r = new XdrReader(buf, options);
  let xid: number | null = null;
  let part: 'header' | 'cred' | 'verf' = 'header';
  try {
    xid = r.uint();
    const mtype = r.uint();
    if (mtype !== MsgType.call) return directionFailure(mtype, 'CALL', xid);
    const rpcvers = r.uint();
    if (rpcvers !== RPC_VERSION) return failure('RPC_MISMATCH', `rpcvers is ${rpcvers}, not 2`, xid);
    const prog = r.uint();
    const vers = r.uint();
    const proc = r.uint();
    part = 'cred';
    const rawCred = readOpaqueAuth(r, 'credential');
    part = 'verf';
    const verf = readOpaqueAuth(r, 'verifier');
    const cred = decodeCredential(rawCred, options);
    if (!cred.ok) return failure('BAD_CRED', cred.detail, xid);
    const argsOffset = r.offset;
    return { ok: true, call: { xid, prog, vers, proc, cred: cred.credential, verf, args: r.rest(), argsOffset } };
  } catch (err) {
    if (!(err instanceof XdrDecodeError)) throw err;
    const detail = `${err.code}: ${err.message}`;
    if (part === 'cred') return failure('BAD_CRED', detail, xid);
    if (part === 'verf') return failure('BAD_VERF', detail, xid);
    return failure(err.code, err.message, xid);
  }
}

/**
 * The reply RFC 5531 asks for when a call failed to decode, or null when it is dropped (no xid, not a call, or
 * a header too broken to answer).
 */
export function replyForBadCall(failure: RpcDecodeFailure): RpcReply | null {
  if (failure.xid === null) return null;
  switch (failure.code) {
    case 'RPC_MISMATCH':
      return { kind: 'rpc_mismatch', xid: failure.xid, low: RPC_VERSION, high: RPC_VERSION };
    case 'BAD_CRED':
      return { kind: 'auth_error', xid: failure.xid, stat: AuthStat.badCred };
    case 'BAD_VERF':
      return { kind: 'auth_error', xid: failure.xid, stat: AuthStat.badVerf };
    default:
      return null;
  }
}

export function encodeRpcCall(call: RpcCallInput): Buffer {
  const w = new XdrWriter(64 + (call.args?.length ?? 0));
  w.uint(call.xid).uint(MsgType.call).uint(call.rpcvers ?? RPC_VERSION);
  w.uint(call.prog).uint(call.vers).uint(call.proc);
  writeOpaqueAuth(w, call.cred ?? AUTH_NONE_VERF);
  writeOpaqueAuth(w, call.verf ?? AUTH_NONE_VERF);
  if (call.args !== undefined) w.raw(call.args);
  return w.toBuffer();
}

/**
 * Writes a reply's header into `w` (and a success reply's `results`, if given); a server then writes its
 * results after it, into the same writer, and sends w.chunks().
 */
export function writeRpcReply(w: XdrWriter, reply: RpcReply): void {
  w.uint(reply.xid).uint(MsgType.reply);
  switch (reply.kind) {
    case 'rpc_mismatch':
      w.uint(ReplyStat.denied).uint(RejectStat.rpcMismatch).uint(reply.low).uint(reply.high);
      return;
    case 'auth_error':
      w.uint(ReplyStat.denied).uint(RejectStat.authError).uint(reply.stat);
      return;
    default:
      break;
  }
  w.uint(ReplyStat.accepted);
  writeOpaqueAuth(w, reply.verf ?? AUTH_NONE_VERF);
  switch (reply.kind) {
    case 'success':
      w.uint(AcceptStat.success);
      if (reply.results !== undefined) w.appendRaw(reply.results);
      return;
    case 'prog_mismatch':
      w.uint(AcceptStat.progMismatch).uint(reply.low).uint(reply.high);
      return;
    case 'prog_unavail':
      w.uint(AcceptStat.progUnavail);
      return;
    case 'proc_unavail':
      w.uint(AcceptStat.procUnavail);
      return;
    case 'garbage_args':
      w.uint(AcceptStat.garbageArgs);
      return;
    case 'system_err':
      w.uint(AcceptStat.systemErr);
      return;
  }
}

/** A reply as one Buffer; `writeResults` writes a success reply's results after the header. */
export function encodeRpcReply(reply: RpcReply, writeResults?: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter(64 + (reply.kind === 'success' ? (reply.results?.length ?? 0) : 0));
  writeRpcReply(w, reply);
  if (writeResults !== undefined) writeResults(w);
  return w.toBuffer();
}

const acceptKinds = ['success', 'prog_unavail', 'prog_mismatch', 'proc_unavail', 'garbage_args', 'system_err'] as const;

export function decodeRpcReply(buf: Uint8Array, options: XdrReaderOptions = {}): RpcReplyResult {
  const r = new XdrReader(buf, options);
  let xid: number | null = null;
  try {
    xid = r.uint();
    const mtype = r.uint();
    if (mtype !== MsgType.reply) return directionFailure(mtype, 'REPLY', xid);
    const stat = r.enumOf(replyStats, 'reply_stat');
    if (stat === ReplyStat.denied) {
      const reject = r.enumOf(rejectStats, 'reject_stat');
      if (reject === RejectStat.rpcMismatch) return replyOk({ kind: 'rpc_mismatch', xid, low: r.uint(), high: r.uint() });
      return replyOk({ kind: 'auth_error', xid, stat: r.uint() });
    }
    const verf = readOpaqueAuth(r, 'verifier');
    const kind = acceptKinds[r.enumOf(acceptStats, 'accept_stat')]!;
    switch (kind) {
      case 'success':
        return replyOk({ kind, xid, verf, results: r.rest() });
      case 'prog_mismatch':
        return replyOk({ kind, xid, verf, low: r.uint(), high: r.uint() });
      default:
        return replyOk({ kind, xid, verf });
    }
  } catch (err) {
    if (!(err instanceof XdrDecodeError)) throw err;
    return failure(err.code, err.message, xid);
  }
}

const replyStats = new Set<number>(Object.values(ReplyStat));
const rejectStats = new Set<number>(Object.values(RejectStat));
const acceptStats = new Set<number>(Object.values(AcceptStat));

function replyOk(reply: RpcReply): RpcReplyResult {
  return { ok: true, reply };
}

function directionFailure(mtype: number, wanted: string, xid: number): RpcDecodeFailure {
  if (mtype === MsgType.call || mtype === MsgType.reply) {
    return failure('WRONG_DIRECTION', `msg_type is ${mtype === MsgType.call ? 'CALL' : 'REPLY'}, not ${wanted}`, xid);
  }
  return failure('BAD_MSG_TYPE', `msg_type is ${mtype}, neither CALL nor REPLY`, xid);
}

function failure(code: RpcDecodeFailureCode, detail: string, xid: number | null): RpcDecodeFailure {
  return { ok: false, code, detail, xid };
}
