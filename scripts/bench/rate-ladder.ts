// Stepping perfdhcp's offered rate upwards to find a server's capacity: the highest rate with zero drops (the
// headline), and the highest with drops within a small tolerance (servers that NAK by design never reach zero).
import type { PerfdhcpResult } from './perfdhcp.js';

/** Offered 4-way exchanges/s, tried in order until a step loses more than the tolerance. */
export const RATE_LADDER = [100, 200, 300, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 7000, 8000, 10000] as const;

/** Share of exchanges that may be lost for the second figure: 1%. */
export const DROP_TOLERANCE = 0.01;

export interface Reached {
  /** Highest offered rate that qualified; 0 when none did. */
  readonly rate: number;
  /** Exchanges completed per second of sending at that rate. */
  readonly completed: number;
  /** The ladder's top qualified: the real capacity is higher. */
  readonly capped: boolean;
}

export interface Capacity {
  readonly clean: Reached;
  readonly tolerant: Reached;
}

export function dropShare(result: PerfdhcpResult): number {
  const sent = result.discoverOffer.sent;
  if (sent === 0) return 1;
  // An exchange is lost when either its OFFER or its ACK never came (perfdhcp counts a NAK as a drop too).
  return (result.discoverOffer.drops + result.requestAck.drops) / sent;
}

export async function climbLadder(
  ladder: readonly number[],
  seconds: number,
  step: (rate: number) => Promise<PerfdhcpResult>,
): Promise<Capacity> {
  const none: Reached = { rate: 0, completed: 0, capped: false };
  let clean = none;
  let tolerant = none;
  let cleanSoFar = true;
  for (const rate of ladder) {
    const result = await step(rate);
    const share = dropShare(result);
    if (result.requestAck.received === 0 || share > DROP_TOLERANCE) break;
    const reached: Reached = { rate, completed: result.requestAck.received / seconds, capped: rate === ladder[ladder.length - 1] };
    tolerant = reached;
    // Zero drops must hold at every step up to this one, not only here: a lucky step above a lossy one is noise.
    if (share === 0 && cleanSoFar) clean = reached;
    else cleanSoFar = false;
  }
  return { clean, tolerant };
}
