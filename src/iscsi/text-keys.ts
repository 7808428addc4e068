// iSCSI text key=value pairs of Login and Text PDUs (RFC 7143 §6.1, §6.2): pure decode and encode.
//
// The data segment is "key=value" strings each ended by a NUL; a PDU with the C bit holds a part of them and the
// rest follows, so callers join the segments before decoding.

/** RFC 7143 §6.1: key names are at most 63 bytes; values are bounded by the keys' own limits, 8192 at most here. */
const MAX_KEY = 63;
const MAX_VALUE = 8192;

export type TextKeys = ReadonlyArray<readonly [key: string, value: string]>;

export type KeysDecode =
  | { readonly ok: true; readonly keys: TextKeys }
  | { readonly ok: false; readonly reason: 'NO_EQUALS' | 'EMPTY_KEY' | 'KEY_TOO_LONG' | 'VALUE_TOO_LONG' | 'REPEATED' | 'NOT_TERMINATED'; readonly key?: string };

export function decodeTextKeys(data: Uint8Array): KeysDecode {
  const keys: Array<readonly [string, string]> = [];
  const seen = new Set<string>();
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  // A trailing run of NULs is padding some initiators send; anything else must end in exactly one.
  const body = text.replace(/\0+$/, '');
  if (body.length === 0) return { ok: true, keys };
  if (!text.endsWith('\0')) return { ok: false, reason: 'NOT_TERMINATED' };
  for (const item of body.split('\0')) {
    const at = item.indexOf('=');
    if (at < 0) return { ok: false, reason: 'NO_EQUALS', key: item.slice(0, MAX_KEY) };
    const key = item.slice(0, at);
    const value = item.slice(at + 1);
    if (key.length === 0) return { ok: false, reason: 'EMPTY_KEY' };
    if (key.length > MAX_KEY) return { ok: false, reason: 'KEY_TOO_LONG', key: key.slice(0, MAX_KEY) };
    if (value.length > MAX_VALUE) return { ok: false, reason: 'VALUE_TOO_LONG', key };
    if (seen.has(key)) return { ok: false, reason: 'REPEATED', key };
    seen.add(key);
    keys.push([key, value]);
  }
  return { ok: true, keys };
}

export function encodeTextKeys(keys: TextKeys): Buffer {
  return Buffer.from(keys.map(([k, v]) => `${k}=${v}\0`).join(''), 'utf8');
}
