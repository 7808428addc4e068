// Growable writer of XDR primitives (RFC 4506 §4) that can hand large payloads on by reference, for writev.
//
// Small items are copied into one growing buffer (doubling, so a reply of many small fields costs few
// allocations). appendOpaque()/appendRaw() keep a large Buffer as its own chunk instead of copying it: an NFS
// READ reply's megabyte goes from the file read to the socket untouched, and chunks() is ready for writev.
// appendFileOpaque() goes further where the transport can send from the kernel: the bytes stay in the file, and
// the reply carries the range (sliced()).
// Values out of their type's range are programming errors and throw RangeError (Buffer's own checks).
import { padded } from './xdr-reader.js';

/** Below this, appending by reference costs more (one more iovec, one more header split) than copying. */
const COPY_BELOW = 512;
const ZEROS = Buffer.alloc(4);

/** A byte range of an open file that a reply carries by reference; `fd` belongs to the reply (closed once sent). */
export interface FileSlice {
  readonly fd: number;
  readonly offset: number;
  readonly length: number;
}

/** A reply with a file slice: the chunks before it, the slice, and the chunks after it (its fill, say). */
export interface SlicedChunks {
  readonly before: Buffer[];
  readonly file: FileSlice;
  readonly after: Buffer[];
}

export class XdrWriter {
  #buf: Buffer;
  /** Start of the bytes in #buf not yet handed to #chunks. */
  #start = 0;
  #pos = 0;
  readonly #chunks: Buffer[] = [];
  readonly #whenSent: (() => void)[] = [];
  #chunkBytes = 0;
  /** The file slice, and how many of #chunks come before it. */
  #slice: { readonly file: FileSlice; readonly chunksBefore: number } | null = null;

  constructor(initialCapacity = 1024) {
    this.#buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#chunkBytes + (this.#pos - this.#start);
  }

  int(value: number): this {
    this.#room(4);
    this.#pos = this.#buf.writeInt32BE(value, this.#pos);
    return this;
  }

  uint(value: number): this {
    this.#room(4);
    this.#pos = this.#buf.writeUInt32BE(value, this.#pos);
    return this;
  }

  /** An enum is an int on the wire (RFC 4506 §4.3). */
  enum(value: number): this {
    return this.int(value);
  }

  bool(value: boolean): this {
    return this.uint(value ? 1 : 0);
  }

  hyper(value: bigint | number): this {
    this.#room(8);
    this.#pos = this.#buf.writeBigInt64BE(BigInt(value), this.#pos);
    return this;
  }

  uhyper(value: bigint | number): this {
    this.#room(8);
    this.#pos = this.#buf.writeBigUInt64BE(BigInt(value), this.#pos);
    return this;
  }

  /** Fixed-length opaque[n]: the bytes, then zero fill to the 4-byte unit. */
  fixedOpaque(bytes: Uint8Array): this {
    const total = padded(bytes.length);
    this.#room(total);
    this.#buf.set(bytes, this.#pos);
    this.#buf.fill(0, this.#pos + bytes.length, this.#pos + total);
    this.#pos += total;
    return this;
  }

  /** Variable-length opaque<>: length, bytes, zero fill. */
  opaque(bytes: Uint8Array): this {
    return this.uint(bytes.length).fixedOpaque(bytes);
  }

  /** string<> as UTF-8. */
  string(text: string): this {
    const length = Buffer.byteLength(text, 'utf8');
    const total = padded(length);
    this.uint(length);
    this.#room(total);
    this.#buf.write(text, this.#pos, length, 'utf8');
    this.#buf.fill(0, this.#pos + length, this.#pos + total);
    this.#pos += total;
    return this;
  }

