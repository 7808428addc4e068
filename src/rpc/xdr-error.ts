// The typed decode error of the XDR reader (RFC 4506), with a stable code a server can log or map to a reply.

export type XdrErrorCode =
  /** The buffer ends before the item does (including a length field that announces more than is left). */
  | 'SHORT'
  /** A variable-length item or array is longer than its declared maximum. */
  | 'TOO_LONG'
  /** A boolean other than 0 or 1 (RFC 4506 §4.4). */
  | 'BAD_BOOL'
  /** An enum value outside its declared set (RFC 4506 §4.3). */
  | 'BAD_ENUM'
  /** Non-zero fill bytes, only when the reader was asked to be strict (RFC 4506 §4.9, §4.10). */
  | 'BAD_PADDING'
  /** An unsigned hyper read as a number that is above Number.MAX_SAFE_INTEGER. */
  | 'UNSAFE_INTEGER';

export class XdrDecodeError extends Error {
  readonly code: XdrErrorCode;
  /** Byte offset in the reader's buffer where the failing item starts. */
  readonly offset: number;

  constructor(code: XdrErrorCode, message: string, offset: number) {
    super(message);
    this.name = 'XdrDecodeError';
    this.code = code;
    this.offset = offset;
  }
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: XdrErrorCode; readonly detail: string; readonly offset: number };

/**
 * Runs a decoder that reads with XdrReader and turns its typed errors into a result. Anything else thrown is a
 * bug in the decoder, not bad input, so it is left to propagate.
 */
export function tryDecode<T>(decode: () => T): DecodeResult<T> {
  try {
    return { ok: true, value: decode() };
  } catch (err) {
    if (err instanceof XdrDecodeError) return { ok: false, code: err.code, detail: err.message, offset: err.offset };
    throw err;
  }
}
