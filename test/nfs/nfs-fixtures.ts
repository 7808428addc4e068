// The captured NFSv3 and MOUNT v3 messages in test/fixtures/nfs (written by capture-fixtures.ts), each split
// into its RPC header and the procedure's arguments or results, with the codec that reads them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRpcCall, decodeRpcReply } from '../../src/rpc/rpc-message.js';
import type { XdrReader } from '../../src/rpc/xdr-reader.js';
import type { XdrWriter } from '../../src/rpc/xdr-writer.js';
import * as mount from '../../src/nfs/mount3.js';
import { nfs3Codec } from '../../src/nfs/nfs3-procedures.js';
import type { NfsFixtureEntry } from './capture-fixtures.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'nfs');

export interface BodyCodec {
  readonly decode: (r: XdrReader) => unknown;
  readonly encode: (w: XdrWriter, value: never) => void;
}

export interface CapturedMessage {
  readonly entry: NfsFixtureEntry;
  readonly bytes: Buffer;
  /** Everything before the arguments or results: the RPC call or reply header. */
  readonly header: Buffer;
  /** The procedure's arguments (calls) or results (success replies), as a view of `bytes`. */
  readonly body: Buffer;
  readonly codec: BodyCodec;
}

const voidCodec: BodyCodec = { decode: () => null, encode: () => {} };

const mountCodecs = new Map<number, { args: BodyCodec; res: BodyCodec }>([
  [mount.Mount3Proc.null, { args: voidCodec, res: voidCodec }],
  [mount.Mount3Proc.mnt, { args: { decode: mount.decodeMntArgs, encode: mount.encodeMntArgs }, res: { decode: mount.decodeMntRes, encode: mount.encodeMntRes } }],
  [mount.Mount3Proc.dump, { args: voidCodec, res: { decode: mount.decodeDumpRes, encode: mount.encodeDumpRes } }],
  [mount.Mount3Proc.umnt, { args: { decode: mount.decodeUmntArgs, encode: mount.encodeUmntArgs }, res: voidCodec }],
  [mount.Mount3Proc.umntall, { args: voidCodec, res: voidCodec }],
  [mount.Mount3Proc.export, { args: voidCodec, res: { decode: mount.decodeExportRes, encode: mount.encodeExportRes } }],
]);

function codecFor(entry: NfsFixtureEntry): BodyCodec {
  if (entry.program === 'mount') {
    const c = mountCodecs.get(entry.proc);
    if (c === undefined) throw new Error(`no MOUNT codec for ${entry.procedure}`);
    return entry.direction === 'call' ? c.args : c.res;
  }
  const c = nfs3Codec(entry.proc);
  if (c === undefined) throw new Error(`no NFS codec for ${entry.procedure}`);
  return entry.direction === 'call' ? { decode: c.decodeArgs, encode: c.encodeArgs } : { decode: c.decodeRes, encode: c.encodeRes };
}

export function loadManifest(): NfsFixtureEntry[] {
  return JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as NfsFixtureEntry[];
}

export function loadMessage(entry: NfsFixtureEntry): CapturedMessage {
  const bytes = readFileSync(join(FIXTURES, entry.file));
  let body: Buffer;
  if (entry.direction === 'call') {
    const decoded = decodeRpcCall(bytes);
    if (!decoded.ok) throw new Error(`${entry.file}: ${decoded.code}`);
    body = decoded.call.args;
  } else {
    const decoded = decodeRpcReply(bytes);
    if (!decoded.ok || decoded.reply.kind !== 'success') throw new Error(`${entry.file}: not a success reply`);
    const results = decoded.reply.results ?? new Uint8Array(0);
    body = Buffer.from(results.buffer, results.byteOffset, results.byteLength);
  }
  return { entry, bytes, header: bytes.subarray(0, bytes.length - body.length), body, codec: codecFor(entry) };
}

export function loadMessages(): CapturedMessage[] {
  return loadManifest().map(loadMessage);
}
