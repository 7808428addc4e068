// Layer metadata records as JSON lines (jsonlines.org) and back, every field checked; pure.
//
// A line holds one record, or an array of records that one change made together (a rename is an unlink, a
// whiteout and a link): a crash tears at most the last line, so a change is on disk whole or not at all.
// 64-bit ids and nanosecond times are written as decimal strings: JSON numbers would lose their low bits.
import type { FileType } from './view.js';
import type { Dentry, InodeMeta, LayerRecord } from './layer-state.js';

export type DecodedRecord = { readonly ok: true; readonly record: LayerRecord } | { readonly ok: false; readonly reason: string };
export type DecodedLine = { readonly ok: true; readonly records: readonly LayerRecord[] } | { readonly ok: false; readonly reason: string };

/** At most this many records in one line: one change makes a handful. */
export const MAX_GROUP = 64;

const FILE_TYPES: ReadonlySet<string> = new Set<FileType>(['reg', 'dir', 'blk', 'chr', 'lnk', 'sock', 'fifo']);
const U64_MAX = 0xffffffffffffffffn;

const json = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

export function encodeLayerRecord(record: LayerRecord): string {
  return `${json(record)}\n`;
}

/** One change's records as one line (a single record is written bare). */
export function encodeLayerGroup(records: readonly LayerRecord[]): string {
  return records.length === 1 ? encodeLayerRecord(records[0]!) : `${json(records)}\n`;
}

class Bad extends Error {}

function u64(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) throw new Bad(`${what}: not a 64-bit number`);
  const n = BigInt(value);
  if (n > U64_MAX) throw new Bad(`${what}: above 2^64`);
  return n;
}

function u32(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Bad(`${what}: not a 32-bit number`);
  return value;
}

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..' || value.includes('/') || value.includes('\0') || Buffer.byteLength(value) > 255) {
    throw new Bad(`${what}: not a file name`);
  }
  return value;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Bad(`${what}: not an object`);
  return value as Record<string, unknown>;
}

function dentry(value: unknown): Dentry {
  const v = object(value, 'at');
  return { parent: u64(v.parent, 'at.parent'), name: name(v.name, 'at.name') };
}

function meta(value: unknown): InodeMeta {
  const v = object(value, 'meta');
  if (typeof v.type !== 'string' || !FILE_TYPES.has(v.type)) throw new Bad('meta.type: unknown file type');
  const mode = u32(v.mode, 'meta.mode');
  if (mode > 0o7777) throw new Bad('meta.mode: more than permission bits');
  const out: { -readonly [K in keyof InodeMeta]: InodeMeta[K] } = { type: v.type as FileType, mode, uid: u32(v.uid, 'meta.uid'), gid: u32(v.gid, 'meta.gid') };
  if (v.rdev !== undefined) {
    const r = object(v.rdev, 'meta.rdev');
    out.rdev = { major: u32(r.major, 'meta.rdev.major'), minor: u32(r.minor, 'meta.rdev.minor') };
  }
  if (v.atimeNs !== undefined) out.atimeNs = u64(v.atimeNs, 'meta.atimeNs');
  if (v.mtimeNs !== undefined) out.mtimeNs = u64(v.mtimeNs, 'meta.mtimeNs');
  if (v.ctimeNs !== undefined) out.ctimeNs = u64(v.ctimeNs, 'meta.ctimeNs');
  if (v.data !== undefined) {
    if (v.data !== true) throw new Bad('meta.data: only true');
    out.data = true;
  }
  if (v.exclusive !== undefined) {
    if (typeof v.exclusive !== 'string' || !/^[0-9a-f]{16}$/.test(v.exclusive)) throw new Bad('meta.exclusive: not an 8-byte verifier in hex');
    out.exclusive = v.exclusive;
  }
  if (v.target !== undefined) {
    if (typeof v.target !== 'string' || v.target.length > 4096 || v.target.includes('\0')) throw new Bad('meta.target: not a link target');
    out.target = v.target;
  }
  return out;
}

function recordOf(value: unknown): LayerRecord {
  const v = object(value, 'record');
  switch (v.op) {
    case 'meta':
      return { op: 'meta', id: u64(v.id, 'id'), meta: meta(v.meta) };
    case 'link':
    case 'unlink':
      return { op: v.op, id: u64(v.id, 'id'), at: dentry(v.at) };
    case 'whiteout':
      return { op: 'whiteout', at: dentry(v.at) };
    case 'forget':
    case 'next':
      return { op: v.op, id: u64(v.id, 'id') };
    default:
      throw new Bad(`op: unknown ${JSON.stringify(v.op)}`);
  }
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new Bad('not JSON');
  }
}

/** A torn last line (a crash mid-append) or a hand edit decodes to a reason, never an exception. */
export function decodeLayerRecord(line: string): DecodedRecord {
  try {
    return { ok: true, record: recordOf(parse(line)) };
  } catch (error) {
    if (error instanceof Bad) return { ok: false, reason: error.message };
    throw error;
  }
}

/** A line of either shape: a record, or a group of records made by one change. */
export function decodeLayerLine(line: string): DecodedLine {
  try {
    const value = parse(line);
    if (!Array.isArray(value)) return { ok: true, records: [recordOf(value)] };
    if (value.length === 0 || value.length > MAX_GROUP) throw new Bad(`group: 1 to ${MAX_GROUP} records`);
    return { ok: true, records: value.map(recordOf) };
  } catch (error) {
    if (error instanceof Bad) return { ok: false, reason: error.message };
    throw error;
  }
}
