// TCP record marking for ONC RPC (RFC 5531 §11): a streaming, size-limited record decoder and a framing encoder.
//
// Each fragment is a 4-byte header (top bit: last fragment of the record; low 31 bits: its length) and its
// bytes. Limits are enforced on headers, before any of the announced bytes are kept: a peer announcing 2 GiB
// costs us 4 bytes, then the decoder fails for good and says the connection must close, since the stream can
// no longer be resynchronised. Records are copied out of the chunks as they arrive, so nothing refers to a
// chunk once its push returns and a transport may read into one buffer again and again.

import type { BufferPool } from '../net/buffer-pool.js';

const LAST_FRAGMENT = 0x8000_0000;
/** The largest length a fragment header can carry (31 bits). */
export const MAX_FRAGMENT_LENGTH = 0x7fff_ffff;

/** An NFS WRITE of 1 MiB (our wtmax) plus the RPC header, credentials and NFS arguments around it. */
export const DEFAULT_MAX_RECORD = 1024 * 1024 + 64 * 1024;

export interface RecordLimits {
  /** Largest fragment accepted, in bytes (default DEFAULT_MAX_RECORD). */
  readonly maxFragment?: number;
  /** Largest record accepted, all its fragments together (default DEFAULT_MAX_RECORD). */
  readonly maxRecord?: number;
  /**
   * Where records of POOLED_FROM bytes or more that arrive in pieces are joined; the caller gives each such record
   * back (pool.give) once nothing refers to it. Without a pool every joined record is a new buffer.
   */
  readonly pool?: BufferPool;
}

/** Records from this size are joined into pooled buffers: in practice NFS WRITEs, a megabyte each. */
export const POOLED_FROM = 64 * 1024;

export type RecordErrorCode = 'FRAGMENT_TOO_LONG' | 'RECORD_TOO_LONG';

export interface RecordError {
  readonly code: RecordErrorCode;
  readonly detail: string;
}

export interface RecordPush {
  /** Records completed by this chunk, in order. */
  readonly records: Buffer[];
  /** Set once the stream broke a limit; the connection must then be closed (later pushes return it again). */
  readonly error: RecordError | null;
}

/** Bytes start..end of `buf` in memory of their own (Buffer.from a view takes a slower path). */
function copyOf(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  buf.copy(out, 0, start, end);
  return out;
}

export class RecordDecoder {
  readonly #maxFragment: number;
  readonly #maxRecord: number;
  /** Header bytes seen so far when a header straddles chunks. */
  readonly #header = Buffer.alloc(4);
  #headerHave = 0;
  /** Bytes of the current fragment still to come; -1 while reading a header. */
  #fragmentLeft = -1;
  #fragmentIsLast = false;
  /** Pieces of a record of several fragments, copied from the pushed chunks. */
  #pieces: Buffer[] = [];
  /**
   * A one-fragment record (what RPC clients send) is copied into one buffer as its chunks arrive: a small one
   * into a buffer of its size from the start; a large one into a pooled buffer once POOLED_FROM of its bytes
   * came (before that, into pieces), so that announcing a megabyte costs nothing until the bytes come.
   */
  #joined: Buffer | null = null;
  /** The length of the current record when it is one fragment, else -1. */
  #oneFragment = -1;
  #recordBytes = 0;
  #error: RecordError | null = null;
  readonly #pool: BufferPool | undefined;

  constructor(limits: RecordLimits = {}) {
    this.#maxFragment = Math.min(limits.maxFragment ?? DEFAULT_MAX_RECORD, MAX_FRAGMENT_LENGTH);
    this.#maxRecord = limits.maxRecord ?? DEFAULT_MAX_RECORD;
    this.#pool = limits.pool;
  }

  /** Bytes held for incomplete records and headers: never above maxRecord + 3. */
  get bufferedBytes(): number {
    return this.#recordBytes + this.#headerHave;
  }

  get error(): RecordError | null {
    return this.#error;
  }

