// Turns one received RPC message into its reply bytes (RFC 5531 §9): decode, route, run the handler, encode.
//
// Shared by the TCP and UDP transports, which only move bytes. Nothing a message contains can make this throw:
// decode failures are answered per replyForBadCall() or dropped, a handler's XdrDecodeError becomes GARBAGE_ARGS
// and anything else it throws SYSTEM_ERR (logged as our bug).
import type { Logger } from '../log/logger.js';
import { decodeRpcCall, encodeRpcReply, replyForBadCall, writeRpcReply } from './rpc-message.js';
import type { RpcCall, RpcReply } from './rpc-message.js';
import type { RpcClient, RpcHandler, RpcOutcome } from './rpc-program.js';
import { routeCall } from './rpc-route.js';
import type { RpcRegistry } from './rpc-route.js';
import type { RpcStats } from './rpc-stats.js';
import { XdrDecodeError } from './xdr-error.js';
import { XdrReader } from './xdr-reader.js';
import { XdrWriter, type FileSlice } from './xdr-writer.js';

export interface DispatchDeps {
  readonly registry: RpcRegistry;
  readonly log: Logger;
  readonly stats: RpcStats;
}

export interface CallSource {
  readonly client: RpcClient;
  readonly local: { readonly address: string; readonly port: number };
  readonly maxReplyBytes: number;
  /** See RpcCallContext.holdFile; only a transport that handles DispatchReply.slice gives it. */
  readonly holdFile?: (fd: number) => number;
}

/**
 * A reply as chunks ready for writev (or one datagram); the transport calls sent() once they are written. With a
 * slice (only where the call had holdFile), the reply is the chunks, then the file's range, then slice.after.
 */
export interface DispatchReply {
  readonly chunks: Buffer[];
  readonly slice?: { readonly file: FileSlice; readonly after: Buffer[] };
  sent(): void;
}

const NOTHING_TO_RELEASE = (): void => {};

/**
 * The reply, or null when nothing is sent; a promise of it only when the handler answers later. `keepArgs`: see
 * RpcCallContext.keepArgs (the transport's, for this message).
 */
export function dispatchMessage(
  deps: DispatchDeps,
  message: Buffer,
  source: CallSource,
  keepArgs?: () => () => void,
): DispatchReply | null | Promise<DispatchReply | null> {
  const { log, stats } = deps;
  const decoded = decodeRpcCall(message);
  const peer = `${source.client.address}:${source.client.port}`;
  if (!decoded.ok) {
    const refusal = replyForBadCall(decoded);
    if (refusal === null) {
      stats.dropped++;
      log.debug('rpc message dropped', { client: peer, transport: source.client.transport, reason: decoded.code, detail: decoded.detail });
      return null;
    }
    stats.rejected++;
    log.debug('rpc call refused', { client: peer, xid: decoded.xid, reason: decoded.code, reply: refusal.kind });
    return sent(stats, [encodeRpcReply(refusal)]);
  }
  const call = decoded.call;
  stats.calls++;
  const route = routeCall(deps.registry, call);
  if (route.kind === 'reply') {
    if (route.reply.kind !== 'success') {
      stats.rejected++;
      log.debug('rpc call refused', { ...callFields(call, peer), reply: route.reply.kind });
    }
    return sent(stats, [encodeRpcReply(route.reply)]);
  }

  const results = new XdrWriter();
  writeRpcReply(results, { kind: 'success', xid: call.xid });
  const handled = { deps, call, peer, program: route.program.name, source, results };
  let outcome: ReturnType<RpcHandler>;
  try {
    const context = {
      call,
      args: new XdrReader(call.args),
      auth: call.cred,
      client: source.client,
      local: source.local,
      maxReplyBytes: source.maxReplyBytes,
      ...(source.holdFile === undefined ? {} : { holdFile: source.holdFile }),
      ...(keepArgs === undefined ? {} : { keepArgs }),
    };
    outcome = route.handler(context, results);
  } catch (error) {
    return answer(handled, failure(handled, error));
  }
  // Most handlers of a warm server answer at once (kept pages, lookups): no promise, no turn of the microtask queue.
  if (!(outcome instanceof Promise)) return answer(handled, outcome ?? SUCCESS);
  return outcome.then(
    (done) => answer(handled, done ?? SUCCESS),
    (error: unknown) => answer(handled, failure(handled, error)),
  );
}

const SUCCESS: RpcOutcome = { kind: 'success' };

interface Handled {
  readonly deps: DispatchDeps;
  readonly call: RpcCall;
  readonly peer: string;
  readonly program: string | undefined;
  readonly source: CallSource;
  readonly results: XdrWriter;
}

/** What a handler's exception becomes: GARBAGE_ARGS for arguments it could not decode, else SYSTEM_ERR (our bug). */
function failure({ deps, call, peer, program }: Handled, error: unknown): RpcOutcome {
  if (error instanceof XdrDecodeError) {
    deps.log.debug('rpc arguments undecodable', { ...callFields(call, peer), reason: error.code, detail: error.message });
    return { kind: 'garbage_args' };
  }
  deps.log.error('rpc handler failed', { ...callFields(call, peer), program, error });
  return { kind: 'system_err' };
}

function answer({ deps, call, peer, source, results }: Handled, outcome: RpcOutcome): DispatchReply | null {
  const { log, stats } = deps;
  // Only a success sends the results; otherwise what the handler borrowed for them is free at once.
  if (outcome.kind !== 'success' || results.length > source.maxReplyBytes) results.sent();
  switch (outcome.kind) {
    case 'success':
      if (results.length > source.maxReplyBytes) {
        // RPC has no "reply too big": SYSTEM_ERR tells the client at once, where a truncated reply would be
        // undecodable and a dropped one would only be retransmitted into the same wall.
        stats.oversizeReplies++;
        stats.systemErrors++;
        log.warn('rpc reply too large for its transport', { ...callFields(call, peer), bytes: results.length, limit: source.maxReplyBytes });
        return sent(stats, [encodeRpcReply({ kind: 'system_err', xid: call.xid })]);
      }
      return replyOf(stats, results);
    case 'drop':
      stats.dropped++;
      return null;
    case 'garbage_args':
      stats.garbageArgs++;
      return sent(stats, [encodeRpcReply({ kind: 'garbage_args', xid: call.xid })]);
    case 'system_err':
      stats.systemErrors++;
      return sent(stats, [encodeRpcReply({ kind: 'system_err', xid: call.xid })]);
    default:
      return sent(stats, [encodeRpcReply(outcomeReply(outcome, call.xid))]);
  }
}

function outcomeReply(outcome: RpcOutcome & { kind: 'proc_unavail' | 'auth_error' }, xid: number): RpcReply {
  return outcome.kind === 'auth_error' ? { kind: 'auth_error', xid, stat: outcome.stat } : { kind: 'proc_unavail', xid };
}

function sent(stats: RpcStats, chunks: Buffer[], release: () => void = NOTHING_TO_RELEASE): DispatchReply {
  stats.replies++;
  return { chunks, sent: release };
}

function replyOf(stats: RpcStats, results: XdrWriter): DispatchReply {
  const sliced = results.sliced();
  if (sliced === null) return sent(stats, results.chunks(), () => results.sent());
  stats.replies++;
  return { chunks: sliced.before, slice: { file: sliced.file, after: sliced.after }, sent: () => results.sent() };
}

function callFields(call: RpcCall, client: string): Record<string, unknown> {
  return { client, xid: call.xid, prog: call.prog, vers: call.vers, proc: call.proc };
}
