// Every NFSv3 procedure's argument and result codecs in one table (RFC 1813 §3.3), keyed like Nfs3Proc, for
// dispatch, test clients and fuzzing.
import type { XdrReader } from '../rpc/xdr-reader.js';
import type { XdrWriter } from '../rpc/xdr-writer.js';
import * as attr from './nfs3-attr-procs.js';
import * as io from './nfs3-io-procs.js';
import * as names from './nfs3-name-procs.js';
import { Nfs3Proc } from './nfs3-program.js';
import type { Nfs3ProcName } from './nfs3-program.js';
import * as dir from './nfs3-readdir.js';

/** W: what the server may encode, where it is more than what decoding gives (READ's data as a file slice). */
export interface Nfs3Codec<A, R, W = R> {
  readonly proc: number;
  decodeArgs(r: XdrReader): A;
  encodeArgs(w: XdrWriter, args: A): void;
  decodeRes(r: XdrReader): R;
  /** READDIR and READDIRPLUS take the client's limits too; through this table they write every entry. */
  encodeRes(w: XdrWriter, res: W): void;
}

const codec = <A, R extends W, W>(
  name: Nfs3ProcName,
  decodeArgs: (r: XdrReader) => A,
  encodeArgs: (w: XdrWriter, a: A) => void,
  decodeRes: (r: XdrReader) => R,
  encodeRes: (w: XdrWriter, res: W) => unknown,
): Nfs3Codec<A, R, W> => ({ proc: Nfs3Proc[name], decodeArgs, encodeArgs, decodeRes, encodeRes: (w, res) => void encodeRes(w, res) });

/** NULL takes and returns nothing. */
const readVoid = (): null => null;
const writeVoid = (): void => {};

export const NFS3_CODECS = {
  null: codec('null', readVoid, writeVoid, readVoid, writeVoid),
  getattr: codec('getattr', attr.decodeGetattrArgs, attr.encodeGetattrArgs, attr.decodeGetattrRes, attr.encodeGetattrRes),
  setattr: codec('setattr', attr.decodeSetattrArgs, attr.encodeSetattrArgs, attr.decodeSetattrRes, attr.encodeSetattrRes),
  lookup: codec('lookup', names.decodeLookupArgs, names.encodeLookupArgs, names.decodeLookupRes, names.encodeLookupRes),
  access: codec('access', attr.decodeAccessArgs, attr.encodeAccessArgs, attr.decodeAccessRes, attr.encodeAccessRes),
  readlink: codec('readlink', names.decodeReadlinkArgs, names.encodeReadlinkArgs, names.decodeReadlinkRes, names.encodeReadlinkRes),
  read: codec('read', io.decodeReadArgs, io.encodeReadArgs, io.decodeReadRes, io.encodeReadRes),
  write: codec('write', io.decodeWriteArgs, io.encodeWriteArgs, io.decodeWriteRes, io.encodeWriteRes),
  create: codec('create', names.decodeCreateArgs, names.encodeCreateArgs, names.decodeCreateRes, names.encodeCreateRes),
  mkdir: codec('mkdir', names.decodeMkdirArgs, names.encodeMkdirArgs, names.decodeMkdirRes, names.encodeMkdirRes),
  symlink: codec('symlink', names.decodeSymlinkArgs, names.encodeSymlinkArgs, names.decodeSymlinkRes, names.encodeSymlinkRes),
  mknod: codec('mknod', names.decodeMknodArgs, names.encodeMknodArgs, names.decodeMknodRes, names.encodeMknodRes),
  remove: codec('remove', names.decodeRemoveArgs, names.encodeRemoveArgs, names.decodeRemoveRes, names.encodeRemoveRes),
  rmdir: codec('rmdir', names.decodeRmdirArgs, names.encodeRmdirArgs, names.decodeRmdirRes, names.encodeRmdirRes),
  rename: codec('rename', names.decodeRenameArgs, names.encodeRenameArgs, names.decodeRenameRes, names.encodeRenameRes),
  link: codec('link', names.decodeLinkArgs, names.encodeLinkArgs, names.decodeLinkRes, names.encodeLinkRes),
  readdir: codec('readdir', dir.decodeReaddirArgs, dir.encodeReaddirArgs, dir.decodeReaddirRes, dir.encodeReaddirRes),
  readdirplus: codec(
    'readdirplus',
    dir.decodeReaddirplusArgs,
    dir.encodeReaddirplusArgs,
    dir.decodeReaddirplusRes,
    dir.encodeReaddirplusRes,
  ),
  fsstat: codec('fsstat', attr.decodeFsstatArgs, attr.encodeFsstatArgs, attr.decodeFsstatRes, attr.encodeFsstatRes),
  fsinfo: codec('fsinfo', attr.decodeFsinfoArgs, attr.encodeFsinfoArgs, attr.decodeFsinfoRes, attr.encodeFsinfoRes),
  pathconf: codec('pathconf', attr.decodePathconfArgs, attr.encodePathconfArgs, attr.decodePathconfRes, attr.encodePathconfRes),
  commit: codec('commit', io.decodeCommitArgs, io.encodeCommitArgs, io.decodeCommitRes, io.encodeCommitRes),
} as const satisfies Record<Nfs3ProcName, { readonly proc: number }>;

export type Nfs3Codecs = typeof NFS3_CODECS;
export type Nfs3Args<P extends Nfs3ProcName> = ReturnType<Nfs3Codecs[P]['decodeArgs']>;
export type Nfs3Res<P extends Nfs3ProcName> = ReturnType<Nfs3Codecs[P]['decodeRes']>;
/** What a server handler answers: Nfs3Res, or more where the encoder takes more. */
export type Nfs3Reply<P extends Nfs3ProcName> = Parameters<Nfs3Codecs[P]['encodeRes']>[1];

const byNumber = new Map<number, Nfs3Codec<unknown, unknown>>(
  Object.values(NFS3_CODECS).map((c) => [c.proc, c as Nfs3Codec<unknown, unknown>]),
);

/** The codec of procedure number `proc`, or undefined (PROC_UNAVAIL). */
export function nfs3Codec(proc: number): Nfs3Codec<unknown, unknown> | undefined {
  return byNumber.get(proc);
}