  push(chunk: Uint8Array): RecordPush {
    const records: Buffer[] = [];
    if (this.#error !== null) return { records, error: this.#error };
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    while (at < buf.length || this.#fragmentLeft === 0) {
      if (this.#fragmentLeft < 0) {
        const take = Math.min(4 - this.#headerHave, buf.length - at);
        buf.copy(this.#header, this.#headerHave, at, at + take);
        this.#headerHave += take;
        at += take;
        if (this.#headerHave < 4) break;
        this.#headerHave = 0;
        const error = this.#startFragment(this.#header.readUInt32BE(0));
        if (error !== null) {
          this.#fail(error);
          return { records, error };
        }
        continue;
      }
      const take = Math.min(this.#fragmentLeft, buf.length - at);
      if (take > 0) {
        // Joined as soon as POOLED_FROM of the record are in hand, this chunk included, so that a large first
        // chunk is copied once, not into a piece and then again.
        if (this.#joined === null && this.#oneFragment >= 0 && this.#recordBytes + take >= POOLED_FROM) this.#join();
        if (this.#joined !== null) buf.copy(this.#joined, this.#recordBytes, at, at + take);
        else this.#pieces.push(copyOf(buf, at, at + take));
        this.#recordBytes += take;
        this.#fragmentLeft -= take;
        at += take;
      }
      if (this.#fragmentLeft > 0) break;
      this.#fragmentLeft = -1;
      if (this.#fragmentIsLast) records.push(this.#takeRecord());
    }
    return { records, error: null };
  }

  /**
   * Where the transport may read the next bytes straight into: the rest of a large record's fragment, once its
   * buffer is taken (from POOLED_FROM bytes on). null: read into a chunk and push it. Bytes read here are told
   * with pushInPlace.
   */
  inPlaceTarget(): Buffer | null {
    if (this.#joined === null || this.#fragmentLeft < POOLED_FROM || this.#error !== null) return null;
    return this.#joined.subarray(this.#recordBytes, this.#recordBytes + this.#fragmentLeft);
  }

  /** `bytes` were read into what inPlaceTarget() returned last (never more than its length). */
  pushInPlace(bytes: number): RecordPush {
    if (this.#joined === null || bytes > this.#fragmentLeft) throw new RangeError(`pushInPlace(${bytes}) without room for it`);
    this.#recordBytes += bytes;
    this.#fragmentLeft -= bytes;
    const records: Buffer[] = [];
    if (this.#fragmentLeft === 0) {
      this.#fragmentLeft = -1;
      if (this.#fragmentIsLast) records.push(this.#takeRecord());
    }
    return { records, error: null };
  }

  #startFragment(header: number): RecordError | null {
    const length = header & MAX_FRAGMENT_LENGTH;
    if (length > this.#maxFragment) {
      return { code: 'FRAGMENT_TOO_LONG', detail: `fragment of ${length} bytes, above the limit of ${this.#maxFragment}` };
    }
    if (this.#recordBytes + length > this.#maxRecord) {
      return {
        code: 'RECORD_TOO_LONG',
        detail: `record would reach ${this.#recordBytes + length} bytes, above the limit of ${this.#maxRecord}`,
      };
    }
    this.#fragmentLeft = length;
    this.#fragmentIsLast = (header & LAST_FRAGMENT) !== 0;
    this.#oneFragment = this.#fragmentIsLast && this.#recordBytes === 0 ? length : -1;
    if (this.#oneFragment >= 0 && length < POOLED_FROM) this.#joined = Buffer.allocUnsafe(length);
    return null;
  }

  /** The pieces so far of a large one-fragment record, into the buffer that will hold all of it. */
  #join(): void {
    const pool = this.#pool;
    const whole = this.#oneFragment;
    const joined = pool !== undefined && whole <= pool.largest ? pool.take(whole) : Buffer.allocUnsafe(whole);
    let at = 0;
    for (const piece of this.#pieces) at += piece.copy(joined, at);
    this.#pieces = [];
    this.#joined = joined;
  }

  #takeRecord(): Buffer {
    const pieces = this.#pieces;
    const bytes = this.#recordBytes;
    let out: Buffer;
    if (this.#joined !== null) {
      out = this.#joined.subarray(0, bytes);
      this.#joined = null;
    } else if (pieces.length === 1) out = pieces[0]!;
    else if (this.#pool !== undefined && bytes >= POOLED_FROM && bytes <= this.#pool.largest) {
      const joined = this.#pool.take(bytes);
      let at = 0;
      for (const piece of pieces) at += piece.copy(joined, at);
      out = joined.subarray(0, bytes);
    } else out = Buffer.concat(pieces, bytes);
    this.#pieces = [];
    this.#recordBytes = 0;
    return out;
  }

  #fail(error: RecordError): void {
    this.#error = error;
    if (this.#joined !== null) this.#pool?.give(this.#joined);
    this.#joined = null;
    this.#pieces = [];
    this.#recordBytes = 0;
    this.#headerHave = 0;
  }
}

/**
 * A record of `bytes` (the chunks' total, below 2^31) as one fragment copied into one buffer, mark first. With
 * `recordBytes`, the chunks are only the start of a longer record whose rest the caller sends right after.
 */
export function copyRecord(chunks: readonly Uint8Array[], bytes: number, recordBytes = bytes, into?: Buffer): Buffer {
  if (recordBytes < bytes || recordBytes > MAX_FRAGMENT_LENGTH) throw new RangeError(`record of ${recordBytes} bytes cannot hold ${bytes} or be one fragment`);
  // `into`: a scratch buffer the caller reuses once the bytes are gone (a send the kernel took at once).
  const out = into !== undefined && into.length >= 4 + bytes ? into.subarray(0, 4 + bytes) : Buffer.allocUnsafe(4 + bytes);
  out.writeUInt32BE(LAST_FRAGMENT + recordBytes, 0);
  let at = 4;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Frames one record for TCP: its chunks (a writer's chunks(), say) behind fragment headers, split into fragments
 * of at most `maxFragment` bytes. Payload bytes are not copied; the result is ready for socket.writev.
 */
export function frameRecord(chunks: readonly Uint8Array[], maxFragment = MAX_FRAGMENT_LENGTH): Buffer[] {
  if (!Number.isInteger(maxFragment) || maxFragment < 1 || maxFragment > MAX_FRAGMENT_LENGTH) {
    throw new RangeError(`maxFragment must be 1..${MAX_FRAGMENT_LENGTH}, not ${maxFragment}`);
  }
  let total = 0;
  for (const c of chunks) total += c.length;
  const out: Buffer[] = [];
  let left = total;
  let ci = 0;
  let cat = 0;
  do {
    const length = Math.min(left, maxFragment);
    left -= length;
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE((left === 0 ? LAST_FRAGMENT : 0) + length, 0);
    out.push(header);
    let need = length;
    while (need > 0) {
      const c = chunks[ci]!;
      const take = Math.min(need, c.length - cat);
      out.push(asBuffer(c).subarray(cat, cat + take));
      need -= take;
      cat += take;
      if (cat === c.length) {
        ci++;
        cat = 0;
      }
    }
    // Skip empty chunks so the next fragment starts on real bytes.
    while (ci < chunks.length && chunks[ci]!.length === cat) {
      ci++;
      cat = 0;
    }
  } while (left > 0);
  return out;
}

/** One record framed as a single Buffer (copies; for small messages and tests). */
export function encodeRecord(record: Uint8Array, maxFragment = MAX_FRAGMENT_LENGTH): Buffer {
  return Buffer.concat(frameRecord([record], maxFragment));
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
