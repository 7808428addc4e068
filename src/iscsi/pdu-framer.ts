// Cuts a TCP byte stream into iSCSI PDUs (RFC 7143 §11.2: BHS, AHS, header digest, data segment padded to 4
// bytes, data digest), checking digests and the data segment limit. No sockets: the connection pushes chunks.
import type { BufferPool } from '../net/buffer-pool.js';
import { crc32c } from './crc32c.js';
import { BHS_BYTES, bhsLengths } from './pdu.js';

export interface FramedPdu {
  readonly bhs: Buffer;
  readonly ahs: Buffer;
  readonly data: Buffer;
  /** False when data digests are on and the data segment's did not match (RFC 7143 §7.8: Reject, not close). */
  readonly dataDigestOk: boolean;
}

export type FrameError =
  | { readonly code: 'DATA_TOO_LONG'; readonly length: number; readonly limit: number }
  | { readonly code: 'HEADER_DIGEST' };

export interface FramerSettings {
  readonly headerDigest: boolean;
  readonly dataDigest: boolean;
  /** The longest data segment accepted: what the target declared as its MaxRecvDataSegmentLength. */
  readonly maxDataLength: number;
}

const pad4 = (n: number): number => (n + 3) & ~3;

export type FramerPush = { readonly pdus: FramedPdu[]; readonly error: FrameError | null };

/** A PDU whose header is here and whose data segment is being gathered into a buffer of its own. */
interface Gathering {
  readonly bhs: Buffer;
  readonly ahs: Buffer;
  readonly dataLength: number;
  /** Whether a data digest follows, as the settings were when the header came. */
  readonly dataDigest: boolean;
  /** Data, padding and data digest, as they come. */
  readonly segment: Buffer;
  filled: number;
}

export class PduFramer {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #settings: FramerSettings;
  #error: FrameError | null = null;
  readonly #pool: BufferPool | null;
  #gathering: Gathering | null = null;
  /** The memory of the chunk being pushed when its caller reuses it: nothing may keep a view of it. */
  #transient: ArrayBufferLike | null = null;

  /**
   * @param pool where data segments are gathered (a segment spanning chunks, or any from a transient chunk);
   *   whoever ends up holding a PDU's data may give it back there. Without one, a new Buffer each time.
   */
  constructor(settings: FramerSettings, pool: BufferPool | null = null) {
    this.#settings = settings;
    this.#pool = pool;
  }

  /** Digests and limits change when login completes; PDUs already framed keep what held when they were cut. */
  set settings(next: FramerSettings) {
    this.#settings = next;
  }

  /** Bytes held that do not yet make a whole PDU. */
  get buffered(): number {
    return this.#buffered + (this.#gathering?.filled ?? 0);
  }

