// What every NFSv3 procedure handler gets for one call (RFC 1813 §2.3.3 handles, §4.4 server access checks): the
// handles it names turned into files of an export, checked against the export's rule, with the caller's identity.
import type { Credential } from '../../rpc/auth.js';
import { effectiveIdentity, mayUse } from '../export-access.js';
import { toFattr3 } from '../fattr.js';
import type { HandleSigner } from '../file-handle.js';
import { Nfs3Status, type Nfs3ErrorStat } from '../nfs3-status.js';
import type { Fattr3, PostOpAttr } from '../nfs3-types.js';
import type { Identity } from '../permissions.js';
import { exportHandle, type ServedExport } from '../served-export.js';
import type { FileAttributes, View, ViewResult } from '../view/view.js';
import { viewStatus } from './view-status.js';

/** A file a handle named, in an export the caller may use. */
export interface Target {
  readonly exp: ServedExport;
  readonly view: View;
  readonly id: bigint;
  readonly who: Identity;
  /** Changes answer ROFS: the rule says so or the view cannot change. */
  readonly readOnly: boolean;
  getattr(id?: bigint): Promise<ViewResult<FileAttributes>>;
  fattr(a: FileAttributes): Fattr3;
  /** post_op_attr of a file of this export: its attributes, or null when they cannot be had. */
  postOp(id?: bigint): Promise<PostOpAttr>;
  handle(id: bigint): Buffer;
}

export type Resolution = { readonly ok: true; readonly target: Target } | { readonly ok: false; readonly status: Nfs3ErrorStat };

export interface NfsCall {
  /** BADHANDLE for a handle not signed by us, STALE for an export gone or reset, ACCES for a client the export is not for. */
  resolve(fh: Uint8Array): Resolution;
  /** Bytes the procedure's results may take (the transport's reply limit less the RPC header); Infinity on TCP. */
  readonly room: number;
  /** This server start's write verifier (RFC 1813 §3.3.7): a new one tells clients to resend uncommitted writes. */
  readonly writeVerifier: Uint8Array;
  /** The server's clock, for times set to "server time". */
  nowNs(): bigint;
  /** Runs `fn` once the reply is written (or dropped): a buffer lent to the reply goes back then. */
  whenSent(fn: () => void): void;
  /** Where the reply may carry file slices sent from the kernel: see RpcCallContext.holdFile. */
  readonly holdFile?: (fd: number) => number;
  /** Where the call's bytes (a WRITE's data) can be kept past the reply: see RpcCallContext.keepArgs. */
  readonly keepArgs?: () => () => void;
}

export interface NfsCallSource {
  readonly signer: HandleSigner;
  readonly exportById: (id: number) => ServedExport | undefined;
  readonly writeVerifier: Uint8Array;
  readonly clientAddress: string;
  readonly auth: Credential;
  readonly room: number;
  readonly whenSent: (fn: () => void) => void;
  readonly holdFile?: (fd: number) => number;
  readonly keepArgs?: () => () => void;
}

export function nfsCall(source: NfsCallSource): NfsCall {
  return {
    room: source.room,
    whenSent: source.whenSent,
    ...(source.holdFile === undefined ? {} : { holdFile: source.holdFile }),
    ...(source.keepArgs === undefined ? {} : { keepArgs: source.keepArgs }),
    writeVerifier: source.writeVerifier,
    nowNs: () => BigInt(Date.now()) * 1_000_000n,
    resolve(fh) {
      const decoded = source.signer.decode(fh);
      if (!decoded.ok) return { ok: false, status: Nfs3Status.badhandle };
      const { exportId, generation, fileId } = decoded.handle;
      const exp = source.exportById(exportId);
      if (exp === undefined || exp.generation() !== generation) return { ok: false, status: Nfs3Status.stale };
      // A handle is signed, not secret: a machine that learnt another's handle is still refused here.
      if (!mayUse(exp.rule, source.clientAddress)) return { ok: false, status: Nfs3Status.acces };
      return { ok: true, target: target(source.signer, exp, fileId, effectiveIdentity(exp.rule, source.auth)) };
    },
  };
}

function target(signer: HandleSigner, exp: ServedExport, id: bigint, who: Identity): Target {
  const view = exp.view;
  const fattr = (a: FileAttributes): Fattr3 => toFattr3(a, exp.fsid);
  return {
    exp,
    view,
    id,
    who,
    readOnly: exp.rule.readOnly || view.readOnly,
    getattr: (other = id) => view.getattr(other),
    fattr,
    async postOp(other = id) {
      const got = await view.getattr(other);
      return got.ok ? fattr(got.value) : null;
    },
    handle: (other) => exportHandle(signer, exp, other),
  };
}

export type Opened =
  | { readonly ok: true; readonly target: Target; readonly attrs: FileAttributes }
  | { readonly ok: false; readonly status: Nfs3ErrorStat };

/** A handle resolved and its file's attributes read: what almost every procedure starts with. */
export async function open(call: NfsCall, fh: Uint8Array): Promise<Opened> {
  const resolved = call.resolve(fh);
  if (!resolved.ok) return resolved;
  const attrs = await resolved.target.getattr();
  if (!attrs.ok) return { ok: false, status: viewStatus(attrs.error) };
  return { ok: true, target: resolved.target, attrs: attrs.value };
}
