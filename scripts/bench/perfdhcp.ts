// perfdhcp (Kea's DHCPv4 load generator, always a relay: giaddr = its local address) for one offered rate: the
// argv, and the figures read back from its report (drops per exchange, RFC 2131 DORA).
import { BenchError } from './bench-error.js';

export interface PerfdhcpStep {
  readonly localAddress: string;
  readonly serverAddress: string;
  /** Offered 4-way exchanges per second (-r). */
  readonly rate: number;
  /** Seconds of sending (-p). */
  readonly seconds: number;
}

export interface ExchangeStats {
  readonly sent: number;
  readonly received: number;
  readonly drops: number;
}

export interface PerfdhcpResult {
  readonly discoverOffer: ExchangeStats;
  readonly requestAck: ExchangeStats;
}

/**
 * perfdhcp draws each exchange's MAC at random from -R clients: with as many clients as exchanges a third would
 * repeat a MAC (a renewal, not a new lease), with 20 times as many only about 1 in 40 do.
 */
export const CLIENTS_PER_EXCHANGE = 20;

/** Responses still in flight when sending stops get this long (microseconds) before they count as drops. */
const EXIT_WAIT_US = 1_000_000;

export function perfdhcpArgv(step: PerfdhcpStep): string[] {
  return [
    'perfdhcp', '-4',
    '-l', step.localAddress,
    '-r', String(step.rate),
    '-R', String(step.rate * step.seconds * CLIENTS_PER_EXCHANGE),
    '-p', String(step.seconds),
    '-W', String(EXIT_WAIT_US),
    step.serverAddress,
  ];
}

export function parsePerfdhcp(output: string): PerfdhcpResult {
  const block = (name: string): ExchangeStats => {
    const start = output.indexOf(`***Statistics for: ${name}***`);
    if (start === -1) throw new BenchError('OUTPUT_UNPARSED', `perfdhcp printed no ${name} statistics:\n${output.slice(-2000)}`);
    const text = output.slice(start);
    const field = (label: string): number => {
      const match = new RegExp(`^${label}: (\\d+)$`, 'm').exec(text);
      if (match === null) throw new BenchError('OUTPUT_UNPARSED', `perfdhcp ${name} block has no "${label}"`);
      return Number(match[1]);
    };
    return { sent: field('sent packets'), received: field('received packets'), drops: field('drops') };
  };
  return { discoverOffer: block('DISCOVER-OFFER'), requestAck: block('REQUEST-ACK') };
}
