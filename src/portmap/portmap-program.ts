// The portmapper, program 100000: version 2 (RFC 1833 §3) and a minimal rpcbind v3/v4 (RFC 1833 §2), as RPC programs.
//
// Decisions:
// - SET and UNSET answer FALSE to everyone: Bramble registers its own programs in-process (PortmapTable), and
//   no other RPC service on the box is meant to be reachable through it.
// - CALLIT (v2), and CALLIT/BCAST/INDIRECT (v3/v4), answer PROC_UNAVAIL: forwarding calls is an amplification
//   and address-spoofing vector; the refusal is smaller than the call, so it amplifies nothing.
// - v3/v4 are kept to what clients use: GETADDR (libtirpc's rpcinfo and clnt_create ask it first), DUMP (plain
//   `rpcinfo host`), GETTIME and v4 GETVERSADDR. The Linux kernel asks only v2 GETPORT over IPv4
//   (net/sunrpc/rpcb_clnt.c rpcb_next_version), so v2 alone would do for nfsroot; `versions: [2]` serves only
//   that, and libtirpc then falls back to v2 on the PROG_MISMATCH {2, 2} (the netns test proves it).
import type { RpcCallContext, RpcHandler, RpcProgram } from '../rpc/rpc-program.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';
import { PmapProc, readPmapMapping, readRpcb, RpcbProc, writePmapList, writeRpcbList } from './portmap-codec.js';
import { findPort, findUniversalAddress, netidOf, PORTMAP_PROGRAM } from './portmap-table.js';
import type { PortmapLookup } from './portmap-table.js';
import { formatUniversalAddress, parseUniversalAddress } from './universal-address.js';

export interface PortmapOptions {
  /** Versions served: [2] or [2, 3, 4] (default). */
  readonly versions?: readonly (2 | 3 | 4)[];
  /** Owner written in v3/v4 DUMP entries (default "superuser", as rpcbind writes for root's services). */
  readonly owner?: string;
  /** Seconds since the epoch for GETTIME (tests pin it). */
  readonly now?: () => number;
}

const PROC_UNAVAIL = { kind: 'proc_unavail' } as const;

export function createPortmapPrograms(table: PortmapLookup, options: PortmapOptions = {}): RpcProgram[] {
  const versions = new Set(options.versions ?? [2, 3, 4]);
  const owner = options.owner ?? 'superuser';
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const programs: RpcProgram[] = [];

  if (versions.has(2)) {
    const refuseChange: RpcHandler = ({ args }, w) => {
      readPmapMapping(args);
      w.bool(false);
    };
    programs.push({
      prog: PORTMAP_PROGRAM,
      vers: new Set([2]),
      name: 'portmap v2',
      procedures: new Map<number, RpcHandler>([
        [PmapProc.set, refuseChange],
        [PmapProc.unset, refuseChange],
        [
          PmapProc.getport,
          ({ args }, w) => {
            const m = readPmapMapping(args);
            w.uint(findPort(table.list(), m.prog, m.vers, m.prot));
          },
        ],
        [PmapProc.dump, (_ctx, w) => writePmapList(w, table.list())],
        [PmapProc.callit, () => PROC_UNAVAIL],
      ]),
    });
  }

  const rpcbVersions = [3, 4].filter((v) => versions.has(v as 3 | 4));
  if (rpcbVersions.length > 0) {
    const getaddr = (exactVersion: boolean): RpcHandler => (ctx, w) => {
      const b = readRpcb(ctx.args);
      w.string(findUniversalAddress(table.list(), b.prog, b.vers, b.netid, hostFor(ctx, b.addr), exactVersion));
    };
    const refuseChange: RpcHandler = ({ args }, w) => {
      readRpcb(args);
      w.bool(false);
    };
    const dump = (ctx: RpcCallContext, w: XdrWriter): void => {
      const host = hostFor(ctx, '');
      writeRpcbList(
        w,
        table.list().map((m) => ({ prog: m.prog, vers: m.vers, netid: netidOf(m.prot), addr: formatUniversalAddress(host, m.port), owner })),
      );
    };
    programs.push({
      prog: PORTMAP_PROGRAM,
      vers: new Set(rpcbVersions),
      name: 'rpcbind v3/v4',
      procedures: new Map<number, RpcHandler>([
        [RpcbProc.set, refuseChange],
        [RpcbProc.unset, refuseChange],
        [RpcbProc.getaddr, getaddr(false)],
        [RpcbProc.dump, dump],
        [RpcbProc.callit, () => PROC_UNAVAIL],
        [
          RpcbProc.gettime,
          (_ctx, w) => {
            w.uint(now() >>> 0);
          },
        ],
        [RpcbProc.getversaddr, (ctx, w) => (ctx.call.vers === 4 ? getaddr(true)(ctx, w) : PROC_UNAVAIL)],
      ]),
    });
  }
  if (programs.length === 0) throw new RangeError('the portmapper needs at least one of versions 2, 3, 4');
  return programs;
}

/**
 * The host part of the universal addresses we answer: the address the call came in on; when that is a wildcard
 * (a UDP socket bound to 0.0.0.0 cannot tell), the server address the client says it used (GETADDR's r_addr).
 */
function hostFor(ctx: RpcCallContext, clientHint: string): string {
  if (ctx.local.address !== '0.0.0.0' && ctx.local.address !== '') return ctx.local.address;
  return parseUniversalAddress(clientHint)?.address ?? ctx.local.address;
}
