// CHAP for iSCSI login (RFC 7143 §12.1.3 over RFC 1994): MD5 responses, challenge encodings, and the checks a
// target makes. Pure apart from the random challenge, which the caller supplies.
import { createHash, timingSafeEqual } from 'node:crypto';

/** CHAP_A=5: MD5, the one algorithm every iSCSI implementation has (RFC 7143 §12.1.3). */
export const CHAP_MD5 = 5;
/** RFC 7143 §12.1.3: challenges of at least 16 bytes... */
export const CHALLENGE_BYTES = 16;
/** ...and at most 1024 (the largest value the encoding allows a CHAP_C). */
const MAX_CHALLENGE_BYTES = 1024;

export interface ChapCredentials {
  readonly user: string;
  readonly secret: string;
}

/** RFC 1994 §4.1: MD5 over the identifier byte, the secret and the challenge. */
export function chapResponse(id: number, secret: string, challenge: Uint8Array): Buffer {
  return createHash('md5').update(Buffer.from([id & 0xff])).update(Buffer.from(secret, 'utf8')).update(challenge).digest();
}

/** A binary value as iSCSI writes it: hex with 0x (RFC 7143 §6.1 binary-value). */
export const encodeBinary = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;

/** Hex ("0x..."), base64 ("0b...") or null for anything else. */
export function decodeBinary(value: string): Buffer | null {
  if (/^0[xX]([0-9a-fA-F]{2})+$/.test(value)) return Buffer.from(value.slice(2), 'hex');
  if (/^0[xX][0-9a-fA-F]+$/.test(value)) return Buffer.from(`0${value.slice(2)}`, 'hex');
  if (/^0[bB][A-Za-z0-9+/]+={0,2}$/.test(value)) return Buffer.from(value.slice(2), 'base64');
  return null;
}

/** Whether `response` (the initiator's CHAP_R) answers our challenge with `secret`. */
export function responseMatches(id: number, secret: string, challenge: Uint8Array, response: Uint8Array): boolean {
  const expected = chapResponse(id, secret, challenge);
  return response.length === expected.length && timingSafeEqual(expected, response);
}

export type ChallengeCheck = { readonly ok: true; readonly challenge: Buffer; readonly id: number } | { readonly ok: false; readonly reason: 'BAD_ID' | 'BAD_CHALLENGE' | 'REFLECTED' };

/**
 * The initiator's challenge for mutual CHAP. A challenge equal to ours is refused: answering it would hand the
 * initiator the response it owes us (RFC 7143 §12.1.3, the reflection attack).
 */
export function checkInitiatorChallenge(idValue: string, challengeValue: string, ours: Uint8Array): ChallengeCheck {
  const id = /^[0-9]+$/.test(idValue) ? Number(idValue) : -1;
  if (id < 0 || id > 255) return { ok: false, reason: 'BAD_ID' };
  const challenge = decodeBinary(challengeValue);
  if (challenge === null || challenge.length === 0 || challenge.length > MAX_CHALLENGE_BYTES) return { ok: false, reason: 'BAD_CHALLENGE' };
  if (challenge.equals(ours)) return { ok: false, reason: 'REFLECTED' };
  return { ok: true, challenge, id };
}