  /**
   * The PDUs `chunk` completes; after an error the stream cannot be cut any more and nothing further comes.
   * `transient`: the caller reuses the chunk's memory once this returns, so what is kept of it is copied (data
   * segments into the pool), and a data segment not all here is gathered into a buffer of its own, which
   * inPlaceTarget offers for the next read.
   */
  push(chunk: Buffer, transient = false): FramerPush {
    const pdus: FramedPdu[] = [];
    if (this.#error !== null) return { pdus, error: this.#error };
    const gathering = this.#gathering;
    if (gathering !== null) {
      const n = Math.min(chunk.length, gathering.segment.length - gathering.filled);
      chunk.copy(gathering.segment, gathering.filled, 0, n);
      gathering.filled += n;
      chunk = chunk.subarray(n);
      if (gathering.filled < gathering.segment.length) return { pdus, error: null };
      pdus.push(this.#gathered(gathering));
    }
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    this.#transient = transient ? chunk.buffer : null;
    try {
      this.#cut(pdus);
    } finally {
      // Bytes of a transient chunk still held (a header not all here) are copied: a few dozen at most.
      if (this.#transient !== null) this.#chunks = this.#chunks.map((c) => (c.buffer === this.#transient ? Buffer.from(c) : c));
      this.#transient = null;
    }
    return { pdus, error: this.#error };
  }

  /** Where the next read may go: the rest of a data segment being gathered; null when there is none. */
  inPlaceTarget(): Buffer | null {
    const gathering = this.#gathering;
    return gathering === null ? null : gathering.segment.subarray(gathering.filled);
  }

  /** `bytes` were read into what inPlaceTarget() returned last (never more than its length). */
  pushInPlace(bytes: number): FramerPush {
    const gathering = this.#gathering;
    if (gathering === null || bytes > gathering.segment.length - gathering.filled) throw new RangeError(`pushInPlace(${bytes}) without room for it`);
    gathering.filled += bytes;
    if (gathering.filled < gathering.segment.length) return { pdus: [], error: null };
    return { pdus: [this.#gathered(gathering)], error: null };
  }

  #cut(pdus: FramedPdu[]): void {
    for (;;) {
      if (this.#buffered < BHS_BYTES) break;
      const bhsPeek = this.#peek(BHS_BYTES);
      const { ahsBytes, dataLength } = bhsLengths(bhsPeek);
      const s = this.#settings;
      if (dataLength > s.maxDataLength) {
        this.#error = { code: 'DATA_TOO_LONG', length: dataLength, limit: s.maxDataLength };
        break;
      }
      const headerBytes = BHS_BYTES + ahsBytes + (s.headerDigest ? 4 : 0);
      const dataBytes = dataLength === 0 ? 0 : pad4(dataLength) + (s.dataDigest ? 4 : 0);
      if (this.#buffered < headerBytes) break;
      const whole = this.#buffered >= headerBytes + dataBytes;
      // With the chunk about to be reused, a segment not all here is gathered from now on.
      if (!whole && this.#transient === null) break;
      const head = this.#own(this.#take(headerBytes));
      const bhs = head.subarray(0, BHS_BYTES);
      const ahs = head.subarray(BHS_BYTES, BHS_BYTES + ahsBytes);
      if (s.headerDigest && crc32c(head.subarray(0, BHS_BYTES + ahsBytes)) !== head.readUInt32LE(BHS_BYTES + ahsBytes)) {
        // Without a trustworthy header the lengths are unknown too, so the stream is lost (RFC 7143 §7.8).
        this.#error = { code: 'HEADER_DIGEST' };
        break;
      }
      if (!whole) {
        const segment = this.#pool?.take(dataBytes) ?? Buffer.allocUnsafe(dataBytes);
        let filled = 0;
        for (const c of this.#chunks) filled += c.copy(segment, filled);
        this.#chunks = [];
        this.#buffered = 0;
        this.#gathering = { bhs, ahs, dataLength, dataDigest: s.dataDigest, segment, filled };
        break;
      }
      if (dataBytes === 0) {
        pdus.push({ bhs, ahs, data: Buffer.alloc(0), dataDigestOk: true });
        continue;
      }
      const segment = this.#take(dataBytes, this.#pool);
      const owned = segment.buffer === this.#transient ? this.#copyToPool(segment) : segment;
      pdus.push(this.#framed(bhs, ahs, owned, dataLength, s.dataDigest));
    }
  }

  #gathered(gathering: Gathering): FramedPdu {
    this.#gathering = null;
    return this.#framed(gathering.bhs, gathering.ahs, gathering.segment, gathering.dataLength, gathering.dataDigest);
  }

  #framed(bhs: Buffer, ahs: Buffer, segment: Buffer, dataLength: number, dataDigest: boolean): FramedPdu {
    // The digest covers the data and its padding (RFC 7143 §11.2.2).
    const dataDigestOk = !dataDigest || crc32c(segment.subarray(0, pad4(dataLength))) === segment.readUInt32LE(pad4(dataLength));
    return { bhs, ahs, data: segment.subarray(0, dataLength), dataDigestOk };
  }

  /** A header's bytes, copied when they lie in a transient chunk. */
  #own(view: Buffer): Buffer {
    return view.buffer === this.#transient ? Buffer.from(view) : view;
  }

  #copyToPool(view: Buffer): Buffer {
    const out = this.#pool?.take(view.length) ?? Buffer.allocUnsafe(view.length);
    view.copy(out);
    return out;
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0]!;
    return first.length >= n ? first : Buffer.concat(this.#chunks, n).subarray(0, n);
  }

  /** The next `n` buffered bytes as one Buffer (a view when they lie in one chunk, else one copy, from `pool`). */
  #take(n: number, pool: BufferPool | null = null): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[0]!;
    if (first.length > n) {
      this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.#chunks.shift();
      return first;
    }
    const out = pool?.take(n) ?? Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0]!;
      const want = n - at;
      if (c.length <= want) {
        c.copy(out, at);
        at += c.length;
        this.#chunks.shift();
      } else {
        c.copy(out, at, 0, want);
        this.#chunks[0] = c.subarray(want);
        at += want;
      }
    }
    return out;
  }
}

/** A target PDU's bytes for the wire: header, its digest, data padded, its digest (RFC 7143 §11.2). */
export function framePdu(bhs: Buffer, data: Uint8Array | null, digests: { readonly header: boolean; readonly data: boolean }): Buffer[] {
  const out: Buffer[] = [bhs];
  if (digests.header) {
    const d = Buffer.allocUnsafe(4);
    d.writeUInt32LE(crc32c(bhs), 0);
    out.push(d);
  }
  if (data !== null && data.length > 0) {
    const body = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    out.push(body);
    const fill = pad4(body.length) - body.length;
    const padding = Buffer.alloc(fill);
    if (fill > 0) out.push(padding);
    if (digests.data) {
      const d = Buffer.allocUnsafe(4);
      d.writeUInt32LE(crc32c(padding, crc32c(body)), 0);
      out.push(d);
    }
  }
  return out;
}
