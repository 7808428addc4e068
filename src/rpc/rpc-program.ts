// What an ONC RPC program registers with the server (RFC 5531 §7, §9): its number, versions and procedures.
import type { Credential } from './auth.js';
import type { RpcCall } from './rpc-message.js';
import type { XdrReader } from './xdr-reader.js';
import type { XdrWriter } from './xdr-writer.js';

export type RpcTransport = 'tcp' | 'udp';

export interface RpcClient {
  readonly address: string;
  readonly port: number;
  readonly transport: RpcTransport;
}

export interface RpcCallContext {
  readonly call: RpcCall;
  /** The call's arguments; an XdrDecodeError thrown while reading them is answered with GARBAGE_ARGS. */
  readonly args: XdrReader;
  readonly auth: Credential;
  readonly client: RpcClient;
  /** The address the call arrived on (the bound address; for TCP the connection's own). */
  readonly local: { readonly address: string; readonly port: number };
  /**
   * Bytes the whole reply may take: the datagram limit over UDP, Infinity over TCP. A reply that would not fit
   * is answered with SYSTEM_ERR, so a program with large results (NFS READ, READDIR) sizes them to this.
   */
  readonly maxReplyBytes: number;
  /**
   * Present where the transport sends file slices from the kernel (TCP with the native addon): a descriptor of
   * the same open file as `fd`, for XdrWriter.appendFileOpaque, that the handler closes once the reply is sent.
   */
  readonly holdFile?: (fd: number) => number;
  /**
   * Present where the call's bytes would be used again once the reply is made (a pooled TCP record): keeps them,
   * and every view into them such as an opaque read from `args`, until the returned function runs. Kept bytes
   * still count against the connection's limits, so a client cannot make us keep more than it may send.
   */
  readonly keepArgs?: () => () => void;
}

/**
 * What a handler returns instead of results. Nothing (or success) sends what it wrote; `drop` sends no reply
 * at all (the client retransmits or gives up), for calls a program chooses not to answer.
 */
export type RpcOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'garbage_args' }
  | { readonly kind: 'system_err' }
  | { readonly kind: 'proc_unavail' }
  | { readonly kind: 'auth_error'; readonly stat: number }
  | { readonly kind: 'drop' };

/** Writes the procedure's results into `results` (after the reply header already in it), sync or async. */
export type RpcHandler = (
  context: RpcCallContext,
  results: XdrWriter,
) => RpcOutcome | void | Promise<RpcOutcome | void>;

export type RpcVersions = { readonly low: number; readonly high: number } | ReadonlySet<number>;

export interface RpcProgram {
  readonly prog: number;
  readonly vers: RpcVersions;
  /** Procedure 0 (NULL) needs no entry: the server answers it for every program and version. */
  readonly procedures: ReadonlyMap<number, RpcHandler>;
  /**
   * 'sys': calls other than NULL must carry AUTH_SYS, else AUTH_ERROR AUTH_TOOWEAK. NULL stays open to AUTH_NONE
   * because clients ping with it before choosing a flavor (rpcinfo, mount).
   */
  readonly auth?: 'any' | 'sys';
  /** Names the program in logs. */
  readonly name?: string;
}

export function hasVersion(vers: RpcVersions, v: number): boolean {
  return 'low' in vers ? v >= vers.low && v <= vers.high : vers.has(v);
}

export function versionRange(vers: RpcVersions): { readonly low: number; readonly high: number } {
  if ('low' in vers) return { low: vers.low, high: vers.high };
  const all = [...vers];
  return { low: Math.min(...all), high: Math.max(...all) };
}
