// A small NFSv3 and MOUNT v3 client over one TCP connection (RFC 1813 §3, appendix I), built on the RPC test
// client and the codecs' client direction: for fixture captures and, later, the server's tests.
import { authSysCredential } from '../../src/rpc/auth.js';
import type { OpaqueAuth } from '../../src/rpc/auth.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';
import { NFS3_CODECS } from '../../src/nfs/nfs3-procedures.js';
import type { Nfs3Args, Nfs3Res } from '../../src/nfs/nfs3-procedures.js';
import { NFS_PROGRAM, NFS_V3 } from '../../src/nfs/nfs3-program.js';
import type { Nfs3ProcName } from '../../src/nfs/nfs3-program.js';
import { MOUNT_PROGRAM, MOUNT_V3 } from '../../src/nfs/mount3.js';
import type { XdrReader } from '../../src/rpc/xdr-reader.js';
import { connectTcp, successResults } from '../rpc/rpc-test-client.js';
import type { TcpRpcClient } from '../rpc/rpc-test-client.js';

/** AUTH_SYS as root, the way libnfs sends it. */
export const ROOT_CRED: OpaqueAuth = authSysCredential({ stamp: 0, machinename: 'bramble-test', uid: 0, gid: 0, gids: [0] });

export interface Nfs3TestClient {
  readonly rpc: TcpRpcClient;
  nfs<P extends Nfs3ProcName>(proc: P, args: Nfs3Args<P>): Promise<Nfs3Res<P>>;
  /** A MOUNT v3 call with hand-written arguments; results are read by `readRes`. */
  mount<T>(proc: number, writeArgs: (w: XdrWriter) => void, readRes: (r: XdrReader) => T): Promise<T>;
  close(): void;
}

export async function connectNfs3(port: number, cred: OpaqueAuth = ROOT_CRED, firstXid = 0x4e460001): Promise<Nfs3TestClient> {
  const rpc = await connectTcp(port);
  let xid = firstXid;
  const call = async <T>(prog: number, vers: number, proc: number, writeArgs: (w: XdrWriter) => void, readRes: (r: XdrReader) => T): Promise<T> => {
    const w = new XdrWriter();
    writeArgs(w);
    const reply = await rpc.call({ xid: xid++, prog, vers, proc, cred, args: w.toBuffer() });
    return readRes(successResults(reply));
  };
  return {
    rpc,
    nfs: (proc, args) => {
      const codec = NFS3_CODECS[proc];
      return call(
        NFS_PROGRAM,
        NFS_V3,
        codec.proc,
        (w) => (codec.encodeArgs as (w: XdrWriter, a: typeof args) => void)(w, args),
        (r) => codec.decodeRes(r) as Nfs3Res<typeof proc>,
      );
    },
    mount: (proc, writeArgs, readRes) => call(MOUNT_PROGRAM, MOUNT_V3, proc, writeArgs, readRes),
    close: () => rpc.close(),
  };
}
