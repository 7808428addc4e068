// Arguments and results of the portmapper v2 (RFC 1833 §3.1) and rpcbind v3/v4 (RFC 1833 §2.1): pure XDR codecs.
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';

/** Longest netid, universal address or owner string accepted in rpcbind arguments; real ones are a few dozen bytes. */
export const MAX_RPCB_STRING = 1024;
/** Most entries read back from a DUMP reply (clients and tests). */
export const MAX_DUMP_ENTRIES = 65_536;

export const PmapProc = { null: 0, set: 1, unset: 2, getport: 3, dump: 4, callit: 5 } as const;
export const RpcbProc = {
  null: 0,
  set: 1,
  unset: 2,
  getaddr: 3,
  dump: 4,
  callit: 5,
  gettime: 6,
  uaddr2taddr: 7,
  taddr2uaddr: 8,
  getversaddr: 9,
  indirect: 10,
  getaddrlist: 11,
  getstat: 12,
} as const;

/** struct mapping: prot is read as any number, since a GETPORT for an unknown protocol is answered 0, not refused. */
export interface PmapMapping {
  readonly prog: number;
  readonly vers: number;
  readonly prot: number;
  readonly port: number;
}

export interface Rpcb {
  readonly prog: number;
  readonly vers: number;
  readonly netid: string;
  readonly addr: string;
  readonly owner: string;
}

export function readPmapMapping(r: XdrReader): PmapMapping {
  return { prog: r.uint(), vers: r.uint(), prot: r.uint(), port: r.uint() };
}

export function writePmapMapping(w: XdrWriter, m: PmapMapping): void {
  w.uint(m.prog).uint(m.vers).uint(m.prot).uint(m.port);
}

/** DUMP's pmaplist: optional-data entries. */
export function writePmapList(w: XdrWriter, list: readonly PmapMapping[]): void {
  w.list(list, writePmapMapping);
}

export function readPmapList(r: XdrReader): PmapMapping[] {
  return r.list(MAX_DUMP_ENTRIES, readPmapMapping, 'pmaplist');
}

export function readRpcb(r: XdrReader): Rpcb {
  return {
    prog: r.uint(),
    vers: r.uint(),
    netid: r.string(MAX_RPCB_STRING, 'r_netid'),
    addr: r.string(MAX_RPCB_STRING, 'r_addr'),
    owner: r.string(MAX_RPCB_STRING, 'r_owner'),
  };
}

export function writeRpcb(w: XdrWriter, b: Rpcb): void {
  w.uint(b.prog).uint(b.vers).string(b.netid).string(b.addr).string(b.owner);
}

export function writeRpcbList(w: XdrWriter, list: readonly Rpcb[]): void {
  w.list(list, writeRpcb);
}

export function readRpcbList(r: XdrReader): Rpcb[] {
  return r.list(MAX_DUMP_ENTRIES, readRpcb, 'rpcblist');
}
