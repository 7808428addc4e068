// TFTP packet codec (RFC 1350 §5, RFC 2347 OACK and request options): pure decode/encode, no sockets.

export const TftpOpcode = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;

export const TftpErrorCode = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTid: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionRefused: 8,
} as const;

export interface TftpOption {
  readonly name: string;
  readonly value: string;
}

export interface TftpRequest {
  readonly kind: 'rrq' | 'wrq';
  /** The filename octets, one char per octet (latin1): TFTP does not say which charset clients use. */
  readonly filename: string;
  readonly mode: string;
  /** In the order and spelling the client sent them; negotiation matches names case-insensitively. */
  readonly options: readonly TftpOption[];
}

export interface TftpData {
  readonly kind: 'data';
  readonly block: number;
  readonly data: Uint8Array;
}

export interface TftpAck {
  readonly kind: 'ack';
  readonly block: number;
}

export interface TftpError {
  readonly kind: 'error';
  readonly code: number;
  readonly message: string;
}

export interface TftpOack {
  readonly kind: 'oack';
  readonly options: readonly TftpOption[];
}

export type TftpPacket = TftpRequest | TftpData | TftpAck | TftpError | TftpOack;

export type TftpDecodeFailure =
  | 'short'
  | 'unknown-opcode'
  | 'missing-nul'
  | 'empty-filename'
  | 'empty-mode'
  | 'odd-options'
  | 'empty-option-name';

export type TftpDecodeResult =
  | { readonly ok: true; readonly packet: TftpPacket }
  | { readonly ok: false; readonly code: TftpDecodeFailure; readonly detail: string };

const opcodeNames: Readonly<Record<number, TftpPacket['kind']>> = {
  1: 'rrq',
  2: 'wrq',
  3: 'data',
  4: 'ack',
  5: 'error',
  6: 'oack',
};

export function decodeTftp(buf: Uint8Array): TftpDecodeResult {
  if (buf.length < 2) return fail('short', `${buf.length} bytes, no opcode`);
  const opcode = (buf[0]! << 8) | buf[1]!;
  const kind = opcodeNames[opcode];
  if (kind === undefined) return fail('unknown-opcode', `opcode ${opcode}`);
  switch (kind) {
    case 'rrq':
    case 'wrq':
      return decodeRequest(kind, buf);
    case 'data':
      if (buf.length < 4) return fail('short', `DATA of ${buf.length} bytes`);
      return ok({ kind, block: readU16(buf, 2), data: buf.subarray(4) });
    case 'ack':
      // Trailing bytes after the block number carry nothing; some stacks pad, so they are ignored.
      if (buf.length < 4) return fail('short', `ACK of ${buf.length} bytes`);
      return ok({ kind, block: readU16(buf, 2) });
    case 'error':
      return decodeError(buf);
    case 'oack': {
      const fields = splitFields(buf, 2);
      if (fields === null) return fail('missing-nul', 'OACK field not NUL-terminated');
      const options = pairOptions(fields);
      return typeof options === 'string' ? fail(options, 'OACK options') : ok({ kind, options });
    }
  }
}

function decodeRequest(kind: 'rrq' | 'wrq', buf: Uint8Array): TftpDecodeResult {
  if (buf.length < 4) return fail('short', `request of ${buf.length} bytes`);
  const fields = splitFields(buf, 2);
  if (fields === null) return fail('missing-nul', 'request field not NUL-terminated');
  const [filename, mode, ...rest] = fields;
  if (filename === undefined || filename === '') return fail('empty-filename', 'no filename');
  if (mode === undefined || mode === '') return fail('empty-mode', 'no transfer mode');
  const options = pairOptions(rest);
  if (typeof options === 'string') return fail(options, 'request options');
  return ok({ kind, filename, mode, options });
}

function decodeError(buf: Uint8Array): TftpDecodeResult {
  if (buf.length < 4) return fail('short', `ERROR of ${buf.length} bytes`);
  // A missing NUL after the message is tolerated: an ERROR ends the transfer whatever its text says.
  let end = buf.indexOf(0, 4);
  if (end < 0) end = buf.length;
  return ok({ kind: 'error', code: readU16(buf, 2), message: latin1(buf, 4, end) });
}

