// TFTP option negotiation for read requests (RFC 2347, 2348 blksize, 2349 timeout/tsize, 7440 windowsize): pure.
import type { TftpOption } from './codec.js';

export const DEFAULT_BLKSIZE = 512;
export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;
export const MAX_WINDOWSIZE = 65535;
/** Server-side default cap on windowsize: RFC 7440's figures stop improving past 32-64 blocks. */
export const DEFAULT_MAX_WINDOWSIZE = 64;
/**
 * Bytes one window may hold. Blocks larger than the MTU travel as IP fragments, and a burst of fragments lost
 * together costs a whole window, so big blocks get small windows: 8192 x 16 fits, 65464 gets 2.
 */
export const DEFAULT_MAX_WINDOW_BYTES = 128 * 1024;

export interface NegotiationLimits {
  readonly maxBlksize: number;
  readonly maxWindowsize: number;
  readonly maxWindowBytes: number;
}

export interface Negotiated {
  readonly blksize: number;
  readonly windowsize: number;
  /** Retransmission timeout the client asked for, or null for the server's own. */
  readonly timeoutMs: number | null;
  /** Options to acknowledge, in the client's order and spelling; empty means no OACK (RFC 2347: plain DATA 1). */
  readonly oack: readonly TftpOption[];
}

/**
 * Accepts what can be honoured and silently leaves out the rest (RFC 2347: unknown or unacceptable options are
 * simply not acknowledged). Values are clamped, never refused: firmware tends to give up on ERROR 8.
 */
export function negotiate(requested: readonly TftpOption[], size: number, limits: NegotiationLimits): Negotiated {
  const seen = new Set<string>();
  const accepted: Array<{ readonly key: string; readonly name: string; readonly value: number }> = [];
  for (const option of requested) {
    const key = option.name.toLowerCase();
    if (seen.has(key)) continue; // the first of duplicate options counts
    seen.add(key);
    const value = parseDecimal(option.value);
    if (value === null) continue;
    const granted = grant(key, value, size, limits);
    if (granted !== null) accepted.push({ key, name: option.name, value: granted });
  }

  const valueOf = (key: string): number | undefined => accepted.find((o) => o.key === key)?.value;
  const blksize = valueOf('blksize') ?? DEFAULT_BLKSIZE;
  // The window's byte budget depends on the blksize finally granted, whatever order the options came in.
  const requestedWindow = valueOf('windowsize');
  const windowsize =
    requestedWindow === undefined ? 1 : Math.min(requestedWindow, Math.max(1, Math.floor(limits.maxWindowBytes / blksize)));
  const timeout = valueOf('timeout');
  return {
    blksize,
    windowsize,
    timeoutMs: timeout === undefined ? null : timeout * 1000,
    oack: accepted.map((o) => ({ name: o.name, value: String(o.key === 'windowsize' ? windowsize : o.value) })),
  };
}

function grant(key: string, value: number, size: number, limits: NegotiationLimits): number | null {
  switch (key) {
    case 'blksize':
      if (value < MIN_BLKSIZE) return null;
      return Math.min(value, MAX_BLKSIZE, Math.max(MIN_BLKSIZE, limits.maxBlksize));
    case 'tsize':
      // RFC 2349 §4: a read request carries 0 and the OACK carries the real size; any other value gets it too.
      // Except for empty files: curl 7.88 rejects "tsize 0" in an OACK as invalid and fails the download
      // (tftpd-hpa has the same problem); without tsize every client simply reads the one empty block.
      return size > 0 ? size : null;
    case 'timeout':
      return value >= 1 && value <= 255 ? value : null;
    case 'windowsize':
      if (value < 1 || value > MAX_WINDOWSIZE) return null;
      return Math.min(value, Math.max(1, limits.maxWindowsize));
    default:
      return null;
  }
}

/** Plain decimal digits only: no sign, spaces, hex or exponent sneaking in through Number(). */
function parseDecimal(text: string): number | null {
  if (!/^[0-9]{1,15}$/.test(text)) return null;
  return Number(text);
}
