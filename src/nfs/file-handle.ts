// NFSv3 file handles (RFC 1813 §2.3.3, at most 64 opaque bytes): which export, which file, signed by this server.
//
// A handle names an export and a file id that stays the same across Bramble restarts and across copy-up (the
// per-machine layer keeps the golden file's id). It is signed with HMAC-SHA256 under a secret kept in the data
// folder, so a client cannot forge one, nor turn a handle of one machine's export into one of another's: the
// export id is inside what is signed. The generation lets a reset-to-golden make every old handle stale.
//
// Version 2 signs with 11 bytes of the HMAC (88 bits: a forger needs ~2^87 tries, each a request) where version 1
// used 16, so that a handle is 28 bytes, a multiple of XDR's 4: READDIRPLUS pages (libnfs asks for 8 KiB)
// then hold 53 entries instead of 50, and a directory of 100 files and '.' and '..' lists in two calls, not three.
// Version 1 handles that clients still hold keep working.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KeptBytes } from '../net/kept-bytes.js';

export const HANDLE_VERSION = 2;
/** version (1) + export id (4) + generation (4) + file id (8) + signature (11) = 28 bytes, under the limit of 64. */
export const HANDLE_BYTES = 28;
const SIGNED_BYTES = 17;
/** Signature bytes by version: what encode writes now (2), and what handles made before carry (1). */
const SIGNATURE_BYTES: Readonly<Record<number, number>> = { 1: 16, 2: 11 };
/** Handles kept as verified (about 150 bytes each). */
const VERIFIED_KEPT = 20_000;

export interface FileHandle {
  readonly exportId: number;
  /** Bumped when the export's layer is reset: old handles then answer NFS3ERR_STALE. */
  readonly generation: number;
  readonly fileId: bigint;
}

/** BADHANDLE: not one of ours at all (RFC 1813: NFS3ERR_BADHANDLE); the signature decides, not the layout. */
export type HandleDecode = { readonly ok: true; readonly handle: FileHandle } | { readonly ok: false; readonly code: 'BADHANDLE' };

export interface HandleSigner {
  encode(handle: FileHandle): Buffer;
  decode(bytes: Uint8Array): HandleDecode;
}

/** `secret`: at least 32 random bytes, the same across restarts (or every handle a client holds goes stale). */
export function handleSigner(secret: Uint8Array): HandleSigner {
  if (secret.length < 32) throw Object.assign(new Error('file handle secret must be at least 32 bytes'), { code: 'WEAK_SECRET' });
  const key = Buffer.from(secret);
  const sign = (body: Buffer, bytes: number): Buffer => createHmac('sha256', key).update(body).digest().subarray(0, bytes);
  // Handles already checked, by their exact bytes: a client names the same few handles call after call, and an
  // HMAC each time was a tenth of a 1 MiB READ's time in the server. Only handles that passed go in.
  const verified = new Map<string, HandleDecode>();
  // Handles are kept (served-export.ts keeps one per file id), so they are cut from slabs of kept bytes.
  const kept = new KeptBytes();
  return {
    encode(handle) {
      if (!Number.isInteger(handle.exportId) || handle.exportId < 0 || handle.exportId > 0xffffffff) throw new RangeError('exportId out of range');
      if (!Number.isInteger(handle.generation) || handle.generation < 0 || handle.generation > 0xffffffff) throw new RangeError('generation out of range');
      if (handle.fileId < 0n || handle.fileId > 0xffffffffffffffffn) throw new RangeError('fileId out of range');
      // Every byte is written below: version, ids and signature fill all HANDLE_BYTES.
      const out = kept.take(HANDLE_BYTES);
      out.writeUInt8(HANDLE_VERSION, 0);
      out.writeUInt32BE(handle.exportId, 1);
      out.writeUInt32BE(handle.generation, 5);
      out.writeBigUInt64BE(handle.fileId, 9);
      sign(out.subarray(0, SIGNED_BYTES), HANDLE_BYTES - SIGNED_BYTES).copy(out, SIGNED_BYTES);
      return out;
    },
    decode(bytes) {
      const signature = SIGNATURE_BYTES[bytes[0] ?? 0];
      if (signature === undefined || bytes.length !== SIGNED_BYTES + signature) return { ok: false, code: 'BADHANDLE' };
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const key = buf.toString('latin1');
      const known = verified.get(key);
      if (known !== undefined) return known;
      const expected = sign(buf.subarray(0, SIGNED_BYTES), signature);
      if (!timingSafeEqual(expected, buf.subarray(SIGNED_BYTES))) return { ok: false, code: 'BADHANDLE' };
      const decoded: HandleDecode = { ok: true, handle: { exportId: buf.readUInt32BE(1), generation: buf.readUInt32BE(5), fileId: buf.readBigUInt64BE(9) } };
      if (verified.size >= VERIFIED_KEPT) verified.delete(verified.keys().next().value!);
      verified.set(key, decoded);
      return decoded;
    },
  };
}
