// The NFS version 3 program (RFC 1813, program 100003 version 3): each call's arguments decoded, its handler run
// against the export its handles name, its results encoded (sized to the transport for READ and READDIR).
//
// AUTH_SYS is required (rpc-route answers anything weaker with AUTH_TOOWEAK; NULL stays open). A handler's
// unexpected exception is logged and answered NFS3ERR_SERVERFAULT, so one bad file never takes down the server
// or leaves a client retransmitting; malformed arguments are GARBAGE_ARGS, as rpc-dispatch does for every program.
import type { Logger } from '../log/logger.js';
import type { RpcHandler, RpcProgram } from '../rpc/rpc-program.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';
import type { HandleSigner } from './file-handle.js';
import { NFS3_CODECS, type Nfs3Args, type Nfs3Codec, type Nfs3Reply, type Nfs3Res } from './nfs3-procedures.js';
import { NFS_PROGRAM, NFS_V3, nfs3ProcName, type Nfs3ProcName } from './nfs3-program.js';
import { Nfs3Status } from './nfs3-status.js';
import { EMPTY_WCC } from './nfs3-types.js';
import * as attr from './procedures/attr-handlers.js';
import * as create from './procedures/create-handlers.js';
import * as dir from './procedures/dir-handlers.js';
import * as entry from './procedures/entry-handlers.js';
import * as io from './procedures/io-handlers.js';
import * as lookup from './procedures/lookup-handlers.js';
import { nfsCall, type NfsCall } from './procedures/nfs-call.js';
import type { ServedExport } from './served-export.js';

export type { ServedExport } from './served-export.js';
export { rootHandle } from './served-export.js';

export interface NfsProgramOptions {
  readonly signer: HandleSigner;
  readonly exportById: (id: number) => ServedExport | undefined;
  /** 8 bytes, new per server start. */
  readonly writeVerifier: Uint8Array;
  readonly log: Logger;
}

type ProcName = Exclude<Nfs3ProcName, 'null'>;
/** A handler answers at once when it can (kept pages, lookups from a listing), else with a promise. */
type Handler<P extends ProcName> = (call: NfsCall, args: Nfs3Args<P>) => Nfs3Reply<P> | Promise<Nfs3Reply<P>>;
/** READDIR and READDIRPLUS are cut to the client's counts and the room left in the reply as they are encoded. */
type Encoder<P extends ProcName> = (w: XdrWriter, res: Nfs3Reply<P>, args: Nfs3Args<P>, room: number) => void;

/** Each procedure's failure arm with nothing known: what SERVERFAULT carries. */
const NOTHING_KNOWN: { readonly [P in ProcName]: Omit<Nfs3Res<P>, 'status'> } = {
  getattr: {},
  setattr: { objWcc: EMPTY_WCC },
  lookup: { dirAttributes: null },
  access: { objAttributes: null },
  readlink: { symlinkAttributes: null },
  read: { fileAttributes: null },
  write: { fileWcc: EMPTY_WCC },
  create: { dirWcc: EMPTY_WCC },
  mkdir: { dirWcc: EMPTY_WCC },
  symlink: { dirWcc: EMPTY_WCC },
  mknod: { dirWcc: EMPTY_WCC },
  remove: { dirWcc: EMPTY_WCC },
  rmdir: { dirWcc: EMPTY_WCC },
  rename: { fromdirWcc: EMPTY_WCC, todirWcc: EMPTY_WCC },
  link: { fileAttributes: null, linkdirWcc: EMPTY_WCC },
  readdir: { dirAttributes: null },
  readdirplus: { dirAttributes: null },
  fsstat: { objAttributes: null },
  fsinfo: { objAttributes: null },
  pathconf: { objAttributes: null },
  commit: { fileWcc: EMPTY_WCC },
};

export function nfsProgram(options: NfsProgramOptions): RpcProgram {
  const { signer, exportById, writeVerifier, log } = options;
  if (writeVerifier.length !== 8) throw new RangeError(`write verifier must be 8 bytes, not ${writeVerifier.length}`);

  const route = <P extends ProcName>(name: P, handle: Handler<P>, encode?: Encoder<P>): [number, RpcHandler] => {
    const codec = NFS3_CODECS[name] as unknown as Nfs3Codec<Nfs3Args<P>, Nfs3Res<P>, Nfs3Reply<P>>;
    const handler: RpcHandler = (context, results) => {
      const args = codec.decodeArgs(context.args);
      const room = context.maxReplyBytes - results.length;
      const call = nfsCall({
        signer,
        exportById,
        writeVerifier,
        clientAddress: context.client.address,
        auth: context.auth,
        room,
        whenSent: (fn) => void results.whenSent(fn),
        ...(context.holdFile === undefined ? {} : { holdFile: context.holdFile }),
        ...(context.keepArgs === undefined ? {} : { keepArgs: context.keepArgs }),
      });
      const failed = (error: unknown): Nfs3Reply<P> => {
        log.error('nfs procedure failed', { proc: nfs3ProcName(codec.proc), client: context.client.address, xid: context.call.xid, error });
        return { status: Nfs3Status.serverfault, ...NOTHING_KNOWN[name] } as Nfs3Res<P>;
      };
      const encoded = (res: Nfs3Reply<P>): void => {
        if (encode === undefined) codec.encodeRes(results, res);
        else encode(results, res, args, room);
      };
      let res: Nfs3Reply<P> | Promise<Nfs3Reply<P>>;
      try {
        res = handle(call, args);
      } catch (error) {
        res = failed(error);
      }
      if (!(res instanceof Promise)) return encoded(res);
      return res.then(encoded, (error: unknown) => encoded(failed(error)));
    };
    return [codec.proc, handler];
  };

  return {
    prog: NFS_PROGRAM,
    vers: { low: NFS_V3, high: NFS_V3 },
    name: 'nfs',
    auth: 'sys',
    procedures: new Map<number, RpcHandler>([
      route('getattr', attr.getattr),
      route('setattr', attr.setattr),
      route('lookup', lookup.lookup),
      route('access', attr.access),
      route('readlink', lookup.readlink),
      route('read', io.read),
      route('write', io.write),
      route('create', create.create),
      route('mkdir', create.mkdir),
      route('symlink', create.symlink),
      route('mknod', create.mknod),
      route('remove', entry.remove),
      route('rmdir', entry.rmdir),
      route('rename', entry.rename),
      route('link', entry.link),
      route('readdir', dir.readdir, dir.encodeReaddirReply),
      route('readdirplus', dir.readdirplus, dir.encodeReaddirplusReply),
      route('fsstat', attr.fsstat),
      route('fsinfo', attr.fsinfo),
      route('pathconf', attr.pathconf),
      route('commit', io.commit),
    ]),
  };
}
