// DHCP wire codec (RFC 2131 §2, RFC 2132 §2 and §9.3 option overload, RFC 3396 long options): pure bytes <-> message.
import { ipv4FromBytes, parseIpv4 } from '../net/ipv4.js';
import { BOOTREPLY, BOOTREQUEST, ZERO_ADDRESS } from './message.js';
import type { DhcpMessage } from './message.js';
import { DhcpOption, dhcpOptionName, optionLengthRules } from './options.js';

const HEADER_LENGTH = 236;
const COOKIE_OFFSET = 236;
const OPTIONS_OFFSET = 240;
const MAGIC_COOKIE = 0x63825363;
const SNAME = { offset: 44, length: 64 } as const;
const FILE = { offset: 108, length: 128 } as const;
/** RFC 2131 §2: a client must accept 576-byte datagrams, i.e. 548 bytes of DHCP after IP and UDP headers. */
export const MIN_MAX_MESSAGE = 548;
/** Some PXE ROMs drop BOOTP replies shorter than the classic 300-byte BOOTP packet (RFC 951). */
export const BOOTP_MIN_LENGTH = 300;

export type DhcpDecodeErrorCode =
  | 'TRUNCATED_HEADER'
  | 'BAD_OP'
  | 'BAD_HLEN'
  | 'BAD_MAGIC'
  | 'OPTION_OVERRUN'
  | 'MISSING_END'
  | 'BAD_OPTION_LENGTH'
  | 'BAD_OVERLOAD';

export interface DhcpDecodeError {
  readonly code: DhcpDecodeErrorCode;
  readonly message: string;
  readonly option?: number;
}

export type DhcpDecodeResult = { readonly ok: true; readonly message: DhcpMessage } | { readonly ok: false; readonly error: DhcpDecodeError };

const fail = (code: DhcpDecodeErrorCode, message: string, option?: number): DhcpDecodeResult => ({
  ok: false,
  error: option === undefined ? { code, message } : { code, message, option },
});

/** Never throws: every way a datagram can be wrong comes back as a typed error. */
export function decodeDhcp(buf: Uint8Array): DhcpDecodeResult {
  if (buf.byteLength < OPTIONS_OFFSET) return fail('TRUNCATED_HEADER', `${buf.byteLength} bytes, need at least ${OPTIONS_OFFSET}`);
  // One private copy, and every field a view into it: the caller may reuse its buffer, and one allocation per
  // datagram beats one per option.
  const bytes = Buffer.from(buf);
  if (bytes.length < OPTIONS_OFFSET) return fail('TRUNCATED_HEADER', `${bytes.length} bytes, need at least ${OPTIONS_OFFSET}`);
  const op = bytes[0]!;
  if (op !== BOOTREQUEST && op !== BOOTREPLY) return fail('BAD_OP', `op ${op}`);
  const hlen = bytes[2]!;
  if (hlen > 16) return fail('BAD_HLEN', `hlen ${hlen} > 16`);
  if (bytes.readUInt32BE(COOKIE_OFFSET) !== MAGIC_COOKIE) return fail('BAD_MAGIC', 'no DHCP magic cookie');

  const parts = new Map<number, Buffer[]>();
  const main = readOptionField(bytes, OPTIONS_OFFSET, bytes.length, true, parts);
  if (main !== null) return main;

  const overloadParts = parts.get(DhcpOption.Overload);
  let overload = 0;
  if (overloadParts !== undefined) {
    const overloadData = Buffer.concat(overloadParts);
    if (overloadData.length !== 1 || overloadData[0]! < 1 || overloadData[0]! > 3) {
      return fail('BAD_OVERLOAD', 'option 52 must be one byte of 1, 2 or 3', DhcpOption.Overload);
    }
    overload = overloadData[0]!;
    // RFC 3396 §7: options, then file, then sname.
    for (const field of [overload & 1 ? FILE : null, overload & 2 ? SNAME : null]) {
      if (field === null) continue;
      const seen = parts.get(DhcpOption.Overload)!.length;
      const error = readOptionField(bytes, field.offset, field.offset + field.length, false, parts);
      if (error !== null) return error;
      if (parts.get(DhcpOption.Overload)!.length !== seen) return fail('BAD_OVERLOAD', 'option 52 inside an overloaded field', DhcpOption.Overload);
    }
  }

  const options = new Map<number, Buffer>();
  for (const [code, chunks] of parts) {
    // Option 52 only says where the other options were; once they are read it is no part of the message.
    if (code === DhcpOption.Overload) continue;
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const rule = optionLengthRules.get(code);
    if (
      rule !== undefined &&
      (data.length < rule.min || (rule.max !== undefined && data.length > rule.max) || (rule.multipleOf !== undefined && data.length % rule.multipleOf !== 0))
    ) {
      return fail('BAD_OPTION_LENGTH', `${dhcpOptionName(code)} (${code}) has length ${data.length}`, code);
    }
    options.set(code, data);
  }

  return {
    ok: true,
    message: {
      op,
      htype: bytes[1]!,
      hlen,
      hops: bytes[3]!,
      xid: bytes.readUInt32BE(4),
      secs: bytes.readUInt16BE(8),
      flags: bytes.readUInt16BE(10),
      ciaddr: ipv4FromBytes(bytes, 12),
      yiaddr: ipv4FromBytes(bytes, 16),
      siaddr: ipv4FromBytes(bytes, 20),
      giaddr: ipv4FromBytes(bytes, 24),
      chaddr: bytes.subarray(28, 44),
      sname: overload & 2 ? Buffer.alloc(0) : cString(bytes, SNAME.offset, SNAME.length),
      file: overload & 1 ? Buffer.alloc(0) : cString(bytes, FILE.offset, FILE.length),
      options,
    },
  };
}