/** NUL-terminated strings from `start` to the end, or null when the last one lacks its NUL. */
function splitFields(buf: Uint8Array, start: number): string[] | null {
  if (buf.length === start) return [];
  if (buf[buf.length - 1] !== 0) return null;
  const fields: string[] = [];
  let from = start;
  while (from < buf.length) {
    const end = buf.indexOf(0, from);
    fields.push(latin1(buf, from, end));
    from = end + 1;
  }
  return fields;
}

/**
 * Name/value pairs. Zero bytes after the last pair are padding that some PXE ROMs add: trailing empty fields
 * are dropped while they leave an odd count or an all-empty last pair, so `tsize\0\0` stays an empty value.
 */
function pairOptions(fields: readonly string[]): TftpOption[] | 'odd-options' | 'empty-option-name' {
  let count = fields.length;
  while (count > 0 && fields[count - 1] === '' && (count % 2 !== 0 || fields[count - 2] === '')) count--;
  if (count % 2 !== 0) return 'odd-options';
  const options: TftpOption[] = [];
  for (let i = 0; i < count; i += 2) {
    const name = fields[i]!;
    if (name === '') return 'empty-option-name';
    options.push({ name, value: fields[i + 1]! });
  }
  return options;
}

export function encodeTftp(packet: TftpPacket): Buffer {
  switch (packet.kind) {
    case 'rrq':
    case 'wrq':
      return withStrings(TftpOpcode[packet.kind], [packet.filename, packet.mode, ...flatten(packet.options)]);
    case 'oack':
      return withStrings(TftpOpcode.oack, flatten(packet.options));
    case 'data': {
      const out = Buffer.allocUnsafe(4 + packet.data.length);
      writeDataHeader(out, 0, packet.block);
      out.set(packet.data, 4);
      return out;
    }
    case 'ack': {
      const out = Buffer.allocUnsafe(4);
      out.writeUInt16BE(TftpOpcode.ack, 0);
      out.writeUInt16BE(packet.block & 0xffff, 2);
      return out;
    }
    case 'error': {
      const text = Buffer.from(packet.message, 'latin1');
      const out = Buffer.alloc(5 + text.length);
      out.writeUInt16BE(TftpOpcode.error, 0);
      out.writeUInt16BE(packet.code & 0xffff, 2);
      text.copy(out, 4);
      return out;
    }
  }
}

/**
 * The block number of an ACK, or -1 for anything else. Equivalent to decodeTftp for ACKs, without the
 * result objects: a sender handles one of these per window, tens of thousands per second.
 */
export function ackBlockOf(buf: Uint8Array): number {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== TftpOpcode.ack) return -1;
  return (buf[2]! << 8) | buf[3]!;
}

/** Writes a DATA header in place, so that a sender can fill reused packet buffers without encoding anew. */
export function writeDataHeader(buf: Buffer, offset: number, block: number): void {
  buf[offset] = 0;
  buf[offset + 1] = TftpOpcode.data;
  buf[offset + 2] = (block >>> 8) & 0xff;
  buf[offset + 3] = block & 0xff;
}

function flatten(options: readonly TftpOption[]): string[] {
  const out: string[] = [];
  for (const option of options) out.push(option.name, option.value);
  return out;
}

function withStrings(opcode: number, strings: readonly string[]): Buffer {
  const parts = strings.map((s) => Buffer.from(s, 'latin1'));
  const out = Buffer.alloc(2 + parts.reduce((n, p) => n + p.length + 1, 0));
  out.writeUInt16BE(opcode, 0);
  let at = 2;
  for (const part of parts) {
    part.copy(out, at);
    at += part.length + 1;
  }
  return out;
}

function readU16(buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!;
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString('latin1');
}

function ok(packet: TftpPacket): TftpDecodeResult {
  return { ok: true, packet };
}

function fail(code: TftpDecodeFailure, detail: string): TftpDecodeResult {
  return { ok: false, code, detail };
}
