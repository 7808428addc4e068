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

export class PduFramer {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #settings: FramerSettings;
  #error: FrameError | null = null;
  readonly #pool: BufferPool | null;

  /**
   * @param pool where a data segment that spans chunks is gathered into (whoever ends up holding the PDU's data
   *   may give it back there); without one, a new Buffer each time.
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
    return this.#buffered;
  }

  /** The PDUs `chunk` completes; after an error the stream cannot be cut any more and nothing further comes. */
  push(chunk: Buffer): { readonly pdus: FramedPdu[]; readonly error: FrameError | null } {
    const pdus: FramedPdu[] = [];
    if (this.#error !== null) return { pdus, error: this.#error };
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
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
      if (this.#buffered < headerBytes + dataBytes) break;
      const head = this.#take(headerBytes);
      const bhs = head.subarray(0, BHS_BYTES);
      const ahs = head.subarray(BHS_BYTES, BHS_BYTES + ahsBytes);
      if (s.headerDigest && crc32c(head.subarray(0, BHS_BYTES + ahsBytes)) !== head.readUInt32LE(BHS_BYTES + ahsBytes)) {
        // Without a trustworthy header the lengths are unknown too, so the stream is lost (RFC 7143 §7.8).
        this.#error = { code: 'HEADER_DIGEST' };
        break;
      }
      let data: Buffer = Buffer.alloc(0);
      let dataDigestOk = true;
      if (dataBytes > 0) {
        const segment = this.#take(dataBytes, this.#pool);
        data = segment.subarray(0, dataLength);
        // The digest covers the data and its padding (RFC 7143 §11.2.2).
        if (s.dataDigest) dataDigestOk = crc32c(segment.subarray(0, pad4(dataLength))) === segment.readUInt32LE(pad4(dataLength));
      }
      pdus.push({ bhs, ahs, data, dataDigestOk });
    }
    return { pdus, error: this.#error };
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