  /** Counted array T<>. */
  array<T>(items: readonly T[], writeItem: (writer: XdrWriter, item: T) => void): this {
    this.uint(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  /** Optional-data *T. */
  optional<T>(item: T | null | undefined, writeItem: (writer: XdrWriter, item: T) => void): this {
    if (item === null || item === undefined) return this.bool(false);
    this.bool(true);
    writeItem(this, item);
    return this;
  }

  /** A linked list as optional-data: TRUE before each entry, FALSE after the last. */
  list<T>(items: readonly T[], writeItem: (writer: XdrWriter, item: T) => void): this {
    for (const item of items) {
      this.bool(true);
      writeItem(this, item);
    }
    return this.bool(false);
  }

  /** Variable-length opaque whose bytes are kept by reference when large (do not change them until sent). */
  appendOpaque(bytes: Uint8Array): this {
    this.uint(bytes.length);
    this.appendRaw(bytes);
    const fill = padded(bytes.length) - bytes.length;
    if (fill > 0) this.raw(ZEROS.subarray(0, fill));
    return this;
  }

  /**
   * Variable-length opaque whose bytes are a range of a file, for a transport that sends it from the kernel
   * (sliced()); at most one per writer. The slice's descriptor must stay open until the reply is sent.
   */
  appendFileOpaque(file: FileSlice): this {
    if (this.#slice !== null) throw new Error('XdrWriter: one file slice per reply');
    this.uint(file.length);
    this.#flushSegment();
    this.#slice = { file, chunksBefore: this.#chunks.length };
    this.#chunkBytes += file.length;
    const fill = padded(file.length) - file.length;
    if (fill > 0) this.raw(ZEROS.subarray(0, fill));
    return this;
  }

  /** Bytes already in XDR form, kept by reference when large. */
  appendRaw(bytes: Uint8Array): this {
    if (bytes.length < COPY_BELOW) return this.raw(bytes);
    this.#flushSegment();
    this.#chunks.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.#chunkBytes += bytes.length;
    return this;
  }

  /** Bytes already in XDR form, copied. */
  raw(bytes: Uint8Array): this {
    this.#room(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
    return this;
  }

  /**
   * Runs `fn` once the reply's bytes are with the operating system, or dropped: a payload appended from a pool
   * (an NFS READ's buffer) goes back then, not before, since the chunks above are views of it.
   */
  whenSent(fn: () => void): this {
    this.#whenSent.push(fn);
    return this;
  }

  /** For the transport: runs every whenSent callback, once. */
  sent(): void {
    for (const fn of this.#whenSent.splice(0)) fn();
  }

  /** What was written, as views in order (appended payloads are not copied); for socket.writev or framing. */
  chunks(): Buffer[] {
    if (this.#slice !== null) throw new Error('XdrWriter: the reply has a file slice; use sliced()');
    const tail = this.#buf.subarray(this.#start, this.#pos);
    return tail.length > 0 ? [...this.#chunks, tail] : [...this.#chunks];
  }

  /** The reply around its file slice, or null when it has none (then chunks() is all of it). */
  sliced(): SlicedChunks | null {
    if (this.#slice === null) return null;
    const tail = this.#buf.subarray(this.#start, this.#pos);
    const after = this.#chunks.slice(this.#slice.chunksBefore);
    if (tail.length > 0) after.push(tail);
    return { before: this.#chunks.slice(0, this.#slice.chunksBefore), file: this.#slice.file, after };
  }

  /** A copy of the bytes written from `offset` (a length read earlier) to now. */
  copySince(offset: number): Buffer {
    const out = Buffer.allocUnsafe(this.length - offset);
    let at = 0;
    let skip = offset;
    for (const chunk of this.chunks()) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      at += chunk.copy(out, at, skip);
      skip = 0;
    }
    return out;
  }

  /** What was written as one Buffer: a view when it is all in one piece, else one copy. */
  toBuffer(): Buffer {
    const chunks = this.chunks();
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks, this.length);
  }

  #flushSegment(): void {
    if (this.#pos === this.#start) return;
    this.#chunks.push(this.#buf.subarray(this.#start, this.#pos));
    this.#chunkBytes += this.#pos - this.#start;
    this.#start = this.#pos;
  }

  #room(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    const used = this.#pos - this.#start;
    // Views already handed to #chunks keep the old buffer alive, so only the open segment moves.
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, used + bytes));
    this.#buf.copy(next, 0, this.#start, this.#pos);
    this.#buf = next;
    this.#start = 0;
    this.#pos = used;
  }
}
