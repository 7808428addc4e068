// Bounds-checked reader of XDR primitives (RFC 4506 §4): every read fails with a typed XdrDecodeError, never a RangeError.
//
// Decisions, each tested in test/rpc/xdr.test.ts:
// - Hypers are bigint: NFS cookies, fileids and verifiers use all 64 bits. Sizes and offsets that arithmetic
//   wants as numbers go through uhyperNumber(), which refuses values above 2^53 - 1 with UNSAFE_INTEGER.
// - Fill bytes after opaques and strings are not checked unless `strictPadding` is set: libtirpc and the Linux
//   kernel ignore them, and a server that refused them would break clients that those peers accept.
// - Variable opaques and strings are checked against the bytes left before anything is allocated, and opaques
//   come back as views of the input (no copy): an NFS WRITE payload stays where the socket put it.
import { XdrDecodeError } from './xdr-error.js';

export interface XdrReaderOptions {
  /** Refuse non-zero fill bytes with BAD_PADDING. */
  readonly strictPadding?: boolean;
}

const TWO_POW_32 = 0x1_0000_0000;

export class XdrReader {
  readonly #buf: Buffer;
  readonly #end: number;
  readonly #strictPadding: boolean;
  #at: number;

  /** Reads `bytes` from `start` up to `end` (both default to the whole array); no bytes are copied. */
  constructor(bytes: Uint8Array, options: XdrReaderOptions = {}, start = 0, end = bytes.length) {
    this.#buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#at = Math.max(0, Math.min(start, bytes.length));
    this.#end = Math.max(this.#at, Math.min(end, bytes.length));
    this.#strictPadding = options.strictPadding === true;
  }

  get offset(): number {
    return this.#at;
  }

  get remaining(): number {
    return this.#end - this.#at;
  }

  int(): number {
    const at = this.#take(4, 'int');
    return this.#buf.readInt32BE(at);
  }

  uint(): number {
    const at = this.#take(4, 'unsigned int');
    return this.#buf.readUInt32BE(at);
  }

  hyper(): bigint {
    const at = this.#take(8, 'hyper');
    return this.#buf.readBigInt64BE(at);
  }

  uhyper(): bigint {
    const at = this.#take(8, 'unsigned hyper');
    return this.#buf.readBigUInt64BE(at);
  }

  /** An unsigned hyper as a number, for sizes and offsets; above 2^53 - 1 it is UNSAFE_INTEGER, not rounded. */
  uhyperNumber(): number {
    const at = this.#take(8, 'unsigned hyper');
    const high = this.#buf.readUInt32BE(at);
    const low = this.#buf.readUInt32BE(at + 4);
    if (high > 0x1f_ffff) {
      throw new XdrDecodeError('UNSAFE_INTEGER', `unsigned hyper at ${at} is above 2^53 - 1`, at);
    }
    return high * TWO_POW_32 + low;
  }

  bool(): boolean {
    const at = this.#take(4, 'bool');
    const v = this.#buf.readUInt32BE(at);
    if (v === 0) return false;
    if (v === 1) return true;
    throw new XdrDecodeError('BAD_BOOL', `bool at ${at} is ${v}, not 0 or 1`, at);
  }

  /** An enum, checked against the values its type declares (an `as const` code table's values, say). */
  enumOf<T extends number>(allowed: ReadonlySet<T>, what = 'enum'): T {
    const at = this.#take(4, what);
    const v = this.#buf.readInt32BE(at);
    if (!allowed.has(v as T)) throw new XdrDecodeError('BAD_ENUM', `${what} at ${at} is ${v}, not a declared value`, at);
    return v as T;
  }

  /** Fixed-length opaque[n], as a view of the input. */
  fixedOpaque(length: number, what = 'fixed opaque'): Buffer {
    const at = this.#take(padded(length), what);
    this.#checkFill(at + length, padded(length) - length);
    return this.#buf.subarray(at, at + length);
  }

  /** Variable-length opaque<max>, as a view of the input. */
  opaque(max: number, what = 'opaque'): Buffer {
    const lengthAt = this.#at;
    const length = this.uint();
    if (length > max) {
      this.#at = lengthAt;
      throw new XdrDecodeError('TOO_LONG', `${what} at ${lengthAt} is ${length} bytes, above its maximum ${max}`, lengthAt);
    }
    if (padded(length) > this.remaining) {
      this.#at = lengthAt;
      throw new XdrDecodeError(
        'SHORT',
        `${what} at ${lengthAt} announces ${length} bytes, ${this.remaining} left`,
        lengthAt,
      );
    }
    return this.fixedOpaque(length, what);
  }

  /** string<max> as UTF-8 text (RFC 4506 says ASCII; UTF-8 is its superset and what NFS clients send). */
  string(max: number, what = 'string'): string {
    return this.opaque(max, what).toString('utf8');
  }

  /**
   * A counted array T<max>. The count is checked against `max` and against the bytes left (each XDR item takes at
   * least `minItemBytes`, 4 unless told) before any item is read, so a forged count allocates nothing.
   */
  array<T>(max: number, readItem: (reader: XdrReader) => T, what = 'array', minItemBytes = 4): T[] {
    const countAt = this.#at;
    const count = this.uint();
    if (count > max) {
      this.#at = countAt;
      throw new XdrDecodeError('TOO_LONG', `${what} at ${countAt} has ${count} items, above its maximum ${max}`, countAt);
    }
    if (count * minItemBytes > this.remaining) {
      this.#at = countAt;
      throw new XdrDecodeError('SHORT', `${what} at ${countAt} announces ${count} items, ${this.remaining} bytes left`, countAt);
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(readItem(this));
    return out;
  }

  /** Optional-data *T (RFC 4506 §4.19): a bool, then the item when it is true. */
  optional<T>(readItem: (reader: XdrReader) => T): T | null {
    return this.bool() ? readItem(this) : null;
  }

  /**
   * A linked list written as optional-data (`entry *next`, as in READDIR and the portmapper's DUMP), read
   * iteratively so a long list cannot overflow the stack, and refused past `max` entries.
   */
  list<T>(max: number, readItem: (reader: XdrReader) => T, what = 'list'): T[] {
    const out: T[] = [];
    for (;;) {
      const at = this.#at;
      if (!this.bool()) return out;
      if (out.length >= max) {
        throw new XdrDecodeError('TOO_LONG', `${what} at ${at} has more than its maximum ${max} entries`, at);
      }
      out.push(readItem(this));
    }
  }

  /** The bytes left, as a view (an RPC call's arguments, a reply's results). */
  rest(): Buffer {
    const out = this.#buf.subarray(this.#at, this.#end);
    this.#at = this.#end;
    return out;
  }

  #take(length: number, what: string): number {
    const at = this.#at;
    if (length > this.#end - at) {
      throw new XdrDecodeError('SHORT', `${what} at ${at} needs ${length} bytes, ${this.#end - at} left`, at);
    }
    this.#at = at + length;
    return at;
  }

  #checkFill(from: number, count: number): void {
    if (!this.#strictPadding) return;
    for (let i = from; i < from + count; i++) {
      if (this.#buf[i] !== 0) throw new XdrDecodeError('BAD_PADDING', `fill byte at ${i} is not zero`, i);
    }
  }
}

/** Bytes an item of `length` takes once padded to the 4-byte unit (RFC 4506 §3). */
export function padded(length: number): number {
  // Arithmetic, not `& ~3`: bitwise operators wrap a forged 0xFFFFFFFF length to a small number.
  return length + ((4 - (length % 4)) % 4);
}
