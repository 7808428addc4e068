// Wake-on-LAN magic packet codec (AMD "Magic Packet Technology" white paper, 1995; SecureOn as ether-wake sends it).
//
// The payload is 6 x 0xFF, then the target MAC 16 times (102 bytes), then optionally a 4- or 6-byte SecureOn
// password. The password is a secret: no error message here ever repeats it, only its length.
import { formatMac, normalizeMac } from '../net/mac.js';

export const SYNC_LENGTH = 6;
export const MAC_REPEATS = 16;
/** The packet without a SecureOn password. */
export const MAGIC_PACKET_LENGTH = SYNC_LENGTH + MAC_REPEATS * 6;
const SECUREON_LENGTHS: readonly number[] = [4, 6];

export type MagicPacketErrorCode =
  /** Not a MAC address, or a group (multicast/broadcast) or all-zero one that no NIC answers to. */
  | 'BAD_MAC'
  /** SecureOn text that is not pairs of hex digits (aa:bb:cc:dd, aa-bb-cc-dd or aabbccdd). */
  | 'BAD_SECUREON_FORMAT'
  /** SecureOn that is not 4 or 6 bytes long. */
  | 'BAD_SECUREON_LENGTH';

export class MagicPacketError extends Error {
  readonly code: MagicPacketErrorCode;

  constructor(code: MagicPacketErrorCode, message: string) {
    super(message);
    this.name = 'MagicPacketError';
    this.code = code;
  }
}

/** The target MAC in Bramble's form (lower case, colons); throws BAD_MAC. */
export function parseTargetMac(text: string): string {
  const mac = normalizeMac(text);
  // The message may name the MAC: it is an address, not a secret.
  if (mac === null) throw new MagicPacketError('BAD_MAC', `"${text}" is not a MAC address (like 52:54:00:12:34:56)`);
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) throw new MagicPacketError('BAD_MAC', `${mac} is a group address; a network card has a unicast one`);
  if (mac === '00:00:00:00:00:00') throw new MagicPacketError('BAD_MAC', 'the all-zero MAC belongs to no network card');
  return mac;
}

/** The SecureOn password as bytes, from text (colon-, dash- or un-separated hex pairs) or bytes. */
export function parseSecureOn(value: string | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!/^[0-9a-f]{2}(?:([:-]?)[0-9a-f]{2}(?:\1[0-9a-f]{2})*)?$/i.test(text)) {
      throw new MagicPacketError('BAD_SECUREON_FORMAT', 'the SecureOn password must be hex byte pairs, like aa:bb:cc:dd or aa-bb-cc-dd-ee-ff');
    }
    bytes = Buffer.from(text.replace(/[:-]/g, ''), 'hex');
  } else {
    bytes = Buffer.from(value);
  }
  if (!SECUREON_LENGTHS.includes(bytes.length)) {
    throw new MagicPacketError('BAD_SECUREON_LENGTH', `the SecureOn password must be 4 or 6 bytes, not ${bytes.length}`);
  }
  return bytes;
}

export function encodeMagicPacket(mac: string, secureOn?: string | Uint8Array): Buffer {
  const target = Buffer.from(parseTargetMac(mac).replace(/:/g, ''), 'hex');
  const password = secureOn === undefined ? Buffer.alloc(0) : parseSecureOn(secureOn);
  const packet = Buffer.alloc(MAGIC_PACKET_LENGTH + password.length, 0xff);
  for (let i = 0; i < MAC_REPEATS; i++) target.copy(packet, SYNC_LENGTH + i * 6);
  password.copy(packet, MAGIC_PACKET_LENGTH);
  return packet;
}

export interface MagicPacket {
  readonly mac: string;
  /** The password bytes, or null when the packet carries none. */
  readonly secureOn: Buffer | null;
}

export type MagicPacketDecodeErrorCode =
  /** Not 102, 106 or 108 bytes. */
  | 'BAD_LENGTH'
  /** The first 6 bytes are not all 0xFF. */
  | 'NO_SYNC_STREAM'
  /** The 16 copies of the MAC differ. */
  | 'MAC_NOT_REPEATED';

export type MagicPacketDecode =
  | { readonly ok: true; readonly packet: MagicPacket }
  | { readonly ok: false; readonly error: { readonly code: MagicPacketDecodeErrorCode; readonly message: string } };

/** Never throws. Reads a UDP payload exactly as Bramble (and wakeonlan, etherwake) send it: the packet and nothing else. */
export function decodeMagicPacket(buf: Uint8Array): MagicPacketDecode {
  const bad = (code: MagicPacketDecodeErrorCode, message: string): MagicPacketDecode => ({ ok: false, error: { code, message } });
  const extra = buf.length - MAGIC_PACKET_LENGTH;
  if (extra !== 0 && !SECUREON_LENGTHS.includes(extra)) {
    return bad('BAD_LENGTH', `${buf.length} bytes; a magic packet has ${MAGIC_PACKET_LENGTH}, or 4 or 6 more with SecureOn`);
  }
  for (let i = 0; i < SYNC_LENGTH; i++) {
    if (buf[i] !== 0xff) return bad('NO_SYNC_STREAM', 'does not start with six 0xFF bytes');
  }
  const target = buf.subarray(SYNC_LENGTH, SYNC_LENGTH + 6);
  for (let i = 1; i < MAC_REPEATS; i++) {
    const at = SYNC_LENGTH + i * 6;
    for (let j = 0; j < 6; j++) {
      if (buf[at + j] !== target[j]) return bad('MAC_NOT_REPEATED', `copy ${i + 1} of the MAC differs from the first`);
    }
  }
  return {
    ok: true,
    packet: { mac: formatMac(target), secureOn: extra === 0 ? null : Buffer.from(buf.subarray(MAGIC_PACKET_LENGTH)) },
  };
}