/** Collects option instances from one field into `parts`; a non-null result is the error that ends decoding. */
function readOptionField(bytes: Buffer, start: number, end: number, endRequired: boolean, parts: Map<number, Buffer[]>): DhcpDecodeResult | null {
  let i = start;
  while (i < end) {
    const code = bytes[i]!;
    if (code === DhcpOption.Pad) {
      i += 1;
      continue;
    }
    if (code === DhcpOption.End) return null;
    if (i + 1 >= end) return fail('OPTION_OVERRUN', `option ${code} at offset ${i} has no length byte`, code);
    const length = bytes[i + 1]!;
    if (i + 2 + length > end) return fail('OPTION_OVERRUN', `option ${code} at offset ${i} runs ${i + 2 + length - end} bytes past its field`, code);
    const data = bytes.subarray(i + 2, i + 2 + length);
    const list = parts.get(code);
    if (list === undefined) parts.set(code, [data]);
    else list.push(data);
    i += 2 + length;
  }
  // The sname/file fields, when overloaded, may simply be full: their ends are fixed, so END is a courtesy there.
  return endRequired ? fail('MISSING_END', 'options field has no END option') : null;
}

function cString(bytes: Buffer, offset: number, length: number): Buffer {
  const field = bytes.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return nul === -1 ? field : field.subarray(0, nul);
}

export interface EncodeLimits {
  /** Pad the datagram with zeros to at least this length (default 300, see BOOTP_MIN_LENGTH). */
  readonly minLength?: number;
  /** The client's limit (from option 57, less IP and UDP headers); beyond it options spill into file and sname. */
  readonly maxLength?: number;
}

export class DhcpEncodeError extends Error {
  constructor(
    readonly code: 'MESSAGE_TOO_LARGE' | 'FIELD_TOO_LONG' | 'BAD_FIELD',
    message: string,
  ) {
    super(message);
    this.name = 'DhcpEncodeError';
  }
}

/** Throws DhcpEncodeError when the message cannot be expressed (a caller bug or an impossible size limit). */
export function encodeDhcp(message: DhcpMessage, limits: EncodeLimits = {}): Buffer {
  if (message.chaddr.length > 16) throw new DhcpEncodeError('FIELD_TOO_LONG', 'chaddr longer than 16 bytes');
  if (message.sname.length > SNAME.length) throw new DhcpEncodeError('FIELD_TOO_LONG', 'sname longer than 64 bytes');
  if (message.file.length > FILE.length) throw new DhcpEncodeError('FIELD_TOO_LONG', 'file longer than 128 bytes');

  const maxLength = limits.maxLength ?? Infinity;
  let plainLength = 0;
  for (const [code, data] of message.options) if (!isFraming(code)) plainLength += instancesLength(data.length);

  let mainItems: Buffer[] | null = null;
  let fileItems: Buffer[] = [];
  let snameItems: Buffer[] = [];
  let overload = 0;
  if (OPTIONS_OFFSET + plainLength + 1 > maxLength) {
    if (message.file.length > 0 || message.sname.length > 0) {
      throw new DhcpEncodeError('MESSAGE_TOO_LARGE', `options need ${plainLength} bytes, the client takes ${maxLength} and file/sname are in use`);
    }
    const options = [...message.options].filter(([code]) => !isFraming(code));
    // Option 52 (3 bytes) and END stay in the options field; each spill field keeps a byte for its own END.
    const fields = packFields(options, [maxLength - OPTIONS_OFFSET - 3 - 1, FILE.length - 1, SNAME.length - 1]);
    if (fields === null) throw new DhcpEncodeError('MESSAGE_TOO_LARGE', `options need ${plainLength} bytes, more than fit in ${maxLength}`);
    [mainItems, fileItems, snameItems] = fields as [Buffer[], Buffer[], Buffer[]];
    overload = (fileItems.length > 0 ? 1 : 0) | (snameItems.length > 0 ? 2 : 0);
    if (overload !== 0) mainItems = [Buffer.from([DhcpOption.Overload, 1, overload]), ...mainItems];
  }

  const optionsLength = (mainItems === null ? plainLength : mainItems.reduce((sum, item) => sum + item.length, 0)) + 1;
  const length = Math.max(OPTIONS_OFFSET + optionsLength, limits.minLength ?? BOOTP_MIN_LENGTH);
  const out = Buffer.alloc(length);
  out[0] = message.op;
  out[1] = message.htype;
  out[2] = message.hlen;
  out[3] = message.hops;
  out.writeUInt32BE(message.xid >>> 0, 4);
  out.writeUInt16BE(message.secs & 0xffff, 8);
  out.writeUInt16BE(message.flags & 0xffff, 10);
  writeAddress(out, 12, message.ciaddr);
  writeAddress(out, 16, message.yiaddr);
  writeAddress(out, 20, message.siaddr);
  writeAddress(out, 24, message.giaddr);
  message.chaddr.copy(out, 28);
  writeField(out, SNAME.offset, overload & 2 ? snameItems : null, message.sname);
  writeField(out, FILE.offset, overload & 1 ? fileItems : null, message.file);
  out.writeUInt32BE(MAGIC_COOKIE, COOKIE_OFFSET);
  let at = OPTIONS_OFFSET;
  if (mainItems !== null) {
    for (const item of mainItems) at += item.copy(out, at);
  } else {
    for (const [code, data] of message.options) if (!isFraming(code)) at = writeInstances(out, at, code, data);
  }
  out[at] = DhcpOption.End;
  return out;
}

/** Pad, END and overload are the encoder's own business, whatever the message says. */
function isFraming(code: number): boolean {
  return code === DhcpOption.Pad || code === DhcpOption.End || code === DhcpOption.Overload;
}

function instancesLength(length: number): number {
  return length === 0 ? 2 : length + 2 * Math.ceil(length / 255);
}

/** RFC 3396 §5: a value longer than 255 bytes goes out as consecutive instances of the same code. */
function writeInstances(out: Buffer, at: number, code: number, data: Buffer): number {
  if (data.length === 0) {
    out[at] = code;
    out[at + 1] = 0;
    return at + 2;
  }
  for (let i = 0; i < data.length; i += 255) {
    const size = Math.min(255, data.length - i);
    out[at] = code;
    out[at + 1] = size;
    data.copy(out, at + 2, i, i + size);
    at += 2 + size;
  }
  return at;
}

function writeAddress(out: Buffer, offset: number, address: string): void {
  // Most address fields of most messages are zero, and `out` starts zeroed: skip the parse.
  if (address === ZERO_ADDRESS) return;
  const value = parseIpv4(address);
  if (value === null) throw new DhcpEncodeError('BAD_FIELD', `not an IPv4 address: ${address}`);
  out.writeUInt32BE(value, offset);
}

/**
 * Fills options, then file, then sname, in order, splitting a value wherever a field ends (RFC 3396 §6 lets
 * the receiver join the pieces, in the same options -> file -> sname order). Null when they do not fit.
 */
function packFields(options: readonly (readonly [number, Buffer])[], capacities: readonly number[]): Buffer[][] | null {
  const fields: Buffer[][] = capacities.map(() => []);
  let field = 0;
  let room = capacities[0]!;
  const next = (need: number): boolean => {
    while (room < need) {
      field += 1;
      if (field >= capacities.length) return false;
      room = capacities[field]!;
    }
    return true;
  };
  for (const [code, data] of options) {
    if (data.length === 0) {
      if (!next(2)) return null;
      fields[field]!.push(Buffer.from([code, 0]));
      room -= 2;
      continue;
    }
    for (let at = 0; at < data.length; ) {
      if (!next(3)) return null;
      const size = Math.min(255, room - 2, data.length - at);
      fields[field]!.push(Buffer.concat([Buffer.from([code, size]), data.subarray(at, at + size)]));
      room -= 2 + size;
      at += size;
    }
  }
  return fields;
}

function writeField(out: Buffer, offset: number, items: readonly Buffer[] | null, text: Buffer): void {
  if (items === null) {
    text.copy(out, offset);
    return;
  }
  let at = offset;
  for (const item of items) at += item.copy(out, at);
  out[at] = DhcpOption.End;
}
